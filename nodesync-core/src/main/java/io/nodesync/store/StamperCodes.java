package io.nodesync.store;

import io.nodesync.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;

/**
 * Numbers the stampers (node ids) one state machine has seen, so that a {@link PackedVersion} holds two bytes instead
 * of a reference. Code 0 is no stamper. Codes are only ever added, so a code means the same id for as long as the
 * machine lives (until a restore starts it afresh); they are never written to a snapshot.
 */
final class StamperCodes {

    /** The largest code: a cluster has far fewer distinct node ids. */
    static final int MAX_CODE = 0xFFFF;

    private final ArrayList<NodeId> ids = new ArrayList<>();
    private final HashMap<NodeId, Integer> codes = new HashMap<>();
    // Most writes in a row carry the same stamper instance (the leader's): skip the map lookup for it.
    private NodeId lastId;
    private int lastCode;

    StamperCodes() {
        ids.add(null);
    }

    /** The code of {@code id}, giving it the next one if it has none yet. */
    int codeOf(NodeId id) {
        if (id == null) {
            return 0;
        }
        if (id == lastId) {
            return lastCode;
        }
        Integer code = codes.get(id);
        if (code == null) {
            if (ids.size() > MAX_CODE) {
                throw new IllegalStateException("more than " + MAX_CODE + " distinct stampers");
            }
            code = ids.size();
            ids.add(id);
            codes.put(id, code);
        }
        lastId = id;
        lastCode = code;
        return code;
    }

    /** The id of a code given out before ({@code null} for 0). */
    NodeId idOf(int code) {
        return ids.get(code);
    }

    /** Each code's id as UTF-8, indexed by code ({@code null} for 0): an independent copy for a snapshot image. */
    byte[][] utf8Names() {
        byte[][] names = new byte[ids.size()][];
        for (int code = 1; code < names.length; code++) {
            names[code] = ids.get(code).value().getBytes(StandardCharsets.UTF_8);
        }
        return names;
    }

    /** Forgets every code. */
    void clear() {
        ids.subList(1, ids.size()).clear();
        codes.clear();
        lastId = null;
        lastCode = 0;
    }
}

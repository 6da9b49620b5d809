package io.nodesync.testing;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Decides whether one key's history ({@link KeyHistory}) is linearizable against a read / write / CAS register:
 * the Wing &amp; Gong depth-first search with Lowe's memoization, as in Lowe's "Testing for Linearizability" and the
 * porcupine checker. Written from those descriptions.
 *
 * <h2>How it searches</h2>
 * Operations of known outcome become a call event and a return event, in one doubly linked list sorted by time
 * (a call before a return at the same instant: intervals are closed). The search builds a linearization one
 * operation at a time. An operation may go next only if its call precedes the first return still in the list
 * (otherwise the operation owning that return would have to come first: the "must linearize before" rule). Placing
 * an operation runs it on the register model; if the result matches what the client saw, and the configuration
 * (set of operations placed, register state) is new, the operation's events are lifted out of the list and the
 * search goes deeper; otherwise it tries the next candidate, and when none is left it backtracks, putting the last
 * placed operation back and trying the candidates after it. When the list is empty every operation of known
 * outcome has been placed: the history is linearizable.
 *
 * <h2>Operations of unknown outcome</h2>
 * They may take effect at any point after their invocation, or never: their return is at +infinity, so they never
 * force anything to come before them, and they are kept apart from the event list. Four rules keep them cheap,
 * all preserving completeness: (1) they are tried only after every candidate of known outcome at the same point,
 * because real histories are mostly explained by what completed; (2) one is placed only where it changes the
 * register (a write of a different value, a CAS whose comparison holds), since placing it where it changes nothing
 * is the same as leaving it out, which is always allowed; (3) unknown operations with the same effect (same kind,
 * value and expected value) are interchangeable once invoked, so only the earliest-invoked unplaced one of each
 * such signature is ever a candidate: trying its twins would explore the same futures again, which is exponential
 * when a client times out many identical writes; (4) an unknown operation is never followed directly by a write,
 * which would overwrite it unseen: the same linearization without it is valid too. Without (4), every dead end
 * would first try every sequence of unknown writes before undoing a known operation. Those still unplaced at the
 * end are the ones that never happened.
 *
 * <h2>Memory</h2>
 * A configuration's set of placed operations is encoded canonically and compactly: operations of known outcome as
 * a watermark (the first 64-bit word of their bitset, by invocation rank, that is not full) plus the words from
 * there to the last non-empty one, which stays short because a linearization advances roughly in invocation order;
 * operations of unknown outcome as a plain bitset over their own ranks, which {@link VisitedStates} compares by
 * inclusion (fewer unknown operations placed is never worse).
 *
 * <h2>Forced moves</h2>
 * A candidate that changes nothing and agrees with the register now (a read of the current value, a CAS that did
 * not swap and expected another value) is placed at once with no alternatives tried: moving it to the front of any
 * linearization from that point keeps it valid. Reads are half of a typical history, so this removes most of the
 * branching, notably the wrong paths where an early write is "repaired" by an unknown write of the needed value.
 *
 * <p>Each search is a new instance with its own working arrays, confined to the calling thread.
 */
final class RegisterSearch {

    /** What a search concluded. */
    enum Verdict {
        LINEARIZABLE,
        NOT_LINEARIZABLE,
        BUDGET_EXCEEDED
    }

    private static final int NO_STATE = -1;
    private static final int HEAD = 0;
    private static final int[] NONE = new int[0];

    private final KeyHistory history;
    private final int size;

    // The event list over known-outcome operations: node 0 is the head sentinel, the list is circular.
    private final int[] next;
    private final int[] prev;
    private final int[] eventOp;
    private final boolean[] isReturn;
    private final long[] eventTime;
    private final int[] callEvent;
    private final int[] returnEvent;

    // Unknown-outcome operations, one circular list per signature in invocation order; node size + s heads
    // signature s's list.
    private final int signatureCount;
    private final int[] signatureOf;
    private final int[] signatureNext;
    private final int[] signaturePrev;
    // Only a write or a CAS expecting the current value can change the register: the signatures worth scanning
    // in state s are the write ones, then the CAS ones expecting s. A signature's place in that sequence:
    private int[] writeSignatures;
    private int[][] casSignaturesByExpected;
    private int[] signatureRank;

    /** Position among the operations of the same certainty (known or unknown), in invocation order. */
    private final int[] rank;
    private final long[] zobrist;

    // The configuration's set of placed operations; see "Memory" above.
    private final long[] knownPlaced;
    private int knownLow;
    private int knownHigh = -1;
    private final long[] unknownPlaced;
    private final long[] encoded;

    // The search itself: the current configuration, the stack of placements, and where the scan is.
    private SearchAllowance allowance;
    private VisitedStates visited;
    private int[] stackOp;
    private int[] stackState;
    private long[] stackFrontier;
    private boolean[] stackForced;
    private int depth;
    private int state;
    private long setHash;
    private int definiteLeft;
    private boolean scanningKnown;
    private int cursor;
    private int signatureCursor;
    /** Completion time of the first return still in the list, while scanning unknown operations. */
    private long frontier;

    private RegisterSearch(KeyHistory history) {
        this.history = history;
        this.size = history.size;
        int events = 2 * history.definiteCount + 1;
        next = new int[events];
        prev = new int[events];
        eventOp = new int[events];
        isReturn = new boolean[events];
        eventTime = new long[events];
        callEvent = new int[size];
        returnEvent = new int[size];
        rank = new int[size];
        signatureOf = new int[size];
        zobrist = new long[size];
        buildEventList();
        signatureCount = assignSignatures();
        signatureNext = new int[size + signatureCount];
        signaturePrev = new int[size + signatureCount];
        buildSignatureLists();
        groupSignatures();
        knownPlaced = new long[(history.definiteCount + 63) >>> 6];
        unknownPlaced = new long[(size - history.definiteCount + 63) >>> 6];
        encoded = new long[2 + knownPlaced.length];
        // Fixed seed: the hashes only spread configurations over the table; any values are correct.
        SplittableRandom random = new SplittableRandom(0x5EEDL ^ size);
        for (int i = 0; i < size; i++) {
            // Only known-outcome operations key the memo table; unknown ones are compared as subsets there.
            zobrist[i] = history.unknown[i] ? 0 : random.nextLong();
        }
    }

    /** Searches from the absent initial value. */
    static Verdict check(KeyHistory history, SearchAllowance allowance) {
        return check(history, KeyHistory.ABSENT, allowance);
    }

    /** Searches from the given (interned) initial value of the register. */
    static Verdict check(KeyHistory history, int initialState, SearchAllowance allowance) {
        if (history.definiteCount == 0) {
            return Verdict.LINEARIZABLE; // unknown operations alone can always be left out
        }
        return new RegisterSearch(history).run(initialState, allowance);
    }

    private void buildEventList() {
        int definite = history.definiteCount;
        int[] calls = new int[definite];
        Integer[] returns = new Integer[definite];
        int count = 0;
        int unknownCount = 0;
        for (int op = 0; op < size; op++) {
            if (history.unknown[op]) {
                rank[op] = unknownCount++;
            } else {
                rank[op] = count;
                calls[count] = op;
                returns[count] = op;
                count++;
            }
        }
        // Calls are already in invocation order; sort returns by completion, then merge (call first on ties).
        Arrays.sort(returns, Comparator.<Integer>comparingLong(op -> history.completedAt[op]).thenComparingInt(op -> op));
        int node = 1;
        int c = 0;
        int r = 0;
        while (c < definite || r < definite) {
            boolean takeCall = c < definite
                    && (r == definite || history.invokedAt[calls[c]] <= history.completedAt[returns[r]]);
            int op = takeCall ? calls[c++] : returns[r++];
            eventOp[node] = op;
            isReturn[node] = !takeCall;
            eventTime[node] = takeCall ? history.invokedAt[op] : history.completedAt[op];
            if (takeCall) {
                callEvent[op] = node;
            } else {
                returnEvent[op] = node;
            }
            node++;
        }
        int last = node - 1;
        for (int i = 0; i <= last; i++) {
            next[i] = i == last ? HEAD : i + 1;
            prev[i] = i == HEAD ? last : i - 1;
        }
    }

    private int assignSignatures() {
        Map<Long, Integer> signatures = new HashMap<>();
        for (int op = 0; op < size; op++) {
            if (history.unknown[op]) {
                long signature = ((long) history.kind[op] << 62) | ((long) history.value[op] << 31)
                        | history.expected[op];
                signatureOf[op] = signatures.computeIfAbsent(signature, s -> signatures.size());
            }
        }
        return signatures.size();
    }

    private void buildSignatureLists() {
        int[] last = new int[signatureCount];
        for (int s = 0; s < signatureCount; s++) {
            last[s] = size + s;
        }
        for (int op = 0; op < size; op++) {
            if (history.unknown[op]) {
                int s = signatureOf[op];
                signatureNext[last[s]] = op;
                signaturePrev[op] = last[s];
                last[s] = op;
            }
        }
        for (int s = 0; s < signatureCount; s++) {
            signatureNext[last[s]] = size + s;
            signaturePrev[size + s] = last[s];
        }
    }

    private void groupSignatures() {
        int[] firstOp = new int[signatureCount];
        Arrays.fill(firstOp, -1);
        for (int op = 0; op < size; op++) {
            if (history.unknown[op] && firstOp[signatureOf[op]] < 0) {
                firstOp[signatureOf[op]] = op;
            }
        }
        int[] casCounts = new int[history.valueCount + 1];
        int writes = 0;
        for (int op : firstOp) {
            if (history.kind[op] == KeyHistory.WRITE) {
                writes++;
            } else {
                casCounts[history.expected[op]]++;
            }
        }
        writeSignatures = new int[writes];
        casSignaturesByExpected = new int[casCounts.length][];
        for (int value = 0; value < casCounts.length; value++) {
            casSignaturesByExpected[value] = new int[casCounts[value]];
        }
        signatureRank = new int[signatureCount];
        int[] filled = new int[casCounts.length];
        int writesFilled = 0;
        for (int signature = 0; signature < signatureCount; signature++) {
            int op = firstOp[signature];
            if (history.kind[op] == KeyHistory.WRITE) {
                signatureRank[signature] = writesFilled;
                writeSignatures[writesFilled++] = signature;
            } else {
                int expected = history.expected[op];
                signatureRank[signature] = writes + filled[expected];
                casSignaturesByExpected[expected][filled[expected]++] = signature;
            }
        }
    }

    /** The {@code position}-th signature worth scanning in the current state, or -1 past the last. */
    private int signatureAt(int position) {
        if (position < writeSignatures.length) {
            return writeSignatures[position];
        }
        int[] cas = state < casSignaturesByExpected.length ? casSignaturesByExpected[state] : NONE;
        int index = position - writeSignatures.length;
        return index < cas.length ? cas[index] : -1;
    }

    private Verdict run(int initialState, SearchAllowance allowance) {
        this.allowance = allowance;
        visited = new VisitedStates(size, unknownPlaced.length);
        stackOp = new int[size];
        stackState = new int[size];
        stackFrontier = new long[size];
        stackForced = new boolean[size];
        state = initialState;
        definiteLeft = history.definiteCount;
        boolean fresh = true; // just placed an operation (or starting): look for a forced move first

        while (definiteLeft > 0) {
            if (!allowance.step()) {
                return Verdict.BUDGET_EXCEEDED;
            }
            if (fresh) {
                fresh = false;
                int forced = findForcedMove();
                if (forced >= 0) {
                    if (tryPlace(forced, state, true)) {
                        fresh = true;
                    } else if (!backtrack()) {
                        // Its configuration was explored and failed: by the argument above, so does this one.
                        return exhausted();
                    }
                    continue;
                }
                scanningKnown = true;
                cursor = next[HEAD];
            }
            if (scanningKnown) {
                if (isReturn[cursor]) {
                    // Every known-outcome candidate at this point was tried: now the unknown ones invoked by then.
                    frontier = eventTime[cursor];
                    scanningKnown = false;
                    signatureCursor = 0;
                    continue;
                }
                int candidate = eventOp[cursor];
                int newState = overwritesAnUnknown(candidate) ? NO_STATE : stepKnown(state, candidate);
                if (newState != NO_STATE && tryPlace(candidate, newState, false)) {
                    fresh = true;
                } else {
                    cursor = next[cursor];
                }
            } else if (signatureAt(signatureCursor) >= 0) {
                int candidate = signatureNext[size + signatureAt(signatureCursor)];
                if (candidate >= size || history.invokedAt[candidate] > frontier) {
                    signatureCursor++; // none of this signature left, or not invoked yet
                    continue;
                }
                int newState = overwritesAnUnknown(candidate) ? NO_STATE : stepUnknown(state, candidate);
                if (newState != NO_STATE && tryPlace(candidate, newState, false)) {
                    fresh = true;
                } else {
                    signatureCursor++;
                }
            } else if (!backtrack()) {
                return exhausted();
            }
        }
        return Verdict.LINEARIZABLE;
    }

    /** Nothing is left to try: not linearizable, unless the search was cut short by its memory allowance. */
    private Verdict exhausted() {
        return allowance.exceeded() ? Verdict.BUDGET_EXCEEDED : Verdict.NOT_LINEARIZABLE;
    }

    /**
     * A known-outcome candidate that leaves the register unchanged and agrees with it now (a read of the current
     * value, a CAS that did not swap and expected something else), or -1. Placing it next is never wrong: any
     * linearization from here can be reordered to put it first, since it is not preceded in real time by any
     * unplaced operation and changes nothing. So it is placed without trying alternatives ("forced").
     */
    private int findForcedMove() {
        for (int node = next[HEAD]; !isReturn[node]; node = next[node]) {
            int op = eventOp[node];
            boolean unchanging = history.kind[op] == KeyHistory.READ
                    || (history.kind[op] == KeyHistory.CAS && !history.swapped[op]);
            if (unchanging && stepKnown(state, op) == state) {
                return op;
            }
        }
        return -1;
    }

    /**
     * Whether placing {@code op} now would blindly overwrite an unknown-outcome operation placed just before: a
     * linearization doing that stays valid with the unknown operation left out, so such placements are not
     * explored (the write is tried before the unknown operation instead, one level up).
     */
    private boolean overwritesAnUnknown(int op) {
        return history.kind[op] == KeyHistory.WRITE && depth > 0 && history.unknown[stackOp[depth - 1]];
    }

    /** Places {@code op} (moving the register to {@code newState}) unless that configuration was seen before. */
    private boolean tryPlace(int op, int newState, boolean forced) {
        mark(op);
        long candidateHash = setHash ^ zobrist[op];
        // Rule (4) makes what is explored after a placement depend on whether it was of unknown outcome, so that
        // is part of the configuration: otherwise a restricted exploration could hide an unrestricted one.
        int memoState = newState * 2 + (history.unknown[op] ? 1 : 0);
        if (!visited.add(mix(candidateHash, memoState), encoded, encode(), unknownPlaced, memoState)) {
            unmark(op);
            return false;
        }
        if (!allowance.holdMemory(visited.wordsUsed())) {
            unmark(op);
            return false; // the search is abandoned: step() reports the budget exceeded from now on
        }
        setHash = candidateHash;
        stackOp[depth] = op;
        stackState[depth] = state;
        stackFrontier[depth] = frontier;
        stackForced[depth] = forced;
        depth++;
        state = newState;
        if (history.unknown[op]) {
            unlinkUnknown(op);
        } else {
            liftKnown(op);
            definiteLeft--;
        }
        return true;
    }

    /**
     * Undoes placements up to and including the last unforced one, and resumes the scan just after it (a forced
     * placement has no alternatives worth trying). False when there is nothing left to undo.
     */
    private boolean backtrack() {
        while (depth > 0) {
            depth--;
            int op = stackOp[depth];
            state = stackState[depth];
            unmark(op);
            setHash ^= zobrist[op];
            if (history.unknown[op]) {
                relinkUnknown(op);
                frontier = stackFrontier[depth];
                scanningKnown = false;
                signatureCursor = signatureRank[signatureOf[op]] + 1;
            } else {
                relinkKnown(op);
                definiteLeft++;
                scanningKnown = true;
                cursor = next[callEvent[op]];
            }
            if (!stackForced[depth]) {
                return true;
            }
        }
        return false;
    }

    /** The register after a known-outcome operation, or {@link #NO_STATE} if its result contradicts the state. */
    private int stepKnown(int state, int op) {
        return switch (history.kind[op]) {
            case KeyHistory.READ -> history.value[op] == state ? state : NO_STATE;
            case KeyHistory.WRITE -> history.value[op];
            default -> {
                boolean matches = history.expected[op] == state;
                if (history.swapped[op]) {
                    yield matches ? history.value[op] : NO_STATE;
                }
                yield matches ? NO_STATE : state;
            }
        };
    }

    /** The register after an unknown-outcome write or CAS, or {@link #NO_STATE} if it would change nothing. */
    private int stepUnknown(int state, int op) {
        int after = history.kind[op] == KeyHistory.WRITE || history.expected[op] == state
                ? history.value[op]
                : state;
        return after == state ? NO_STATE : after;
    }

    private void mark(int op) {
        int bit = rank[op];
        int word = bit >>> 6;
        if (history.unknown[op]) {
            unknownPlaced[word] |= 1L << bit;
            return;
        }
        knownPlaced[word] |= 1L << bit;
        knownHigh = Math.max(knownHigh, word);
        while (knownLow < knownPlaced.length && knownPlaced[knownLow] == -1L) {
            knownLow++;
        }
    }

    private void unmark(int op) {
        int bit = rank[op];
        int word = bit >>> 6;
        if (history.unknown[op]) {
            unknownPlaced[word] &= ~(1L << bit);
            return;
        }
        knownPlaced[word] &= ~(1L << bit);
        knownLow = Math.min(knownLow, word);
        while (knownHigh >= 0 && knownPlaced[knownHigh] == 0) {
            knownHigh--;
        }
    }

    /** Writes the canonical encoding of the placed known-outcome set into {@link #encoded}; returns its length. */
    private int encode() {
        int length = 0;
        encoded[length++] = knownLow;
        encoded[length++] = knownHigh;
        for (int word = knownLow; word <= knownHigh; word++) {
            encoded[length++] = knownPlaced[word];
        }
        return length;
    }

    private void liftKnown(int op) {
        unlinkEvent(callEvent[op]);
        unlinkEvent(returnEvent[op]);
    }

    /** Exact inverse of {@link #liftKnown}: valid because placements are undone in reverse order. */
    private void relinkKnown(int op) {
        relinkEvent(returnEvent[op]);
        relinkEvent(callEvent[op]);
    }

    private void unlinkEvent(int node) {
        next[prev[node]] = next[node];
        prev[next[node]] = prev[node];
    }

    private void relinkEvent(int node) {
        next[prev[node]] = node;
        prev[next[node]] = node;
    }

    private void unlinkUnknown(int op) {
        signatureNext[signaturePrev[op]] = signatureNext[op];
        signaturePrev[signatureNext[op]] = signaturePrev[op];
    }

    private void relinkUnknown(int op) {
        signatureNext[signaturePrev[op]] = op;
        signaturePrev[signatureNext[op]] = op;
    }

    /** Combines the set's hash with the state (a finalizer from MurmurHash3, so low bits spread well). */
    private static long mix(long setHash, int state) {
        long h = setHash ^ (state * 0x9E3779B97F4A7C15L);
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}

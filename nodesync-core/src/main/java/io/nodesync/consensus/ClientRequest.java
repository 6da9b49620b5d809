package io.nodesync.consensus;

import io.nodesync.ConsistencyPolicy;
import java.util.Objects;

/**
 * One request of an application to a node, as the node loop hands it to the {@link Replica}. Arguments are
 * validated by the caller before it reaches the loop. Immutable.
 *
 * @param id the caller's identifier, echoed in the completion
 * @param op what is asked
 * @param key the key ({@code null} for {@link Op#SET_MODE})
 * @param value the new value; for {@link Op#SET_MODE} the mode's wire name
 * @param expected for {@link Op#CAS}, the value expected ({@code null}: absent)
 * @param policy the consistency for this call, or {@code null} for the cluster's current one
 */
public record ClientRequest(long id, Op op, String key, String value, String expected, ConsistencyPolicy policy) {

    /** The operations. */
    public enum Op {
        GET, PUT, DELETE, CAS, SET_MODE
    }

    /** Checks the fields an operation needs. */
    public ClientRequest {
        Objects.requireNonNull(op, "op");
        if (op != Op.SET_MODE) {
            Objects.requireNonNull(key, "key");
        }
        if ((op == Op.PUT || op == Op.CAS || op == Op.SET_MODE) && value == null) {
            throw new IllegalArgumentException(op + " needs a value");
        }
    }
}

package io.nodesync.transport.tcp.client;

import io.nodesync.ConsistencyPolicy;
import java.util.List;
import java.util.Objects;

/**
 * One parsed client command, independent of the dialect it arrived in. {@link CommandExecutor} runs it against a
 * node. Immutable.
 */
sealed interface Request {

    /** {@code PING [message]}: answered by the connection's node without touching the store. */
    record Ping(String message) implements Request {
    }

    /** {@code GET key} with the cluster's current consistency. */
    record Get(String key) implements Request {
        public Get {
            Objects.requireNonNull(key, "key");
        }
    }

    /** {@code SET key value} with the cluster's current consistency. */
    record Set(String key, String value) implements Request {
        public Set {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /** {@code DEL key...}: one independent delete per key, answered with how many existed. */
    record Delete(List<String> keys) implements Request {
        public Delete {
            keys = List.copyOf(keys);
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("DEL needs a key");
            }
        }
    }

    /** {@code CAS key expected new}: always linearizable. */
    record CompareAndSet(String key, String expected, String newValue) implements Request {
        public CompareAndSet {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(expected, "expected");
            Objects.requireNonNull(newValue, "newValue");
        }
    }

    /** {@code CONSISTENCY}: the cluster's current mode as this node sees it. */
    record GetConsistency() implements Request {
    }

    /** {@code CONSISTENCY mode}: switches the cluster-wide mode. */
    record SetConsistency(ConsistencyPolicy policy) implements Request {
        public SetConsistency {
            Objects.requireNonNull(policy, "policy");
        }
    }

    /** {@code STATUS}: this node's status line. */
    record Status() implements Request {
    }

    /**
     * A command the dialect answered itself: a parse error, or protocol chatter (RESP's {@code HELLO}, {@code INFO},
     * ...) that needs nothing from the store. It still takes its turn in the connection's reply order.
     */
    record Answered(Reply reply) implements Request {
        public Answered {
            Objects.requireNonNull(reply, "reply");
        }
    }
}

package io.nodesync.transport.tcp.client;

import io.nodesync.ConsistencyPolicy;
import java.util.List;
import java.util.Objects;

/**
 * One parsed client command, independent of the dialect it arrived in. {@link CommandExecutor} runs it against a
 * node; {@link ExecutionOrder} uses {@link #keys()} and {@link #waitsForAll()} to keep a connection's commands in
 * order where order can be observed. Immutable.
 */
sealed interface Request {

    /** The keys this command reads or writes. */
    default List<String> keys() {
        return List.of();
    }

    /**
     * Whether this command must see the effect of every command sent before it on its connection, and every later
     * one must see its effect: the consistency switch (later writes must use the new mode) and the status readings.
     */
    default boolean waitsForAll() {
        return false;
    }

    /** {@code PING [message]}: answered by the connection's node without touching the store. */
    record Ping(String message) implements Request {
    }

    /** {@code GET key} with the cluster's current consistency. */
    record Get(String key) implements Request {
        public Get {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public List<String> keys() {
            return List.of(key);
        }
    }

    /** {@code SET key value} with the cluster's current consistency. */
    record Set(String key, String value) implements Request {
        public Set {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public List<String> keys() {
            return List.of(key);
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

        @Override
        public List<String> keys() {
            return List.of(key);
        }
    }

    /** {@code CONSISTENCY}: the cluster's current mode as this node sees it. */
    record GetConsistency() implements Request {
        @Override
        public boolean waitsForAll() {
            return true;
        }
    }

    /** {@code CONSISTENCY mode}: switches the cluster-wide mode. */
    record SetConsistency(ConsistencyPolicy policy) implements Request {
        public SetConsistency {
            Objects.requireNonNull(policy, "policy");
        }

        @Override
        public boolean waitsForAll() {
            return true;
        }
    }

    /** {@code STATUS}: this node's status line. */
    record Status() implements Request {
        @Override
        public boolean waitsForAll() {
            return true;
        }
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

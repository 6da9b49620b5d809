package io.nodesync.testing;

import java.util.List;
import java.util.Objects;

/**
 * What {@link LinearizabilityChecker#check} concluded about a history. Immutable; safe to share between threads.
 *
 * <p>When the history is not linearizable, {@link #key()} names the failing key (the first in string order if
 * several fail) and {@link #window()} gives a small set of that key's operations that cannot be linearized; see
 * {@link #window()} for exactly which. When a key's search ran out of its budget and no key was found failing, the
 * verdict is {@link Verdict#UNKNOWN} and {@link #key()} names that key.
 */
public final class CheckResult {

    /** The three possible conclusions. */
    public enum Verdict {
        /** Every key's sub-history is linearizable. */
        LINEARIZABLE,
        /** At least one key's sub-history is not. */
        NOT_LINEARIZABLE,
        /** No key failed, but at least one could not be decided within its budget. */
        UNKNOWN
    }

    private final Verdict verdict;
    private final String key;
    private final List<Operation> window;
    private final List<Operation> culprits;
    private final int keysChecked;
    private final long operationsChecked;

    CheckResult(Verdict verdict, String key, List<Operation> window, List<Operation> culprits, int keysChecked,
            long operationsChecked) {
        this.verdict = Objects.requireNonNull(verdict);
        this.key = key;
        this.window = List.copyOf(window);
        this.culprits = List.copyOf(culprits);
        this.keysChecked = keysChecked;
        this.operationsChecked = operationsChecked;
    }

    /** The conclusion: linearizable, not, or undecided within the budget. */
    public Verdict verdict() {
        return verdict;
    }

    /** True only for {@link Verdict#LINEARIZABLE}: an undecided history is not reported as linearizable. */
    public boolean linearizable() {
        return verdict == Verdict.LINEARIZABLE;
    }

    /** The key that is not linearizable (or could not be decided); {@code null} when linearizable. */
    public String key() {
        return key;
    }

    /**
     * The operations of {@link #key()} that cannot be linearized, by invocation time, as they were given to the
     * checker; empty unless {@link Verdict#NOT_LINEARIZABLE}. They are taken from the shortest failing prefix of the
     * key's history: the history cut at the earliest completion time at which it can no longer be linearized
     * (operations still running then count as of unknown outcome). The window holds every operation of that prefix
     * still running at, or invoked after, a start point chosen as late as possible (the culprits' invocation, or up
     * to {@value FailureWindow#MAX_STEPS_BACK} completion times earlier) such that these operations alone cannot be
     * linearized from any initial value of the register; if no such point is found, the whole prefix. It always
     * contains the {@link #culprits()}. Operations of FAIL outcome and reads of unknown outcome never appear.
     */
    public List<Operation> window() {
        return window;
    }

    /**
     * The operations that cannot be placed: those completing at the moment the key's history stops being
     * linearizable (usually one). A subset of {@link #window()}; empty unless {@link Verdict#NOT_LINEARIZABLE}.
     */
    public List<Operation> culprits() {
        return culprits;
    }

    /** How many keys the history touched. */
    public int keysChecked() {
        return keysChecked;
    }

    /** How many operations were given to the checker (including those it ignores). */
    public long operationsChecked() {
        return operationsChecked;
    }

    /** A multi-line report: the verdict, and for a failure the key and the window, culprits marked. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        switch (verdict) {
            case LINEARIZABLE -> text.append("linearizable (").append(operationsChecked).append(" operations on ")
                    .append(keysChecked).append(" keys)");
            case UNKNOWN -> text.append("unknown (budget exceeded) on key '").append(key).append('\'');
            case NOT_LINEARIZABLE -> {
                text.append("not linearizable: key '").append(key).append("', ").append(window.size())
                        .append(" operations that cannot be linearized (<-- cannot be placed):");
                for (Operation op : window) {
                    text.append("\n  ").append(op);
                    if (culprits.contains(op)) {
                        text.append("   <--");
                    }
                }
            }
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}

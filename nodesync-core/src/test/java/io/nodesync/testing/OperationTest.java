package io.nodesync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.testing.Operation.Kind;
import io.nodesync.testing.Operation.Outcome;
import org.junit.jupiter.api.Test;

class OperationTest {

    @Test
    void rejectsInconsistentFields() {
        assertThatThrownBy(() -> new Operation(1, 0, "x", Kind.WRITE, "v", "e", false, 0, 1, Outcome.OK))
                .hasMessageContaining("only a CAS has an expected value");
        assertThatThrownBy(() -> new Operation(1, 0, "x", Kind.CAS, "v", "e", true, 0, 1, Outcome.FAIL))
                .hasMessageContaining("swapped");
        assertThatThrownBy(() -> new Operation(1, 0, "x", Kind.WRITE, "v", null, false, 0, 1, Outcome.UNKNOWN))
                .hasMessageContaining("never completes");
        assertThatThrownBy(() -> new Operation(1, 0, "x", Kind.READ, "v", null, false, 5, 4, Outcome.OK))
                .hasMessageContaining("before its invocation");
    }

    @Test
    void printsCompactly() {
        assertThat(new Operation(7, 2, "x", Kind.CAS, "2", null, true, 10, 14, Outcome.OK))
                .hasToString("#7 c2 x cas(nil->2)=swapped [10, 14] OK");
        assertThat(new Operation(8, 3, "x", Kind.WRITE, "5", null, false, 11, Long.MAX_VALUE, Outcome.UNKNOWN))
                .hasToString("#8 c3 x write(5) [11, inf] UNKNOWN");
    }
}

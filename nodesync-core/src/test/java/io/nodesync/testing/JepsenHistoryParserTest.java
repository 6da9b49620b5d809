package io.nodesync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.testing.Operation.Kind;
import io.nodesync.testing.Operation.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class JepsenHistoryParserTest {

    @Test
    void pairsCompletionsWithTheirProcessesInvocationsAndMapsEveryOutcome() {
        String log = String.join("\n",
                "INFO  jepsen.util - 0\t:invoke\t:read\tnil",
                "INFO  jepsen.util - 1\t:invoke\t:write\t4",
                "INFO  jepsen.util - 2   :invoke :cas    [nil 3]",
                "INFO  jepsen.util - 0\t:ok\t:read\t7",
                "INFO  jepsen.util - 2\t:fail\t:cas\t[nil 3]",
                "INFO  jepsen.util - 1\t:info\t:write\t:timed-out",
                "INFO  jepsen.util - 3\t:invoke\t:cas\t[4 5]",
                "INFO  jepsen.util - 3\t:ok\t:cas\t[4 5]",
                "INFO  jepsen.util - 4\t:invoke\t:write\t9");

        List<Operation> ops = JepsenHistoryParser.parse(log);

        assertThat(ops).hasSize(5);
        Operation read = ops.get(0);
        assertThat(read.kind()).isEqualTo(Kind.READ);
        assertThat(read.value()).isEqualTo("7");
        assertThat(read.outcome()).isEqualTo(Outcome.OK);
        assertThat(read.invokedAt()).isEqualTo(1);
        assertThat(read.completedAt()).isEqualTo(4);
        Operation failedCas = ops.get(1);
        assertThat(failedCas.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(failedCas.expected()).isNull();
        assertThat(failedCas.value()).isEqualTo("3");
        Operation timedOut = ops.get(2);
        assertThat(timedOut.kind()).isEqualTo(Kind.WRITE);
        assertThat(timedOut.value()).isEqualTo("4");
        assertThat(timedOut.outcome()).isEqualTo(Outcome.UNKNOWN);
        assertThat(timedOut.completedAt()).isEqualTo(Long.MAX_VALUE);
        Operation cas = ops.get(3);
        assertThat(cas.swapped()).isTrue();
        assertThat(cas.expected()).isEqualTo("4");
        assertThat(cas.value()).isEqualTo("5");
        Operation neverCompleted = ops.get(4);
        assertThat(neverCompleted.outcome()).isEqualTo(Outcome.UNKNOWN);
        assertThat(neverCompleted.value()).isEqualTo("9");
    }

    @Test
    void rejectsWhatItDoesNotUnderstand() {
        assertThatThrownBy(() -> JepsenHistoryParser.parse("INFO  jepsen.util - 0\t:ok\t:read\t1"))
                .hasMessageContaining("line 1").hasMessageContaining("no matching invocation");
        assertThatThrownBy(() -> JepsenHistoryParser.parse("INFO  jepsen.util - 0\t:invoke\t:append\t1"))
                .hasMessageContaining("not a Jepsen event");
        assertThatThrownBy(() -> JepsenHistoryParser.parse(
                "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:invoke\t:read\tnil"))
                .hasMessageContaining("line 2").hasMessageContaining("already has an operation outstanding");
    }
}

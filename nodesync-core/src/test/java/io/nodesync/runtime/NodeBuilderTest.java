package io.nodesync.runtime;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.Limits;
import io.nodesync.Node;
import io.nodesync.NodeBuilder;
import io.nodesync.NodeId;
import io.nodesync.Timing;
import io.nodesync.transport.InMemoryNetwork;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The builder fails at the line that made the mistake, with a message that says what is wrong. */
class NodeBuilderTest {

    private final InMemoryNetwork network = new InMemoryNetwork();

    @Test
    void missingRequiredSettingsAreNamed() {
        assertThatThrownBy(() -> Node.builder().transport(network.transport(NodeId.of("1"))).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("id is required");
        assertThatThrownBy(() -> Node.builder().id("1").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("transport is required");
    }

    @Test
    void inconsistentPeersAreRefused() {
        assertThatThrownBy(() -> Node.builder().id("1").peers("1", "2").transport(network.transport(NodeId.of("1")))
                .build()).isInstanceOf(IllegalStateException.class).hasMessageContaining("own id");
        assertThatThrownBy(() -> Node.builder().peers("2", "2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate");
        assertThatThrownBy(() -> Node.builder().peers(List.of(NodeId.of("2"), NodeId.of("x y"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBuilderBuildsOnce() {
        NodeBuilder builder = Node.builder().id("1").transport(network.transport(NodeId.of("1")));
        builder.build().close();
        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("already");
    }

    @Test
    void timingAndLimitsCheckTheirValues() {
        assertThatThrownBy(() -> Timing.DEFAULT.withElectionTimeoutTicks(Timing.DEFAULT.heartbeatTicks()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must exceed heartbeatTicks");
        assertThatThrownBy(() -> Timing.DEFAULT.withTick(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Timing.DEFAULT.withFailureTimeoutTicks(1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Limits.DEFAULT.withInboxCapacity(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("inboxCapacity");
        assertThatThrownBy(() -> Node.builder().timing(null)).isInstanceOf(NullPointerException.class);
    }
}

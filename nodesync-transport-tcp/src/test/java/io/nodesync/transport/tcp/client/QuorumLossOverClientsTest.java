package io.nodesync.transport.tcp.client;

import static io.nodesync.transport.tcp.client.ServedCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.Node;
import io.nodesync.NodeStatus;
import io.nodesync.testing.LocalCluster;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With two of three nodes gone, the survivor refuses strong requests with {@code FAIL: quorum not reached} in both
 * dialects, keeps serving eventual ones, and the closed nodes' clients get {@code ERROR node closed}.
 */
class QuorumLossOverClientsTest {

    @Test
    void strongRequestsFailAndEventualOnesSucceedOnALoneSurvivor() throws Exception {
        try (ServedCluster served = ServedCluster.start()) {
            LocalCluster cluster = served.cluster();
            try (LineClient client = new LineClient(served.port(0))) {
                assertThat(client.command("SET before-loss 1")).isEqualTo("OK");
            }
            Node survivor = cluster.node(0);
            cluster.kill(cluster.id(1));
            cluster.kill(cluster.id(2));
            eventually().alias("the survivor sees both peers DOWN").until(() -> survivor.status().peers().values()
                    .stream().allMatch(state -> state == NodeStatus.PeerState.DOWN));

            try (LineClient client = new LineClient(served.port(0))) {
                assertThat(client.command("SET x 1")).isEqualTo("FAIL: quorum not reached");
                assertThat(client.command("GET before-loss")).isEqualTo("FAIL: quorum not reached");
                assertThat(client.command("DEL before-loss")).isEqualTo("FAIL: quorum not reached");
                assertThat(client.command("CAS before-loss 1 2")).isEqualTo("FAIL: quorum not reached");

                assertThat(client.command("CONSISTENCY eventual")).isEqualTo("OK");
                assertThat(client.command("SET x 1")).isEqualTo("OK");
                assertThat(client.command("GET x")).isEqualTo("VALUE 1");
                assertThat(client.command("GET before-loss")).isEqualTo("VALUE 1");
                assertThat(client.command("CAS x 1 2")).as("CAS is always linearizable")
                        .isEqualTo("FAIL: quorum not reached");
            }
            try (RespClient resp = new RespClient(served.port(0))) {
                assertThat(resp.command("SET", "y", "2")).isEqualTo("OK");
                assertThat(resp.command("CONSISTENCY", "strong")).isEqualTo("OK");
                assertThat(resp.command("SET", "y", "3"))
                        .isEqualTo(new RespClient.Error("FAIL quorum not reached"));
            }
            for (int index : List.of(1, 2)) {
                try (LineClient client = new LineClient(served.port(index))) {
                    assertThat(client.command("SET z 1")).isEqualTo("ERROR node closed");
                    assertThat(client.command("PING")).isEqualTo("PONG");
                }
            }
        }
    }
}

package io.nodesync.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.ConsistencyPolicy;
import io.nodesync.Node;
import io.nodesync.NodeClosedException;
import io.nodesync.NodeId;
import io.nodesync.Role;
import io.nodesync.Timing;
import io.nodesync.testing.LocalCluster;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node on the TCP transport runs its loop on the transport's event loop ({@code Transport.loopExecutor()}): its
 * ticks, requests made on that thread, and its shutdown, whichever of node and transport is closed first.
 */
class HostedNodeLoopTest {

    private static final NodeId ID = NodeId.of("1");
    private static final long WAIT_SECONDS = TcpTesting.WAIT.toSeconds();

    private TcpTransport transport;
    private Node node;

    @AfterEach
    void closeEverything() {
        if (node != null) {
            node.close();
        }
        if (transport != null) {
            transport.close();
        }
    }

    /** A single-node cluster: it elects itself once its election timeout runs out, which only ticks can do. */
    private Node startSingleNode() throws Exception {
        transport = TcpTesting.transport(ID).bind();
        node = Node.builder().id(ID).transport(transport).timing(LocalCluster.DEFAULT_TIMING).build().start();
        TcpTesting.eventually().alias("the node leads").until(() -> node.status().role() == Role.LEADER);
        return node;
    }

    private Thread eventLoopThread() throws Exception {
        return transport.loopExecutor().submit(Thread::currentThread).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void theTransportOffersOneEventLoopThatTheNodesTicksRunOn() throws Exception {
        startSingleNode(); // leading at all took election ticks, run on the event loop: the node has no thread
        assertThat(transport.loopExecutor()).isNotNull();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(name -> name.equals("nodesync-loop-" + ID));
        node.store().put("k", "v");
        assertThat(node.store().get("k")).contains("v");
    }

    @Test
    void aRequestMadeOnTheEventLoopCompletesThereAndOthersOnTheCallbackThread() throws Exception {
        startSingleNode();
        Thread eventLoop = eventLoopThread();
        CompletableFuture<Thread> completedOn = transport.loopExecutor()
                .submit(() -> node.store().putAsync("k", "v").thenApply(done -> Thread.currentThread()))
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(completedOn.get(WAIT_SECONDS, TimeUnit.SECONDS)).isSameAs(eventLoop);

        Thread applicationCompletion = node.store().getAsync("k").thenApply(value -> Thread.currentThread())
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(applicationCompletion).isNotSameAs(eventLoop);
        assertThat(applicationCompletion.getName()).isEqualTo("nodesync-callback-" + ID);
    }

    @Test
    void aBlockingCallOnTheEventLoopFailsInsteadOfWaitingForItself() throws Exception {
        startSingleNode();
        assertThatThrownBy(() -> transport.loopExecutor().submit(() -> node.store().put("k", "v"))
                .get(WAIT_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("async");
        assertThatThrownBy(() -> transport.loopExecutor()
                .submit(() -> node.store().setConsistency(ConsistencyPolicy.EVENTUAL))
                .get(WAIT_SECONDS, TimeUnit.SECONDS))
                .cause().isInstanceOf(IllegalStateException.class);
        assertThat(node.isRunning()).isTrue();
    }

    @Test
    void closingTheNodeStopsTheTransportAndItsThread() throws Exception {
        startSingleNode();
        Thread eventLoop = eventLoopThread();
        node.close();
        assertThat(eventLoop.isAlive()).isFalse(); // close() waited for it, though the shutdown ran on it
        assertThat(transport.isClosed()).isTrue();
        assertThatThrownBy(() -> node.store().put("k", "v")).isInstanceOf(NodeClosedException.class);
    }

    @Test
    void closingTheNodeReleasesItsPortForARestart() throws Exception {
        startSingleNode();
        InetSocketAddress address = transport.localAddress();
        node.close();
        transport = TcpTesting.transport(ID).listen(address).bind(); // the restarted node listens where it did
        node = Node.builder().id(ID).transport(transport).timing(LocalCluster.DEFAULT_TIMING).build().start();
        TcpTesting.eventually().alias("the restarted node leads").until(() -> node.status().role() == Role.LEADER);
    }

    @Test
    void aTransportClosedOnItsOwnEventLoopReleasesItsPort() throws Exception {
        transport = TcpTesting.transport(ID).bind();
        InetSocketAddress address = transport.localAddress();
        Thread eventLoop = eventLoopThread();
        TcpTransport closing = transport;
        transport.loopExecutor().execute(closing::close);
        transport.close(); // waits for the close begun on the event loop
        assertThat(eventLoop.isAlive()).isFalse();
        transport = TcpTesting.transport(ID).listen(address).bind();
    }

    @Test
    void closingTheTransportFirstStopsTheNodeAndAnswersItsWaitingCallers() throws Exception {
        // Two peers that do not exist: the node never leads, so its write waits; its own timeout is a minute away.
        transport = TcpTesting.transport(ID).peer(NodeId.of("2"), TcpTesting.deadAddress())
                .peer(NodeId.of("3"), TcpTesting.deadAddress()).bind();
        node = Node.builder().id(ID).peers("2", "3").transport(transport)
                .timing(new Timing(Duration.ofMillis(10), 5, 30, 30, 6000)).build().start();
        CompletableFuture<Void> waiting = node.store().putAsync("k", "v");
        Thread eventLoop = eventLoopThread();

        transport.close();

        assertThat(eventLoop.isAlive()).isFalse();
        assertThatThrownBy(() -> waiting.get(WAIT_SECONDS, TimeUnit.SECONDS))
                .cause().isInstanceOf(NodeClosedException.class).hasMessageContaining("transport");
        assertThat(node.isRunning()).isFalse();
        CompletableFuture<Optional<String>> later = node.store().getAsync("k");
        assertThatThrownBy(() -> later.get(WAIT_SECONDS, TimeUnit.SECONDS))
                .cause().isInstanceOf(NodeClosedException.class);
        node.close();
    }

    @Test
    void aCallbackOnTheEventLoopMayCloseTheNode() throws Exception {
        startSingleNode();
        CompletableFuture<Void> closedFromCallback = transport.loopExecutor()
                .submit(() -> node.store().putAsync("k", "v").thenRun(node::close))
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        closedFromCallback.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(node.isRunning()).isFalse();
        assertThatThrownBy(() -> node.store().put("k", "w")).isInstanceOf(NodeClosedException.class)
                .hasMessage("node " + ID + " is closed"); // a plain close, not a loop that broke
    }

    @Test
    void aNodeThatNeverStartedClosesItsTransport() throws Exception {
        transport = TcpTesting.transport(ID).bind();
        node = Node.builder().id(ID).transport(transport).build();
        Thread eventLoop = eventLoopThread();
        node.close();
        assertThat(transport.isClosed()).isTrue();
        assertThat(eventLoop.isAlive()).isFalse();
    }

    @Test
    void theBlockingCallSpinIsBounded() {
        assertThatThrownBy(() -> Node.builder().blockingCallSpin(Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Node.builder().blockingCallSpin(Duration.ofMillis(11)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Node.builder().blockingCallSpin(Duration.ZERO)).isNotNull();
    }
}

package io.nodesync.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodesync.NodeId;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Stamper codes are stable, zero means no stamper, and equal ids share a code whatever the instance. */
class StamperCodesTest {

    @Test
    void equalIdsShareACodeAndNullIsZero() {
        StamperCodes codes = new StamperCodes();
        assertThat(codes.codeOf(null)).isZero();
        assertThat(codes.idOf(0)).isNull();
        int a = codes.codeOf(NodeId.of("a"));
        int b = codes.codeOf(NodeId.of("b"));
        assertThat(a).isNotEqualTo(b).isPositive();
        assertThat(codes.codeOf(NodeId.of("a"))).isEqualTo(a);
        assertThat(codes.idOf(b)).isEqualTo(NodeId.of("b"));
        assertThat(new String(codes.utf8Names()[a], StandardCharsets.UTF_8)).isEqualTo("a");
        assertThat(codes.utf8Names()[0]).isNull();

        codes.clear();
        assertThat(codes.codeOf(NodeId.of("b"))).isEqualTo(1);
    }

    @Test
    void codesRunOutBeyondTwoBytes() {
        StamperCodes codes = new StamperCodes();
        for (int i = 1; i <= StamperCodes.MAX_CODE; i++) {
            assertThat(codes.codeOf(NodeId.of(i))).isEqualTo(i);
        }
        assertThatThrownBy(() -> codes.codeOf(NodeId.of("one-too-many"))).isInstanceOf(IllegalStateException.class);
    }
}

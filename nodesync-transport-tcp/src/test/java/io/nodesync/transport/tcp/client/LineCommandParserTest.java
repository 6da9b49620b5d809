package io.nodesync.transport.tcp.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodesync.ConsistencyPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The line dialect's grammar: single-space tokens, SET's value the rest of the line, names in any case. */
class LineCommandParserTest {

    private static String errorOf(String line) {
        Request request = LineCommandParser.parse(line);
        assertThat(request).isInstanceOf(Request.Answered.class);
        return ((Request.Answered) request).reply().line();
    }

    @Test
    void everyCommandOfTheContract() {
        assertThat(LineCommandParser.parse("PING")).isEqualTo(new Request.Ping(null));
        assertThat(LineCommandParser.parse("SET k v")).isEqualTo(new Request.Set("k", "v"));
        assertThat(LineCommandParser.parse("GET k")).isEqualTo(new Request.Get("k"));
        assertThat(LineCommandParser.parse("DEL k")).isEqualTo(new Request.Delete(List.of("k")));
        assertThat(LineCommandParser.parse("CAS k old new")).isEqualTo(new Request.CompareAndSet("k", "old", "new"));
        assertThat(LineCommandParser.parse("CONSISTENCY")).isEqualTo(new Request.GetConsistency());
        assertThat(LineCommandParser.parse("CONSISTENCY eventual"))
                .isEqualTo(new Request.SetConsistency(ConsistencyPolicy.EVENTUAL));
        assertThat(LineCommandParser.parse("STATUS")).isEqualTo(new Request.Status());
    }

    @Test
    void setTakesTheRestOfTheLineAsItsValueSpacesIncluded() {
        assertThat(LineCommandParser.parse("SET greeting hello  big world "))
                .isEqualTo(new Request.Set("greeting", "hello  big world "));
        assertThat(LineCommandParser.parse("SET k ")).as("an empty value is a value")
                .isEqualTo(new Request.Set("k", ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"get k", "Get k", "gEt k"})
    void commandNamesIgnoreCase(String line) {
        assertThat(LineCommandParser.parse(line)).isEqualTo(new Request.Get("k"));
    }

    @Test
    void consistencyModesIgnoreCaseAndUnknownOnesAreNamed() {
        assertThat(LineCommandParser.parse("consistency STRONG"))
                .isEqualTo(new Request.SetConsistency(ConsistencyPolicy.STRONG));
        assertThat(errorOf("CONSISTENCY causal")).isEqualTo("ERROR unknown consistency 'causal'");
        assertThat(errorOf("CONSISTENCY strong extra")).isEqualTo("ERROR unknown consistency 'strong extra'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "PING x|ERROR wrong number of arguments, usage: PING",
        "GET|ERROR wrong number of arguments, usage: GET <key>",
        "GET a b|ERROR wrong number of arguments, usage: GET <key>",
        "'GET '|ERROR empty key",
        "DEL a b|ERROR wrong number of arguments, usage: DEL <key>",
        "SET k|ERROR wrong number of arguments, usage: SET <key> <value>",
        "SET  v|ERROR empty key",
        "CAS k 1|ERROR wrong number of arguments, usage: CAS <key> <expected> <new>",
        "CAS k 1 2 3|ERROR wrong number of arguments, usage: CAS <key> <expected> <new>",
        "STATUS now|ERROR wrong number of arguments, usage: STATUS",
        "FLY me|ERROR unknown command 'FLY'",
        "SET k a\rb|ERROR a carriage return is only allowed at the end of a line"})
    void badInputIsAnsweredWithAnError(String line, String reply) {
        assertThat(errorOf(line)).isEqualTo(reply);
    }

    @Test
    void anEmptyLineStillGetsItsOneReply() {
        assertThat(errorOf("")).isEqualTo("ERROR empty command");
    }

    @Test
    void anUnknownCommandIsEchoedOnlyInPart() {
        assertThat(errorOf("X".repeat(1000))).isEqualTo("ERROR unknown command '" + "X".repeat(32) + "...'");
    }
}

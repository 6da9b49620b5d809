package io.nodesync.transport.tcp.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code CONFIG GET}'s glob patterns: {@code *} and {@code ?} as wildcards, everything else literal, in any case; and
 * matched in time proportional to pattern and name, whatever the pattern.
 */
class RespCommandsTest {

    private final RespCommands commands = new RespCommands(new ScriptedNode());

    /** The setting names {@code CONFIG GET pattern} reports. */
    private List<String> settingsMatching(String pattern) {
        Request request = commands.parse(List.of("CONFIG", "GET", pattern));
        assertThat(request).isInstanceOf(Request.Answered.class);
        Reply.Array pairs = (Reply.Array) ((Request.Answered) request).reply();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < pairs.elements().size(); i += 2) {
            names.add(((Reply.Bulk) pairs.elements().get(i)).text());
        }
        return names;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "*|appendonly,databases,save",
        "save|save",
        "SAVE|save",
        "sav?|save",
        "?ave|save",
        "*o*|appendonly",
        "a*|appendonly",
        "*s|databases",
        "*a*a*|databases",
        "**s**a**v**e**|save",
        "save?|''",
        "x*|''",
        "sa\\ve|''"})
    void starAndQuestionMarkAreWildcardsAndTheRestIsLiteralInAnyCase(String pattern, String expected) {
        List<String> names = expected.isEmpty() ? List.of() : List.of(expected.split(","));
        assertThat(settingsMatching(pattern)).isEqualTo(names);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aPatternDenseWithWildcardsIsAnsweredAtOnce() {
        // Found by fuzzing: the pattern became a regular expression of ".*"s, which backtracks exponentially when
        // it cannot match: 25 stars and an "x" took seconds, these would have held an event loop for good.
        assertThat(settingsMatching("*".repeat(2000) + "x")).isEmpty();
        assertThat(settingsMatching("*?".repeat(1000) + "x")).isEmpty();
        assertThat(settingsMatching("*".repeat(2000))).hasSize(3);
    }
}

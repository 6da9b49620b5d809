package io.nodesync.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench report's text table, CSV and self-contained HTML page. */
class BenchReportTest {

    /** 20 us, so a 50 us median is 2.5 round trips. */
    private static final double ROUND_TRIP_NANOS = 20_000;

    @TempDir
    Path directory;

    /** 1 us to 100 us in steps of 1 us, shuffled: the row sorts them. */
    private static long[] oneToHundredMicros() {
        List<Long> values = new ArrayList<>(LongStream.rangeClosed(1, 100).map(i -> i * 1000).boxed().toList());
        Collections.shuffle(values, new Random(1));
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private static List<BenchRow> rows() {
        return List.of(
                new BenchRow("embedded", "strong", "put", 1, oneToHundredMicros(), 1234.5, 0),
                new BenchRow("embedded", "eventual", "get", 1, new long[] {5_000, 7_000, 3_000}, 250_000, 0),
                new BenchRow("tcp", "strong/fsync=always", "put", 64, new long[] {150_000, 2_500_000}, 98_765.4, 3));
    }

    @Test
    void csvHasTheHeaderAndEachRowsValues() throws Exception {
        Path file = directory.resolve("out/bench.csv");

        BenchReport.writeCsv(file, rows(), ROUND_TRIP_NANOS);

        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).isEqualTo("api,mode,operation,clients,requests,ops_per_s,mean_us,p50_us,p99_us,"
                + "p999_us,max_us,p50_round_trips,errors");
        // Nearest rank: p50 of 1..100 us is 50 us, p99 99 us, p99.9 the 100th; the mean is 50.5 us.
        assertThat(lines.get(1)).isEqualTo("embedded,strong,put,1,100,1234.5,50.500,50.000,99.000,100.000,100.000,"
                + "2.50,0");
        assertThat(lines.get(3)).isEqualTo("tcp,strong/fsync=always,put,64,2,98765.4,1325.000,150.000,2500.000,"
                + "2500.000,2500.000,7.50,3");
    }

    @Test
    void csvQuotesOnlyTheFieldsThatNeedIt() throws Exception {
        Path file = directory.resolve("quoted.csv");

        BenchReport.writeCsv(file, List.of(new BenchRow("t\"cp", "strong, batched", "put", 2, new long[] {1_000}, 1,
                0)), 0);

        // Without a round trip the multiple is empty.
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8).get(1))
                .isEqualTo("\"t\"\"cp\",\"strong, batched\",put,2,1,1.0,1.000,1.000,1.000,1.000,1.000,,0");
    }

    @Test
    void tableIsFixedWidthWithEveryRowsLabelPartsAndValues() {
        String table = BenchReport.table(rows(), ROUND_TRIP_NANOS);

        List<String> lines = table.lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).containsSubsequence("api", "mode", "op", "clients", "requests", "ops/s", "p50 us",
                "p99 us", "p99.9 us", "max us", "p50/RTT", "errors");
        assertThat(lines).extracting(String::length).containsOnly(lines.get(0).length());
        assertThat(lines.get(1).split(" +")).containsExactly("embedded", "strong", "put", "1", "100", "1,235",
                "50.0", "99.0", "100", "100", "2.5x", "0");
        assertThat(lines.get(2).split(" +")).containsExactly("embedded", "eventual", "get", "1", "3", "250,000",
                "5.0", "7.0", "7.0", "7.0", "0.3x", "0");
        assertThat(lines.get(3).split(" +")).containsExactly("tcp", "strong/fsync=always", "put", "64", "2",
                "98,765", "150", "2,500", "2,500", "2,500", "7.5x", "3");
    }

    @Test
    void htmlIsSelfContainedWithChartsAndEscapedText() throws Exception {
        Path file = directory.resolve("report.html");

        BenchReport.writeHtml(file, rows(), ROUND_TRIP_NANOS, "Bench <b>& co",
                List.of("machine: <x86_64> \"test\"", "loopback round trip 20.0 us"));

        String html = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").endsWith("</html>\n");
        // The only absolute URL is the SVG namespace, which is a name and is never fetched.
        Matcher urls = Pattern.compile("https?://[^\"'\\s<>]*").matcher(html);
        List<String> found = new ArrayList<>();
        while (urls.find()) {
            found.add(urls.group());
        }
        assertThat(found).isNotEmpty().containsOnly("http://www.w3.org/2000/svg");
        assertThat(html).doesNotContain("<script src", "<link", "<img", "@import", "url(");

        assertThat(html).contains("<title>Bench &lt;b&gt;&amp; co</title>", "<h1>Bench &lt;b&gt;&amp; co</h1>")
                .doesNotContain("<b>&")
                .contains("<li>machine: &lt;x86_64&gt; &quot;test&quot;</li>");
        // CDFs: embedded put and embedded get sequentially, tcp's concurrent puts; then one bar chart.
        assertThat(count(html, "<svg")).isEqualTo(4);
        assertThat(html).contains("loopback RTT", "latency (µs, log scale)", "cumulative fraction of requests",
                ">p99<", ">strong/fsync=always, 64 clients<", "98,765 ops/s, 3 errors");
        // Decade ticks from 1 us (the fastest sample) to 10,000 us (above the 2.5 ms maximum).
        assertThat(html).contains(">1</text>", ">10</text>", ">100</text>", ">1000</text>", ">10000</text>");
    }

    @Test
    void millionsOfSamplesAreDownsampledSoThePageStaysSmall() throws Exception {
        Path file = directory.resolve("big.html");
        Random random = new Random(7);
        long[] latencies = LongStream.generate(() -> 20_000 + (long) (random.nextGaussian() * 2_000 + 1e6
                * Math.pow(random.nextDouble(), 40))).limit(1_000_000).map(n -> Math.max(n, 1)).toArray();
        BenchRow big = new BenchRow("embedded", "strong", "put", 1, latencies, 50_000, 0);

        BenchReport.writeHtml(file, List.of(big), ROUND_TRIP_NANOS, "big", List.of());

        assertThat(Files.size(file)).isLessThan(300_000);
        String html = Files.readString(file, StandardCharsets.UTF_8);
        Matcher curve = Pattern.compile("<polyline[^>]* points=\"([^\"]*)\"").matcher(html);
        assertThat(curve.find()).isTrue();
        String[] points = curve.group(1).split(" ");
        // 300 ranks plus the start on the x axis; the last point is the maximum at a cumulative fraction of 1.
        assertThat(points).hasSize(301);
        assertThat(points[points.length - 1]).endsWith(",16.0");
        assertThat(html).contains("max " + String.format(Locale.ROOT, "%,.0f", big.maxNanos() / 1000.0)
                + " µs");
    }

    @Test
    void aRowWithoutSamplesKeepsItsBarAndBreaksNothing() throws Exception {
        BenchRow empty = new BenchRow("seed", "strong", "put", 1, new long[0], 0, 12);
        List<BenchRow> rows = List.of(empty, new BenchRow("seed", "eventual", "put", 1, new long[] {90_000}, 11, 0));

        assertThatCode(() -> BenchReport.writeHtml(directory.resolve("empty.html"), List.of(empty), 0, "empty",
                List.of())).doesNotThrowAnyException();
        BenchReport.writeHtml(directory.resolve("mixed.html"), rows, ROUND_TRIP_NANOS, "mixed", List.of());
        BenchReport.writeCsv(directory.resolve("empty.csv"), rows, ROUND_TRIP_NANOS);

        assertThat(BenchReport.table(rows, ROUND_TRIP_NANOS).lines().toList().get(1).split(" +"))
                .containsExactly("seed", "strong", "put", "1", "0", "0", "-", "-", "-", "-", "-", "12");
        assertThat(Files.readAllLines(directory.resolve("empty.csv")).get(1))
                .isEqualTo("seed,strong,put,1,0,0.0,,,,,,,12");
        String alone = Files.readString(directory.resolve("empty.html"));
        assertThat(alone).contains("No latency samples to chart", "0 ops/s, 12 errors");
        assertThat(count(alone, "<svg")).isEqualTo(1);
        String mixed = Files.readString(directory.resolve("mixed.html"));
        assertThat(count(mixed, "<polyline")).isEqualTo(1);
        assertThat(mixed).contains("No samples, so no curve: strong 1 client", ">strong put x1<");
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }
}

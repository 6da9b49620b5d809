package io.nodesync.examples.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Renders the rows of {@code ./nodesync bench} as a plain-text table, a CSV file and one self-contained HTML page
 * with latency CDF and throughput charts.
 *
 * <p>Every latency is shown in microseconds and also against the loopback round trip measured on the same machine,
 * since that is the floor a request over TCP cannot beat. The HTML page loads nothing from the network: its CSS
 * and SVG charts are inline, so it can be archived or mailed and still opens as it was.
 */
public final class BenchReport {

    /** Columns of the text and HTML tables, in order; the HTML one writes "us" as "µs". */
    private static final String[] COLUMNS = {"api", "mode", "op", "clients", "requests", "ops/s", "p50 us",
        "p99 us", "p99.9 us", "max us", "p50/RTT", "errors"};

    /** Which of {@link #COLUMNS} are numbers, right-aligned so their digits line up. */
    private static final boolean[] NUMERIC = {false, false, false, true, true, true, true, true, true, true, true,
        true};

    private static final String CSV_HEADER = "api,mode,operation,clients,requests,ops_per_s,mean_us,p50_us,p99_us,"
            + "p999_us,max_us,p50_round_trips,errors";

    /** At most this many points per CDF curve (plus its start on the x axis): millions of samples stay small. */
    private static final int MAX_CURVE_POINTS = 300;

    /** Okabe-Ito colours (without the yellow, faint on white): distinct for most colour-blind readers too. */
    private static final String[] PALETTE = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
        "#000000", "#8C564B"};

    /** Dash patterns for curves once the palette has been used up, so two curves never look the same. */
    private static final String[] DASHES = {"", "6 3", "2 3", "8 3 2 3"};

    /** Rough width of one character of the 12 px chart font: SVG cannot measure text before laying it out. */
    private static final int CHAR_WIDTH = 7;

    private static final String STYLE = """
            :root { color-scheme: light; }
            body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
              color: #222; background: #fff; max-width: 1100px; margin: 2rem auto; padding: 0 1rem; }
            h1 { font-size: 1.6rem; margin-bottom: .5rem; }
            h2 { font-size: 1.25rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
            h3 { font-size: 1rem; margin: 1.5rem 0 .3rem; }
            ul.facts { padding-left: 1.2rem; color: #444; }
            ul.facts li { margin: .1rem 0; overflow-wrap: anywhere; }
            .scroll { overflow-x: auto; }
            table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
            th, td { padding: .25rem .6rem; border-bottom: 1px solid #e3e3e3; text-align: left; white-space: nowrap; }
            th { background: #f3f3f3; }
            th.n, td.n { text-align: right; }
            tbody tr:nth-child(even) { background: #fafafa; }
            p.muted { color: #666; font-size: .9rem; }
            figure { margin: .5rem 0 2rem; }
            figcaption { color: #555; font-size: .9rem; max-width: 60rem; margin-top: .3rem; }
            svg { display: block; max-width: 100%; height: auto; }
            svg text { font-size: 12px; fill: #333; }
            svg .axis { stroke: #555; fill: none; }
            svg .grid { stroke: #ececec; }
            svg .minor { stroke: #f5f5f5; }
            svg .mark { stroke: #aaa; stroke-dasharray: 4 3; }
            svg .rtt { stroke: #666; stroke-dasharray: 6 4; stroke-width: 1.5; }
            svg .curve { fill: none; stroke-width: 2; stroke-linejoin: round; }
            svg .label { font-size: 13px; fill: #222; }
            svg .group { font-weight: 600; font-size: 13px; }
            svg .muted { fill: #666; }
            svg .halo { paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
            """;

    private BenchReport() {
    }

    /**
     * A fixed-width plain-text table of the rows, one header line then one line per row, each ending with
     * {@code '\n'}. Latencies are in microseconds (one decimal below 100, whole numbers above); {@code p50/RTT} is
     * the median as a multiple of {@code roundTripNanos}. Values a row cannot have (latencies of a row without
     * samples, the multiple without a positive round trip) show as {@code -}.
     *
     * @param rows the rows, in the order to print them
     * @param roundTripNanos the loopback round trip in nanoseconds; 0 or less when unknown
     * @return the table
     */
    public static String table(List<BenchRow> rows, double roundTripNanos) {
        List<String[]> lines = new ArrayList<>();
        lines.add(COLUMNS);
        for (BenchRow row : rows) {
            lines.add(cells(row, roundTripNanos));
        }
        // Widths from the content rather than fixed: modes such as "strong/fsync=always" vary in length.
        int[] widths = new int[COLUMNS.length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                if (i > 0) {
                    out.append("  ");
                }
                String padding = " ".repeat(widths[i] - line[i].length());
                out.append(NUMERIC[i] ? padding + line[i] : line[i] + padding);
            }
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * Writes the rows as CSV (UTF-8, {@code '\n'} line ends) under the header {@code api,mode,operation,clients,}
     * {@code requests,ops_per_s,mean_us,p50_us,p99_us,p999_us,max_us,p50_round_trips,errors}.
     * Latencies are microseconds with three decimals (whole nanoseconds); a row without samples leaves its latency
     * fields empty, and {@code p50_round_trips} is empty without a positive round trip. A field is quoted as in
     * RFC 4180 only when it holds a comma, a quote or a line break. Creates missing parent directories.
     *
     * @param file the file to write, replaced if it exists
     * @param rows the rows, in the order to write them
     * @param roundTripNanos the loopback round trip in nanoseconds; 0 or less when unknown
     * @throws IOException if the file cannot be written
     */
    public static void writeCsv(Path file, List<BenchRow> rows, double roundTripNanos) throws IOException {
        StringBuilder out = new StringBuilder(CSV_HEADER).append('\n');
        for (BenchRow row : rows) {
            boolean sampled = row.latencyNanos().length > 0;
            String[] fields = {row.api(), row.mode(), row.operation(), Integer.toString(row.clients()),
                Integer.toString(row.latencyNanos().length), format("%.1f", row.opsPerSecond()),
                sampled ? csvMicros(row.meanNanos()) : "", sampled ? csvMicros(row.percentileNanos(50)) : "",
                sampled ? csvMicros(row.percentileNanos(99)) : "", sampled ? csvMicros(row.percentileNanos(99.9)) : "",
                sampled ? csvMicros(row.maxNanos()) : "",
                sampled && knownRoundTrip(roundTripNanos)
                        ? format("%.2f", row.percentileNanos(50) / roundTripNanos) : "",
                Long.toString(row.errors())};
            for (int i = 0; i < fields.length; i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(csvField(fields[i]));
            }
            out.append('\n');
        }
        write(file, out);
    }

    /**
     * Writes one self-contained HTML5 page (UTF-8): the title, the facts as a list, the table of {@link #table},
     * then latency CDF charts (one per api and operation for the sequential rows, {@code clients == 1}, and one per
     * api for the concurrent put rows) and a throughput bar chart of every row, grouped by api. Charts are inline
     * SVG and CSS is inline; nothing is fetched from the network. Each CDF curve is downsampled to about 300 points,
     * so the page stays small whatever the sample count. Rows without samples get no curve but keep their bar.
     * Every text is HTML-escaped. Creates missing parent directories.
     *
     * @param file the file to write, replaced if it exists
     * @param rows the rows, in the order to show them
     * @param roundTripNanos the loopback round trip in nanoseconds, drawn as a dashed line on the CDFs; 0 or less
     *     when unknown (no line, no multiples)
     * @param title the page's title and heading
     * @param facts lines about the run (machine, cores, command line, date, round trip), shown as a list
     * @throws IOException if the file cannot be written
     */
    public static void writeHtml(Path file, List<BenchRow> rows, double roundTripNanos, String title,
            List<String> facts) throws IOException {
        Objects.requireNonNull(title, "title");
        StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(escape(title)).append("</title>\n<style>\n").append(STYLE)
                .append("</style>\n</head>\n<body>\n<h1>").append(escape(title)).append("</h1>\n");
        if (!facts.isEmpty()) {
            html.append("<ul class=\"facts\">\n");
            for (String fact : facts) {
                html.append("<li>").append(escape(fact)).append("</li>\n");
            }
            html.append("</ul>\n");
        }
        htmlTable(html, rows, roundTripNanos);

        html.append("<h2>Latency distribution</h2>\n");
        int charts = 0;
        for (List<BenchRow> group : groupBy(rows, row -> row.clients() == 1, row -> row.api() + "\n"
                + row.operation()).values()) {
            BenchRow first = group.get(0);
            charts += cdfChart(html, first.api() + " " + first.operation() + ", one client", group, roundTripNanos,
                    "sequential " + first.operation() + " requests through the " + first.api() + " API, one client "
                    + "sending one request at a time") ? 1 : 0;
        }
        for (List<BenchRow> group : groupBy(rows, row -> row.clients() > 1 && "put".equals(row.operation()),
                BenchRow::api).values()) {
            String api = group.get(0).api();
            charts += cdfChart(html, api + " put, concurrent clients", group, roundTripNanos,
                    "put requests through the " + api + " API from several concurrent clients") ? 1 : 0;
        }
        if (charts == 0) {
            html.append("<p>No latency samples to chart.</p>\n");
        }

        html.append("<h2>Throughput</h2>\n");
        barChart(html, rows);
        html.append("</body>\n</html>\n");
        write(file, html);
    }

    /** One row's cells under {@link #COLUMNS}, shared by the text and HTML tables so they always agree. */
    private static String[] cells(BenchRow row, double roundTripNanos) {
        boolean sampled = row.latencyNanos().length > 0;
        return new String[] {row.api(), row.mode(), row.operation(), Integer.toString(row.clients()),
            format("%,d", row.latencyNanos().length), format("%,.0f", row.opsPerSecond()),
            sampled ? micros(row.percentileNanos(50)) : "-", sampled ? micros(row.percentileNanos(99)) : "-",
            sampled ? micros(row.percentileNanos(99.9)) : "-", sampled ? micros(row.maxNanos()) : "-",
            sampled && knownRoundTrip(roundTripNanos) ? format("%.1fx", row.percentileNanos(50) / roundTripNanos)
                    : "-",
            format("%,d", row.errors())};
    }

    private static void htmlTable(StringBuilder html, List<BenchRow> rows, double roundTripNanos) {
        html.append("<div class=\"scroll\">\n<table>\n<thead><tr>");
        for (int i = 0; i < COLUMNS.length; i++) {
            html.append(NUMERIC[i] ? "<th class=\"n\">" : "<th>").append(escape(COLUMNS[i].replace(" us", " µs")))
                    .append("</th>");
        }
        html.append("</tr></thead>\n<tbody>\n");
        for (BenchRow row : rows) {
            html.append("<tr>");
            String[] cells = cells(row, roundTripNanos);
            for (int i = 0; i < cells.length; i++) {
                html.append(NUMERIC[i] ? "<td class=\"n\">" : "<td>").append(escape(cells[i])).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</tbody>\n</table>\n</div>\n<p class=\"muted\">Latencies in microseconds; p50/RTT is the median "
                + "as a multiple of the loopback round trip; errors are failed requests, not in the latencies.</p>\n");
    }

    /**
     * Appends one CDF chart of the group's sampled rows, one curve each, on a log10 latency axis. Returns false,
     * appending nothing, when no row of the group has samples.
     */
    private static boolean cdfChart(StringBuilder html, String heading, List<BenchRow> group, double roundTripNanos,
            String what) {
        List<BenchRow> curves = new ArrayList<>();
        List<String> unsampled = new ArrayList<>();
        for (BenchRow row : group) {
            if (row.latencyNanos().length > 0) {
                curves.add(row);
            } else {
                unsampled.add(row.mode() + " " + clients(row.clients()));
            }
        }
        if (curves.isEmpty()) {
            return false;
        }
        boolean rtt = knownRoundTrip(roundTripNanos);

        // The x range covers whole decades around every sample and the round trip, so the ticks are 1, 10, 100...
        double minMicros = Double.MAX_VALUE;
        double maxMicros = 0;
        for (BenchRow row : curves) {
            minMicros = Math.min(minMicros, toMicros(row.latencyNanos()[0]));
            maxMicros = Math.max(maxMicros, toMicros(row.maxNanos()));
        }
        if (rtt) {
            minMicros = Math.min(minMicros, toMicros(roundTripNanos));
            maxMicros = Math.max(maxMicros, toMicros(roundTripNanos));
        }
        int low = (int) Math.floor(Math.log10(minMicros));
        int high = Math.max(low + 1, (int) Math.ceil(Math.log10(maxMicros)));

        List<String> legend = new ArrayList<>();
        int legendChars = 0;
        for (BenchRow row : curves) {
            String entry = row.mode() + ", " + clients(row.clients());
            legend.add(entry);
            legendChars = Math.max(legendChars, entry.length());
        }
        int left = 62;
        int top = 16;
        int plotWidth = 540;
        int plotHeight = 280;
        int right = left + plotWidth;
        int bottom = top + plotHeight;
        int legendX = right + 44;
        int width = legendX + 30 + Math.max(120, legendChars * CHAR_WIDTH) + 10;
        int height = Math.max(bottom + 48, top + 22 + curves.size() * 20 + 10);

        html.append("<h3>").append(escape(heading)).append("</h3>\n<figure>\n");
        svgOpen(html, width, height, "Latency CDF: " + heading);

        // Minor gridlines at 2..9 of each decade, then the decades with their labels.
        for (int decade = low; decade < high; decade++) {
            for (int m = 2; m <= 9; m++) {
                double x = logX(m * Math.pow(10, decade), low, high, left, plotWidth);
                line(html, "minor", x, top, x, bottom);
            }
        }
        for (int decade = low; decade <= high; decade++) {
            double x = logX(Math.pow(10, decade), low, high, left, plotWidth);
            line(html, "grid", x, top, x, bottom);
            text(html, x, bottom + 16, "middle", null, BigDecimal.ONE.scaleByPowerOfTen(decade).toPlainString());
        }
        // Fractions on the left; the marked percentiles on the right, where 0.99 does not collide with 1.
        for (double fraction : new double[] {0, 0.25, 0.5, 0.75, 0.9, 1}) {
            double y = fractionY(fraction, top, plotHeight);
            line(html, "grid", left, y, right, y);
            text(html, left - 6, y + 4, "end", null, fraction == 0 || fraction == 1
                    ? Integer.toString((int) fraction) : BigDecimal.valueOf(fraction).toPlainString());
        }
        String[][] marks = {{"0.5", "p50"}, {"0.9", "p90"}, {"0.99", "p99"}};
        for (String[] mark : marks) {
            double y = fractionY(Double.parseDouble(mark[0]), top, plotHeight);
            line(html, "mark", left, y, right, y);
            text(html, right + 4, y + 4, "start", "muted", mark[1]);
        }
        html.append(format("<rect class=\"axis\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", left, top,
                plotWidth, plotHeight));
        text(html, left + plotWidth / 2.0, bottom + 38, "middle", "label", "latency (µs, log scale)");
        html.append(format("<text class=\"label\" text-anchor=\"middle\" transform=\"translate(16 %.1f) "
                + "rotate(-90)\">cumulative fraction of requests</text>\n", top + plotHeight / 2.0));

        double rttX = rtt ? logX(toMicros(roundTripNanos), low, high, left, plotWidth) : 0;
        if (rtt) {
            line(html, "rtt", rttX, top, rttX, bottom);
        }

        for (int i = 0; i < curves.size(); i++) {
            BenchRow row = curves.get(i);
            long[] latencies = row.latencyNanos();
            String colour = PALETTE[i % PALETTE.length];
            String dash = DASHES[(i / PALETTE.length) % DASHES.length];
            html.append("<polyline class=\"curve\" stroke=\"").append(colour).append('"');
            if (!dash.isEmpty()) {
                html.append(" stroke-dasharray=\"").append(dash).append('"');
            }
            // Starts on the x axis at the fastest sample, so the curve visibly rises from 0.
            html.append(" points=\"").append(point(logX(toMicros(latencies[0]), low, high, left, plotWidth), bottom));
            for (int rank : sampleRanks(latencies.length, MAX_CURVE_POINTS)) {
                double x = logX(toMicros(latencies[rank]), low, high, left, plotWidth);
                double y = fractionY((rank + 1) / (double) latencies.length, top, plotHeight);
                html.append(' ').append(point(x, y));
            }
            html.append("\"><title>").append(escape(row.label() + ": " + format("%,d", latencies.length)
                    + " requests, p50 " + micros(row.percentileNanos(50)) + " µs, p99 "
                    + micros(row.percentileNanos(99)) + " µs, p99.9 " + micros(row.percentileNanos(99.9))
                    + " µs, max " + micros(row.maxNanos()) + " µs")).append("</title></polyline>\n");

            double y = top + 10 + i * 20;
            html.append(format("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"%s/>"
                    + "\n", legendX, y, legendX + 22, y, colour, dash.isEmpty() ? ""
                    : " stroke-dasharray=\"" + dash + "\""));
            text(html, legendX + 30, y + 4, "start", null, legend.get(i));
        }
        if (rtt) {
            // After the curves, with a white halo, so no curve crosses the label out.
            boolean nearRight = rttX > right - 90;
            text(html, nearRight ? rttX - 4 : rttX + 4, top + 14, nearRight ? "end" : "start", "muted halo",
                    "loopback RTT");
        }
        html.append("</svg>\n<figcaption>Latency CDF of ").append(escape(what)).append(": each curve is one row, and "
                + "a point (x, y) means a fraction y of its requests completed within x µs. Further left is faster; a "
                + "steeper rise is steadier; the top right shows the slowest requests.");
        if (rtt) {
            html.append(" The dashed vertical line is the loopback TCP round trip (")
                    .append(escape(micros(Math.round(roundTripNanos)))).append(" µs).");
        }
        if (!unsampled.isEmpty()) {
            html.append(" No samples, so no curve: ").append(escape(String.join("; ", unsampled))).append('.');
        }
        html.append(" Hover a curve for its percentiles.</figcaption>\n</figure>\n");
        return true;
    }

    /** Appends a horizontal bar chart of every row's ops/s, grouped by api, on one linear scale. */
    private static void barChart(StringBuilder html, List<BenchRow> rows) {
        if (rows.isEmpty()) {
            html.append("<p>No rows.</p>\n");
            return;
        }
        Map<String, List<BenchRow>> groups = groupBy(rows, row -> true, BenchRow::api);
        // One colour per operation, in the order they first appear, so puts and gets read apart at a glance.
        Map<String, String> colours = new LinkedHashMap<>();
        int labelChars = 0;
        int valueChars = 0;
        double max = 0;
        for (BenchRow row : rows) {
            colours.computeIfAbsent(row.operation(), op -> PALETTE[colours.size() % PALETTE.length]);
            labelChars = Math.max(labelChars, barLabel(row).length());
            valueChars = Math.max(valueChars, barValue(row).length());
            max = Math.max(max, finiteOps(row));
        }
        double step = niceStep(Math.max(max, 1) / 5);
        double axisMax = Math.ceil(Math.max(max, 1) / step) * step;

        int left = Math.max(120, labelChars * CHAR_WIDTH + 16);
        int barArea = 480;
        int top = 34;
        int rowHeight = 20;
        int groupHeight = 24;
        int bottom = top + groups.size() * (groupHeight + 6) + rows.size() * rowHeight;
        int width = left + barArea + valueChars * CHAR_WIDTH + 20;
        int height = bottom + 44;

        html.append("<figure>\n");
        svgOpen(html, width, height, "Throughput per row in requests per second");
        // Legend of the operations' colours above the bars.
        int legendX = left;
        for (Map.Entry<String, String> colour : colours.entrySet()) {
            html.append(format("<rect x=\"%d\" y=\"10\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", legendX,
                    colour.getValue()));
            text(html, legendX + 17, 20, "start", null, colour.getKey());
            legendX += 17 + colour.getKey().length() * CHAR_WIDTH + 20;
        }
        for (int i = 0; step * i <= axisMax + step / 2; i++) {
            double value = step * i;
            double x = left + value / axisMax * barArea;
            line(html, "grid", x, top, x, bottom);
            text(html, x, bottom + 16, "middle", null, format(step >= 1 ? "%,.0f" : "%,.1f", value));
        }
        line(html, "axis", left, top, left, bottom);
        text(html, left + barArea / 2.0, bottom + 36, "middle", "label", "requests per second (ops/s)");

        double y = top;
        for (List<BenchRow> group : groups.values()) {
            text(html, 4, y + 17, "start", "group", group.get(0).api());
            y += groupHeight;
            for (BenchRow row : group) {
                double barWidth = finiteOps(row) / axisMax * barArea;
                text(html, left - 8, y + 14, "end", null, barLabel(row));
                html.append(format("<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"14\" fill=\"%s\">", left,
                        y + 3, barWidth, colours.get(row.operation())));
                html.append("<title>").append(escape(row.label() + ": " + barValue(row))).append("</title></rect>\n");
                text(html, left + barWidth + 6, y + 14, "start", null, barValue(row));
                y += rowHeight;
            }
            y += 6;
        }
        html.append("</svg>\n<figcaption>Throughput of every row: requests completed per second over the measured "
                + "interval, grouped by API, on one scale for all. Longer is better; the number of failed requests "
                + "follows the value when there were any.</figcaption>\n</figure>\n");
    }

    /**
     * The ranks (indexes into a sorted array of {@code n}) a curve draws: all of them when there are at most
     * {@code max}, else {@code max} spread evenly, always including the first and the last (the maximum).
     */
    private static int[] sampleRanks(int n, int max) {
        int count = Math.min(n, max);
        int[] ranks = new int[count];
        for (int k = 0; k < count; k++) {
            ranks[k] = count == 1 ? n - 1 : (int) Math.round(k * (double) (n - 1) / (count - 1));
        }
        return ranks;
    }

    /** Groups the rows that pass {@code filter} by {@code key}, keeping the order in which keys first appear. */
    private static Map<String, List<BenchRow>> groupBy(List<BenchRow> rows,
            Predicate<BenchRow> filter, Function<BenchRow, String> key) {
        Map<String, List<BenchRow>> groups = new LinkedHashMap<>();
        for (BenchRow row : rows) {
            if (filter.test(row)) {
                groups.computeIfAbsent(key.apply(row), k -> new ArrayList<>()).add(row);
            }
        }
        return groups;
    }

    private static void svgOpen(StringBuilder html, int width, int height, String title) {
        // The xmlns keeps the chart valid when copied out into an .svg file; HTML itself does not need it.
        html.append(format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" role=\"img\">", width, height, width, height))
                .append("<title>").append(escape(title)).append("</title>\n");
    }

    private static void line(StringBuilder html, String cssClass, double x1, double y1, double x2, double y2) {
        html.append(format("<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", cssClass, x1, y1,
                x2, y2));
    }

    private static void text(StringBuilder html, double x, double y, String anchor, String cssClass, String text) {
        html.append(format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"", x, y, anchor));
        if (cssClass != null) {
            html.append(" class=\"").append(cssClass).append('"');
        }
        html.append('>').append(escape(text)).append("</text>\n");
    }

    private static String point(double x, double y) {
        return format("%.1f,%.1f", x, y);
    }

    /** The x of {@code micros} on a log10 axis spanning decades {@code low} to {@code high}. */
    private static double logX(double micros, int low, int high, int left, int plotWidth) {
        return left + (Math.log10(micros) - low) / (high - low) * plotWidth;
    }

    private static double fractionY(double fraction, int top, int plotHeight) {
        return top + (1 - fraction) * plotHeight;
    }

    /** Microseconds for the log axis; a 0 ns sample counts as 1 ns since log10(0) has no place on it. */
    private static double toMicros(double nanos) {
        return Math.max(nanos, 1) / 1000.0;
    }

    /** Microseconds for people: one decimal below 100 (so "100.0" never shows), whole numbers above. */
    private static String micros(long nanos) {
        double micros = nanos / 1000.0;
        return micros < 99.95 ? format("%.1f", micros) : format("%,.0f", micros);
    }

    /** Microseconds for machines: three decimals keep whole nanoseconds. */
    private static String csvMicros(double nanos) {
        return format("%.3f", nanos / 1000.0);
    }

    private static String csvField(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0 && field.indexOf('\r') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }

    private static String barLabel(BenchRow row) {
        return row.mode() + " " + row.operation() + " x" + row.clients();
    }

    private static String barValue(BenchRow row) {
        return format("%,.0f ops/s", row.opsPerSecond())
                + (row.errors() > 0 ? format(", %,d error%s", row.errors(), row.errors() == 1 ? "" : "s") : "");
    }

    /** Ops/s for a bar's length: a NaN, infinite or negative value draws no bar rather than breaking the scale. */
    private static double finiteOps(BenchRow row) {
        double ops = row.opsPerSecond();
        return Double.isFinite(ops) && ops > 0 ? ops : 0;
    }

    /** The 1, 2 or 5 times a power of ten nearest above {@code raw}, for round axis ticks. */
    private static double niceStep(double raw) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double fraction = raw / magnitude;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
    }

    private static boolean knownRoundTrip(double roundTripNanos) {
        return Double.isFinite(roundTripNanos) && roundTripNanos > 0;
    }

    private static String clients(int clients) {
        return clients + (clients == 1 ? " client" : " clients");
    }

    /** Escapes text for HTML content and double- or single-quoted attributes alike. */
    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    private static void write(Path file, CharSequence content) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }
}

package io.nodesync.examples;

import io.nodesync.Election;
import io.nodesync.consensus.PlantedBug;
import io.nodesync.testing.CheckResult;
import io.nodesync.testing.LinearizabilityChecker;
import io.nodesync.testing.Simulation;
import io.nodesync.testing.SimulationConfig;
import io.nodesync.testing.SimulationConfig.Faults;
import io.nodesync.testing.SimulationResult;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ./nodesync simulate}: runs seeded, deterministic simulations of a cluster under faults and reports, per
 * scenario and in total, what clients saw and whether every safety check held. Exits 1 on any violation, 2 on bad
 * arguments.
 */
final class Simulate {

    private static final String USAGE = """
            Usage: ./nodesync simulate [options]

              --seeds N            run seeds 1..N (default 10)
              --first S            start at seed S (default 1)
              --seed S             run only seed S
              --nodes N            cluster size (default 3)
              --consistency MODE   strong | eventual | mixed: the client workload (default mixed)
              --election NAME      raft | priority (default raft)
              --faults LIST        comma list of partitions,crashes,pauses,loss,duplication,reordering,
                                   mode-switches, or all | none (default all)
              --fault-chance P     probability that each enabled fault fires in a run (default 0.5)
              --seconds S          simulated seconds of workload (default 20)
              --bug NAME           plant a deliberate bug (one of %s)
              --trace              print every event of the run (use with --seed)
            """;

    private final PrintStream out;

    private Simulate(PrintStream out) {
        this.out = out;
    }

    /** Runs the command; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            return new Simulate(out).execute(Options.parse(args));
        } catch (IllegalArgumentException e) {
            err.println("simulate: " + e.getMessage());
            err.printf(USAGE, Arrays.toString(PlantedBug.values()));
            return 2;
        }
    }

    /** Parsed command line. */
    record Options(long first, long count, int nodes, double strongShare, Election election, Faults faults,
            Duration workload, PlantedBug bug, boolean trace, boolean help) {

        static Options parse(String[] args) {
            long first = 1;
            long count = 10;
            int nodes = 3;
            double strongShare = 0.5;
            Election election = Election.raft();
            Set<String> faultNames = new TreeSet<>(Set.of("all"));
            double chance = 0.5;
            Duration workload = Duration.ofSeconds(20);
            PlantedBug bug = null;
            boolean trace = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--seeds" -> count = positiveLong(value(args, ++i, arg), arg);
                    case "--first" -> first = parseLong(value(args, ++i, arg), arg);
                    case "--seed" -> {
                        first = parseLong(value(args, ++i, arg), arg);
                        count = 1;
                    }
                    case "--nodes" -> nodes = (int) positiveLong(value(args, ++i, arg), arg);
                    case "--consistency" -> strongShare = switch (value(args, ++i, arg).toLowerCase(Locale.ROOT)) {
                        case "strong" -> 1.0;
                        case "eventual" -> 0.0;
                        case "mixed" -> 0.5;
                        default -> throw new IllegalArgumentException("unknown consistency '" + args[i] + "'");
                    };
                    case "--election" -> election = switch (value(args, ++i, arg).toLowerCase(Locale.ROOT)) {
                        case "raft" -> Election.raft();
                        case "priority" -> Election.priority();
                        default -> throw new IllegalArgumentException("unknown election '" + args[i] + "'");
                    };
                    case "--faults" -> faultNames = new TreeSet<>(Arrays.asList(value(args, ++i, arg)
                            .toLowerCase(Locale.ROOT).split(",")));
                    case "--fault-chance" -> chance = Double.parseDouble(value(args, ++i, arg));
                    case "--seconds" -> workload = Duration.ofSeconds(positiveLong(value(args, ++i, arg), arg));
                    case "--bug" -> bug = PlantedBug.valueOf(value(args, ++i, arg).toUpperCase(Locale.ROOT));
                    case "--trace" -> trace = true;
                    case "--help", "-h" -> {
                        return new Options(0, 0, 0, 0, election, Faults.NONE, workload, null, false, true);
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
                }
            }
            return new Options(first, count, nodes, strongShare, election, faults(faultNames, chance), workload, bug,
                    trace, false);
        }

        private static Faults faults(Set<String> names, double chance) {
            if (names.contains("none")) {
                return Faults.NONE;
            }
            boolean all = names.contains("all");
            Set<String> known = Set.of("all", "partitions", "crashes", "pauses", "loss", "duplication", "reordering",
                    "mode-switches");
            for (String name : names) {
                if (!known.contains(name)) {
                    throw new IllegalArgumentException("unknown fault '" + name + "'");
                }
            }
            return new Faults(chance, all || names.contains("partitions"), all || names.contains("crashes"),
                    all || names.contains("pauses"), all || names.contains("loss"),
                    all || names.contains("duplication"), all || names.contains("reordering"),
                    all || names.contains("mode-switches"));
        }

        private static String value(String[] args, int index, String option) {
            if (index >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[index];
        }

        private static long parseLong(String text, String option) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a whole number, got '" + text + "'");
            }
        }

        private static long positiveLong(String text, String option) {
            long value = parseLong(text, option);
            if (value <= 0) {
                throw new IllegalArgumentException(option + " must be positive, got " + value);
            }
            return value;
        }
    }

    private int execute(Options options) {
        if (options.help()) {
            out.printf(USAGE, Arrays.toString(PlantedBug.values()));
            return 0;
        }
        out.printf("%-8s %7s %6s %7s %6s %8s %8s %7s %6s %6s %5s %s%n", "seed", "ok", "failed", "unknown", "avail%",
                "p50", "p99", "leaders", "linear", "stale", "lost", "violations");
        long ok = 0;
        long failed = 0;
        long unknown = 0;
        long leaders = 0;
        long stale = 0;
        long lost = 0;
        long violating = 0;
        long nonLinearizable = 0;
        List<Long> latencies = new ArrayList<>();
        Set<String> faults = new TreeSet<>();
        for (long seed = options.first(); seed < options.first() + options.count(); seed++) {
            SimulationConfig config = SimulationConfig.defaults(seed).withNodes(options.nodes())
                    .withElection(options.election()).withFaults(options.faults()).withWorkload(options.workload())
                    .withStrongShare(options.strongShare()).withPlantedBug(options.bug()).withTrace(options.trace());
            SimulationResult result = Simulation.run(config);
            CheckResult check = LinearizabilityChecker.check(result.history());
            if (options.trace()) {
                result.trace().forEach(out::println);
            }
            boolean linearizable = check.linearizable();
            long[] sorted = result.strongLatenciesNanos().clone();
            Arrays.sort(sorted);
            out.printf("%-8d %7d %6d %7d %6.1f %8s %8s %7d %6s %6d %5d %s%n", seed, result.ok(), result.failed(),
                    result.unknown(), availability(result.ok(), result.failed(), result.unknown()),
                    millis(percentile(sorted, 50)), millis(percentile(sorted, 99)), result.leaderChanges(),
                    linearizable ? "yes" : "NO", result.staleReads(), result.lostAcknowledgedWrites(),
                    result.violations().isEmpty() ? "none" : result.violations().get(0));
            if (!linearizable) {
                out.println("  " + check.describe().replace("\n", "\n  "));
            }
            if (!result.passed() || !linearizable) {
                out.println("  replay: ./nodesync simulate --seed " + seed + " --nodes " + options.nodes()
                        + " --trace" + (options.bug() == null ? "" : " --bug " + options.bug()));
            }
            ok += result.ok();
            failed += result.failed();
            unknown += result.unknown();
            leaders += result.leaderChanges();
            stale += result.staleReads();
            lost += result.lostAcknowledgedWrites();
            violating += result.passed() ? 0 : 1;
            nonLinearizable += linearizable ? 0 : 1;
            faults.addAll(result.faultsFired());
            for (long latency : result.strongLatenciesNanos()) {
                latencies.add(latency);
            }
        }
        long[] all = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        out.println();
        out.println("Summary over " + options.count() + " scenario(s), faults seen: " + faults);
        out.printf("  operations      ok %d / failed %d / unknown %d (availability %.1f%%)%n", ok, failed, unknown,
                availability(ok, failed, unknown));
        out.printf("  strong latency  p50 %s, p99 %s (virtual time)%n", millis(percentile(all, 50)),
                millis(percentile(all, 99)));
        out.printf("  leader changes  %d%n", leaders);
        out.printf("  linearizable    %s%n", nonLinearizable == 0 ? "yes, every run" : "NO in " + nonLinearizable
                + " run(s)");
        out.printf("  stale reads     %d (eventual reads that missed the latest acknowledged write)%n", stale);
        out.printf("  lost writes     %d acknowledged eventual writes neither final nor superseded%n", lost);
        out.printf("  violations      %d run(s)%n", violating);
        return violating == 0 && nonLinearizable == 0 && lost == 0 ? 0 : 1;
    }

    private static double availability(long ok, long failed, long unknown) {
        long total = ok + failed + unknown;
        return total == 0 ? 100.0 : 100.0 * ok / total;
    }

    private static long percentile(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percent / 100.0 * sorted.length) - 1)];
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1fms", nanos / 1e6);
    }
}

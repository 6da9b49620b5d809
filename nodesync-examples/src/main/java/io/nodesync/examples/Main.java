package io.nodesync.examples;

import java.util.Arrays;

/** The {@code ./nodesync} launcher's entry point: dispatches to a command. */
public final class Main {

    private Main() {
    }

    /**
     * Runs a command.
     *
     * @param args the command and its arguments
     */
    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "--help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (command) {
            case "demo" -> System.exit(Demo.run(System.out));
            case "simulate" -> System.exit(Simulate.run(rest, System.out, System.err));
            case "embedded-example" -> EmbeddedClusterExample.main(rest);
            case "--help", "-h", "help" -> usage(0);
            default -> {
                System.err.println("unknown command '" + command + "'");
                usage(2);
            }
        }
    }

    private static void usage(int status) {
        String text = """
                Usage: ./nodesync COMMAND [ARGS]

                Commands:
                  demo               a 3-node cluster in this process, narrated: election, writes through a
                                     follower, the leader killed, strong writes refused without a majority while
                                     eventual writes go on, the nodes back and converging; exits 0 when all held
                  simulate           seeded, deterministic simulations of a cluster under faults, with every
                                     safety check and the linearizability checker (--help for options)
                  embedded-example   the README's embedding example
                  --help             this text
                """;
        (status == 0 ? System.out : System.err).print(text);
        if (status != 0) {
            System.exit(status);
        }
    }
}

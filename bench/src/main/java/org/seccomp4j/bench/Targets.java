package org.seccomp4j.bench;

import java.util.Locale;

/** Prints whether a measured figure meets its target, in one format that the summary collects. */
final class Targets {

    private Targets() {
    }

    /** Checks {@code ours <= limit}. */
    static void check(String target, double ours, double limit) {
        System.out.printf(Locale.ROOT, "TARGET %-58s %s (%s vs %s)%n", target, ours <= limit ? "met" : "MISSED",
                format(ours), format(limit));
    }

    /** Checks {@code ours >= minimum}. */
    static void checkAtLeast(String target, double ours, double minimum) {
        System.out.printf(Locale.ROOT, "TARGET %-58s %s (%s vs %s)%n", target, ours >= minimum ? "met" : "MISSED",
                format(ours), format(minimum));
    }

    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e12
                ? Long.toString((long) value) : String.format(Locale.ROOT, "%.3f", value);
    }
}

package org.seccomp4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** A growing list of timings in nanoseconds, with the quantiles the reports quote. */
final class Samples {

    private long[] values = new long[1024];
    private int count;

    void add(long nanos) {
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
        }
        values[count++] = nanos;
    }

    void addAll(Samples other) {
        for (int i = 0; i < other.count; i++) {
            add(other.values[i]);
        }
    }

    int count() {
        return count;
    }

    /** Returns the value at quantile q (0 to 1) by the nearest-rank method. */
    long quantile(double q) {
        if (count == 0) {
            throw new IllegalStateException("no samples");
        }
        long[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * count);
        return sorted[Math.min(Math.max(rank, 1), count) - 1];
    }

    long median() {
        return quantile(0.5);
    }

    long p99() {
        return quantile(0.99);
    }

    /** Writes the samples, one per line, so that a later step can pool runs of several JVMs. */
    void write(Path file) throws IOException {
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lines.add(Long.toString(values[i]));
        }
        Files.write(file, lines);
    }

    static Samples read(Path file) throws IOException {
        Samples samples = new Samples();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                samples.add(Long.parseLong(line.trim()));
            }
        }
        return samples;
    }

    static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1000.0);
    }

    static String ratio(long numerator, long denominator) {
        return String.format(Locale.ROOT, "%.2f", (double) numerator / denominator);
    }

    /** Formats rows as a table with columns padded to their widest cell; the first row is the header. */
    static String table(List<List<String>> rows) {
        int columns = rows.get(0).size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (List<String> row : rows) {
            List<String> cells = new ArrayList<>();
            for (int c = 0; c < columns; c++) {
                String cell = row.get(c);
                // The first column holds names and is left-aligned; the others hold figures.
                cells.add(c == 0 ? pad(cell, widths[c], true) : pad(cell, widths[c], false));
            }
            text.append(cells.stream().collect(Collectors.joining("  ")).stripTrailing()).append('\n');
        }
        return text.toString();
    }

    private static String pad(String cell, int width, boolean left) {
        String spaces = " ".repeat(width - cell.length());
        return left ? cell + spaces : spaces + cell;
    }
}

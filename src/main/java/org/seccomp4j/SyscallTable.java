package org.seccomp4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The x86_64 syscall table: name to number and back, for the native 64-bit ABI only.
 *
 * <p>The table is the resource {@code syscalls-x86_64.tsv}, taken from the Linux kernel's
 * {@code arch/x86/entry/syscalls/syscall_64.tbl} up to Linux 6.18. The x32 ABI (numbers 512-547 and
 * every number with bit 0x40000000 set) is not listed, because the filter kills x32 callers.
 */
public final class SyscallTable {

    private static final String RESOURCE = "syscalls-x86_64.tsv";

    private static final NavigableMap<Integer, String> NAMES_BY_NUMBER;
    private static final Map<String, Integer> NUMBERS_BY_NAME;

    static {
        NavigableMap<Integer, String> names = new TreeMap<>();
        Map<String, Integer> numbers = new HashMap<>();
        try (InputStream in = SyscallTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the jar");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.split("\t");
                int number = Integer.parseInt(fields[0].trim());
                String name = fields[1].trim();
                names.put(number, name);
                numbers.put(name, number);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        NAMES_BY_NUMBER = Collections.unmodifiableNavigableMap(names);
        NUMBERS_BY_NAME = Collections.unmodifiableMap(numbers);
    }

    private SyscallTable() {
    }

    /** Returns the number of the named syscall, or empty if the table has no such name. */
    public static Optional<Integer> number(String name) {
        return Optional.ofNullable(NUMBERS_BY_NAME.get(name));
    }

    /** Returns the name of a syscall number, or empty if the number is not in the table. */
    public static Optional<String> name(int number) {
        return Optional.ofNullable(NAMES_BY_NUMBER.get(number));
    }

    /** Returns the name of a syscall number, or the number itself for one outside the table. */
    public static String nameOrNumber(int number) {
        String name = NAMES_BY_NUMBER.get(number);
        return name != null ? name : Integer.toUnsignedString(number);
    }

    public static boolean contains(int number) {
        return NAMES_BY_NUMBER.containsKey(number);
    }

    /** Returns the highest syscall number in the table; numbers above it are newer than the table. */
    public static int maxNumber() {
        return NAMES_BY_NUMBER.lastKey();
    }

    /** Returns every syscall number in the table, ascending, with its name. */
    public static NavigableMap<Integer, String> all() {
        return NAMES_BY_NUMBER;
    }

    /** Returns the number of the named syscall, or throws an error that suggests the nearest name. */
    static int requireNumber(String name) {
        Integer number = NUMBERS_BY_NAME.get(name);
        if (number == null) {
            throw new IllegalArgumentException("unknown syscall '" + name + "'" + suggestion(name));
        }
        return number;
    }

    /** Throws unless the number is a syscall of the table. */
    static int requireKnown(int number) {
        if (!contains(number)) {
            throw new IllegalArgumentException("syscall number " + number
                    + " is not in the x86_64 table (known numbers are 0-" + maxNumber()
                    + ", with a gap after 336)");
        }
        return number;
    }

    /** Returns "; did you mean 'x'?" for the table name nearest to a misspelt one, or "". */
    static String suggestion(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : NAMES_BY_NUMBER.values()) {
            int distance = editDistance(name, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        boolean close = best != null && bestDistance <= Math.max(2, name.length() / 3);
        return close ? "; did you mean '" + best + "'?" : "";
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}

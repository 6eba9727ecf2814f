package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Fuzzes the policy text parser with random and mutated input. Whatever the input, parse() either
 * returns a policy that prints and compiles, or throws {@link PolicyParseException} with a line and
 * column inside the input. Any other exception fails the property.
 */
class PolicyFuzzTest {

    /** Words of the format, near misses, odd numbers and characters that trip up tokenizers. */
    private static final List<String> VOCABULARY = List.of(
            "policy", "default", "include", "allow", "kill-process", "kill", "kill-thread", "trap", "log",
            "user-notif", "errno(EPERM)", "errno(ENOSYS)", "errno(", "errno()", "errno(1)", "errno(4095)",
            "errno(4096)", "errno(-1)", "errno(EPERM", "ERRNO(eperm)", "errno( 13 )", "allow(", "Allow",
            "read", "write", "ptrace", "clone", "ioctl", "personality", "execve", "opne", "clone3",
            "0", "1", "16", "56", "334", "335", "471", "472", "99999", "2147483648", "4294967296",
            "18446744073709551615", "18446744073709551616", "0x", "0x10", "0xffffffff", "0XFF", "-1", "+1",
            "1e3", "if", "and", "or", "arg0", "arg1", "arg5", "arg6", "arg", "argument0", "==", "!=", "<",
            "<=", ">", ">=", "&", "&&", "=", "!", "#", "# comment", "job-default", "debug", "mpi-cma",
            "io-uring", "nonexistent-group", "\t", " ", "\u00a0", "\u2003", "\u0000", "\r", "\u00e9", "\u0663",
            "\uff10", "(", ")", "\ud83d\ude00", "\ud800");

    private static final List<String> SEEDS = List.of(
            SyscallPolicy.jobDefault().toText(),
            String.join("\n",
                    "policy my-site                   # the name used in reports",
                    "default errno(EPERM)             # for syscalls no rule covers",
                    "include job-default",
                    "allow getrandom",
                    "kill-process ptrace",
                    "errno(EPERM) ioctl if arg1 & 0xffffffff == 0x5412"),
            String.join("\n",
                    "default allow",
                    "errno(ENOSYS) clone3",
                    "kill-process 101",
                    "errno(EACCES) openat if arg2 & 0x3 == 0x1 and arg0 != 0xffffffffffffff9c",
                    "allow mmap if arg2 <= 7 and arg3 != 0",
                    "trap personality if arg0 > 0x10 and arg0 < 0xffff"),
            "policy p\r\ndefault kill-process\r\nallow read\r\nallow write if arg0 >= 1\r\n");

    @Provide
    Arbitrary<String> randomText() {
        Arbitrary<String> word = Arbitraries.oneOf(
                Arbitraries.of(VOCABULARY),
                Arbitraries.strings().ofMaxLength(6),
                Arbitraries.strings().withCharRange('!', '~').ofMaxLength(8));
        Arbitrary<String> line = word.list().ofMaxSize(10).map(words -> String.join(" ", words));
        return line.list().ofMaxSize(8).map(lines -> String.join("\n", lines));
    }

    @Property(tries = 3000)
    void randomTextFailsOnlyWithParseError(@ForAll("randomText") String text) {
        parseOrReject(text);
    }

    @Property(tries = 3000)
    void mutatedPolicyFailsOnlyWithParseError(@ForAll @IntRange(min = 0, max = 3) int seedIndex,
            @ForAll @IntRange(min = 1, max = 6) int mutations, @ForAll long seed) {
        Random random = new Random(seed);
        String text = SEEDS.get(seedIndex);
        for (int i = 0; i < mutations; i++) {
            text = mutate(text, random);
        }
        parseOrReject(text);
    }

    @Property(tries = 200)
    void arbitraryUnicodeFailsOnlyWithParseError(@ForAll String text) {
        parseOrReject(text);
    }

    /** Applies one random edit: insert, delete, replace, duplicate or swap lines, or truncate. */
    private static String mutate(String text, Random random) {
        int position = text.isEmpty() ? 0 : random.nextInt(text.length() + 1);
        String word = VOCABULARY.get(random.nextInt(VOCABULARY.size()));
        switch (random.nextInt(7)) {
            case 0:
                return text.substring(0, position) + word + text.substring(position);
            case 1: {
                int end = Math.min(text.length(), position + 1 + random.nextInt(12));
                return text.substring(0, position) + text.substring(end);
            }
            case 2: {
                if (position == text.length()) {
                    return text + (char) random.nextInt(0x3000);
                }
                return text.substring(0, position) + (char) random.nextInt(0x3000) + text.substring(position + 1);
            }
            case 3: {
                List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
                int line = random.nextInt(lines.size());
                lines.add(line, lines.get(line));
                return String.join("\n", lines);
            }
            case 4: {
                List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
                int first = random.nextInt(lines.size());
                int second = random.nextInt(lines.size());
                String firstLine = lines.get(first);
                lines.set(first, lines.get(second));
                lines.set(second, firstLine);
                return String.join("\n", lines);
            }
            case 5:
                return text.substring(0, position);
            default: {
                // Replace one whole token of a line with a word of the vocabulary.
                List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
                int line = random.nextInt(lines.size());
                String[] tokens = lines.get(line).split(" ", -1);
                tokens[random.nextInt(tokens.length)] = word;
                lines.set(line, String.join(" ", tokens));
                return String.join("\n", lines);
            }
        }
    }

    /**
     * Parses the text. An accepted policy must compile and print to text that parses back to it. A
     * rejected one must fail with a PolicyParseException that points into the text.
     */
    private static void parseOrReject(String text) {
        SyscallPolicy policy;
        try {
            policy = SyscallPolicy.parse(text);
        } catch (PolicyParseException e) {
            String[] lines = text.split("\r?\n", -1);
            assertEquals("<policy>", e.source());
            assertTrue(e.line() >= 1, e.getMessage());
            assertTrue(e.line() <= lines.length, "line " + e.line() + " of " + lines.length + ": " + e.getMessage());
            String line = lines[e.line() - 1];
            assertTrue(e.column() >= 1, e.getMessage());
            assertTrue(e.column() <= line.length() + 1,
                    "column " + e.column() + " of a line of " + line.length() + " characters: " + e.getMessage());
            assertTrue(e.getMessage().startsWith("<policy>:" + e.line() + ":" + e.column() + ": "), e.getMessage());
            Statistics.label("outcome").collect("rejected");
            return;
        }
        Statistics.label("outcome").collect("accepted");
        assertEquals(policy, SyscallPolicy.parse(policy.toText()), "printed and parsed again:\n" + policy.toText());
        try {
            policy.program();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().startsWith("policy too large for BPF"), e.getMessage());
        }
    }
}

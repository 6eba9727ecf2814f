package org.seccomp4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Command-line mistakes: each exits with status 2, prints one message that names the mistake on
 * stderr, prints nothing on stdout and starts no job.
 */
class MainArgumentsTest {

    @TempDir
    Path temp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int execute(List<String> args) {
        return new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .execute(args.toArray(new String[0]));
    }

    private void assertUsageError(String expectedInMessage, String... args) {
        int status = execute(List.of(args));

        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, () -> String.join(" ", args) + "\nstderr: " + stderr);
        assertTrue(stderr.startsWith("seccomp4j: "), stderr);
        assertTrue(stderr.contains(expectedInMessage), () -> "expected '" + expectedInMessage + "' in: " + stderr);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "stdout");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "                                      | missing command",
        "frobnicate                            | unknown command 'frobnicate'",
        "--policy                              | unknown command '--policy'",
        "run --no-such-option -- true          | unknown option '--no-such-option'",
        "list -x                               | unknown option '-x'",
        "dump --format                         | option --format needs a value",
        "list --policy                         | option --policy needs a value",
        "run --allow-group                     | option --allow-group needs a value",
        "run                                   | run: missing command to run",
        "run --                                | run: missing command to run",
        "run --off                             | run: missing command to run",
        "list extra                            | list: unexpected argument 'extra'",
        "dump extra                            | dump: unexpected argument 'extra'",
        "dump --format elf                     | dump: unknown format 'elf'",
        "explain                               | explain: name at least one syscall",
        "explain no_such_call                  | explain: unknown syscall 'no_such_call'",
        "explain ioctl(1,2                     | explain: missing ')'",
        "explain ioctl(x)                      | explain: invalid number 'x'",
        "explain ioctl(0x)                     | explain: invalid number '0x'",
        "explain read(1,2,3,4,5,6,7)           | has 7 arguments; syscalls take at most 6",
        "list --policy no-such-builtin         | policy file no-such-builtin not found",
        "list --allow-group nonsense           | unknown syscall group 'nonsense'",
        "run --policy no-such-builtin -- true  | policy file no-such-builtin not found",
    })
    void mistakeExits2WithMessage(String commandLine, String message) {
        String[] args = commandLine == null ? new String[0] : commandLine.trim().split("\\s+");
        assertUsageError(message, args);
    }

    @Test
    void missingPolicyFileExits2() {
        Path missing = temp.resolve("missing.policy");

        assertUsageError("policy file " + missing + " not found", "list", "--policy", missing.toString());
    }

    @Test
    void directoryAsPolicyFileExits2() {
        assertUsageError("cannot read policy file " + temp + "/", "list", "--policy", temp + "/");
    }

    @Test
    void binaryPolicyFileExits2() throws IOException {
        Path binary = Files.write(temp.resolve("binary.policy"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0xc3});

        assertUsageError("cannot read policy file " + binary, "dump", "--policy", binary.toString());
    }

    @Test
    void policyFileErrorNamesFileLineAndColumn() throws IOException {
        Path policy = Files.write(temp.resolve("bad.policy"), List.of("default errno(EPERM)", "allow read if arg7 == 1"));

        assertUsageError(policy + ":2:15: expected an argument arg0 to arg5, found 'arg7'",
                "run", "--policy", policy.toString(), "--", "true");
    }

    @Test
    void policyTooLargeForBpfExits2() throws IOException {
        List<String> lines = new ArrayList<>(List.of("default allow"));
        for (int value = 0; value < 2000; value++) {
            lines.add("errno(EPERM) getpid if arg0 == " + value);
        }
        Path policy = Files.write(temp.resolve("large.policy"), lines);

        assertUsageError("policy too large for BPF", "dump", "--policy", policy.toString());
    }

    /** The real entry point, in a JVM of its own: System.exit gets the same status 2. */
    @Test
    void mainProcessExitsWithStatus2() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "org.seccomp4j.cli.Main", "frobnicate").start();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the CLI did not exit");
        assertEquals(2, process.exitValue(), stderr);
        assertEquals("seccomp4j: unknown command 'frobnicate'\nTry 'seccomp4j --help'.\n", stderr);
        assertEquals("", stdout);
    }
}

package org.seccomp4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seccomp4j.SyscallPolicy;

class MainTest {

    @TempDir
    Path temp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int execute(String... args) {
        return new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void runExitsWithJobStatus() {
        assertEquals(7, execute("run", "--", "sh", "-c", "exit 7"));
        assertEquals(0, execute("run", "true"));
    }

    @Test
    void runReportsSignalAs128Plus() {
        assertEquals(143, execute("run", "--", "sh", "-c", "kill -TERM $$"));
        assertTrue(err().contains("job killed by signal SIGTERM (15)"), err());
    }

    @Test
    void runNamesSigsysAsSeccompKill() {
        Path policy = temp.resolve("kill.policy");
        writePolicy(policy, "include job-default", "kill-process ptrace");
        assertEquals(128 + 31, execute("run", "--policy", policy.toString(), "--", "perl", "-e", "syscall(101, 0, 0, 0, 0)"));
        assertTrue(err().contains("seccomp4j: job killed: syscall ptrace (101) is denied by policy custom"), err());
    }

    @Test
    void runFailingToStartExits127() {
        assertEquals(127, execute("run", "--", "/no/such/program"));
        assertTrue(err().contains("execve(/no/such/program) failed: ENOENT"), err());
    }

    @Test
    void listPrintsNumberTabName() {
        assertEquals(0, execute("list"));
        List<String> lines = out().lines().toList();
        assertEquals(SyscallPolicy.jobDefault().allowedSyscalls().size(), lines.size());
        assertEquals("0\tread", lines.get(0));
        assertTrue(lines.contains("16\tioctl"));
    }

    @Test
    void listWithGroupAddsIt() {
        assertEquals(0, execute("list", "--allow-group", "debug"));
        assertTrue(out().lines().anyMatch("101\tptrace"::equals), out());
    }

    @Test
    void explainPrintsVerdictAndInstructions() {
        assertEquals(0, execute("explain", "ptrace", "clone(0x10000000)", "clone(0x11)", "clone3", "ioctl(1,0x100005412)", "read", "500"));
        List<String> lines = out().lines().toList();
        assertTrue(lines.get(0).startsWith("ptrace\t101\terrno(EPERM)\t"), lines.get(0));
        assertTrue(lines.get(1).startsWith("clone\t56\terrno(EPERM)\t"), lines.get(1));
        assertTrue(lines.get(2).startsWith("clone\t56\tallow\t"), lines.get(2));
        assertTrue(lines.get(3).startsWith("clone3\t435\terrno(ENOSYS)\t"), lines.get(3));
        assertTrue(lines.get(4).startsWith("ioctl\t16\terrno(EPERM)\t"), lines.get(4));
        assertTrue(lines.get(5).startsWith("read\t0\tallow\t"), lines.get(5));
        assertTrue(lines.get(6).startsWith("500\t500\terrno(ENOSYS)\t"), lines.get(6));
        int instructions = Integer.parseInt(lines.get(5).split("\t")[3]);
        assertTrue(instructions > 4, lines.get(5));
        assertTrue(instructions < 20, lines.get(5));
    }

    @Test
    void dumpBpfWritesProgramBytes() {
        assertEquals(0, execute("dump", "--format", "bpf"));
        assertArrayEquals(SyscallPolicy.jobDefault().program().toByteArray(), out.toByteArray());
    }

    @Test
    void dumpTextAndPolicy() {
        assertEquals(0, execute("dump"));
        assertTrue(out().contains("; AUDIT_ARCH_X86_64"));
        out.reset();
        assertEquals(0, execute("dump", "--format", "policy"));
        assertEquals(SyscallPolicy.jobDefault(), SyscallPolicy.parse(out()));
    }

    @Test
    void usageErrorsExit2() {
        assertEquals(2, execute());
        assertEquals(2, execute("frobnicate"));
        assertEquals(2, execute("list", "--no-such-option"));
        assertEquals(2, execute("run"));
        assertEquals(2, execute("explain", "no_such_call"));
        assertEquals(2, execute("explain", "4294967296"));
        assertEquals(2, execute("explain", "read(\u0663)"));
        assertEquals(2, execute("dump", "--format", "elf"));
        assertEquals(2, execute("list", "--policy"));
        assertEquals(2, execute("run", "--allow-group", "nonsense", "--", "true"));
        assertTrue(err().contains("unknown syscall group 'nonsense'"), err());
    }

    @Test
    void policyFileErrorExits2WithPosition() {
        Path policy = temp.resolve("bad.policy");
        writePolicy(policy, "allow read", "allow opne");
        assertEquals(2, execute("list", "--policy", policy.toString()));
        assertTrue(err().contains(policy + ":2:7: unknown syscall 'opne'; did you mean 'open'?"), err());
    }

    @Test
    void helpWorksOnEveryCommand() {
        for (String command : List.of("run", "list", "explain", "dump")) {
            out.reset();
            assertEquals(0, execute(command, "--help"), command);
            assertTrue(out().contains("usage: seccomp4j"), command);
        }
        assertEquals(0, execute("--help"));
    }

    /** A file named like a built-in policy in the working directory must not replace it. */
    @Test
    void builtInNameWinsOverLocalFile() throws Exception {
        writePolicy(temp.resolve("job-default"), "default allow");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process cli = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "org.seccomp4j.cli.Main", "explain", "ptrace")
                .directory(temp.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertEquals(0, cli.waitFor(), output);
        assertTrue(output.startsWith("ptrace\t101\terrno(EPERM)\t"), output);
    }

    @Test
    void missingPolicyFileIsNamed() {
        assertEquals(2, execute("list", "--policy", "no-such-policy"));
        assertTrue(err().contains("policy file no-such-policy not found"), err());
    }

    @Test
    void runWithoutReportsDeniesWithErrno() {
        assertEquals(0, execute("run", "--no-reports", "--", "perl", "-e", "exit(syscall(101, 0, 0, 0, 0) == -1 && $!{EPERM} ? 0 : 1)"));
    }

    private static void writePolicy(Path file, String... lines) {
        try {
            Files.write(file, List.of(lines));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

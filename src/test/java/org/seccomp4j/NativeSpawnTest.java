package org.seccomp4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.seccomp4j.NativeSpawn.KEEP;
import static org.seccomp4j.NativeSpawn.REDIRECT_APPEND_FILE;
import static org.seccomp4j.NativeSpawn.REDIRECT_INHERIT;
import static org.seccomp4j.NativeSpawn.REDIRECT_PIPE;
import static org.seccomp4j.NativeSpawn.REDIRECT_READ_FILE;
import static org.seccomp4j.NativeSpawn.REDIRECT_TO_STDOUT;
import static org.seccomp4j.NativeSpawn.REDIRECT_WRITE_FILE;
import static org.seccomp4j.NativeSpawn.RESULT_DETAIL;
import static org.seccomp4j.NativeSpawn.RESULT_ERRNO;
import static org.seccomp4j.NativeSpawn.RESULT_PID;
import static org.seccomp4j.NativeSpawn.RESULT_STDERR_FD;
import static org.seccomp4j.NativeSpawn.RESULT_STDIN_FD;
import static org.seccomp4j.NativeSpawn.RESULT_STDOUT_FD;
import static org.seccomp4j.NativeSpawn.RESULT_STEP;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live tests of the C shim. Each one spawns a real child through {@link NativeSpawn} and judges
 * it by its output, its wait status or the failure report. The filters here are hand-written
 * programs of one to four instructions, so these tests do not depend on the policy compiler.
 */
@EnabledOnOs(OS.LINUX)
class NativeSpawnTest {

    // errno values of Linux (asm-generic/errno-base.h).
    private static final int EPERM = 1;
    private static final int ENOENT = 2;
    private static final int ECHILD = 10;
    private static final int EINVAL = 22;

    private static final int SIGTERM = 15;
    private static final int SIGSYS = 31;

    /** RLIMIT_NOFILE in linux/resource.h. */
    private static final int RLIMIT_NOFILE = 7;

    /** Number of write(2) on x86_64. */
    private static final int SYS_WRITE = 1;

    // Classic BPF opcodes (linux/bpf_common.h) and seccomp return values (linux/seccomp.h).
    private static final int BPF_LD_W_ABS = 0x20;
    private static final int BPF_JMP_JEQ_K = 0x15;
    private static final int BPF_RET_K = 0x06;
    private static final int SECCOMP_RET_KILL_PROCESS = 0x80000000;
    private static final int SECCOMP_RET_ERRNO = 0x00050000;
    private static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    /** Offset of the syscall number in struct seccomp_data. */
    private static final int SECCOMP_DATA_NR = 0;

    private static final byte[] ALLOW_ALL = program(instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW));

    @TempDir
    Path temporaryDirectory;

    @Test
    void childWithoutProgramKeepsJvmSeccompMode() throws IOException {
        Outcome outcome = run(Request.shell(
                "echo hi; cat /proc/self/status | grep -E 'Seccomp|NoNewPrivs'"));

        List<String> jvmStatus = Files.readAllLines(Path.of("/proc/self/status"));
        assertEquals(0, outcome.status, outcome::describe);
        assertTrue(outcome.output.startsWith("hi\n"), outcome::describe);
        assertEquals(statusField(jvmStatus, "Seccomp"), statusField(outcome.lines(), "Seccomp"));
        assertEquals(statusField(jvmStatus, "NoNewPrivs"), statusField(outcome.lines(), "NoNewPrivs"));
    }

    @Test
    void allowProgramPutsChildInFilterMode() throws IOException {
        Request request = Request.shell("echo hi; cat /proc/self/status | grep -E 'Seccomp|NoNewPrivs'");
        request.program = ALLOW_ALL;

        Outcome outcome = run(request);

        assertEquals(0, outcome.status, outcome::describe);
        assertTrue(outcome.output.startsWith("hi\n"), outcome::describe);
        assertEquals("2", statusField(outcome.lines(), "Seccomp"));
        assertEquals("1", statusField(outcome.lines(), "NoNewPrivs"));
    }

    @Test
    void emptyProgramFailsWithEinval() {
        Request request = Request.shell("true");
        request.program = new byte[0];

        int[] result = request.spawn();

        assertFailure(result, SpawnStep.SECCOMP, EINVAL);
        assertEquals(0, result[RESULT_DETAIL], "instruction count");
    }

    @Test
    void unknownOpcodeFailsWithEinval() {
        Request request = Request.shell("true");
        request.program = program(instruction(0xffff, 0, 0, 0));

        int[] result = request.spawn();

        assertFailure(result, SpawnStep.SECCOMP, EINVAL);
        assertEquals(1, result[RESULT_DETAIL], "instruction count");
    }

    @Test
    void missingExecutableFailsAtExecve() {
        Request request = Request.shell("true");
        request.executable = "/nonexistent/seccomp4j-test";

        int[] result = request.spawn();

        assertFailure(result, SpawnStep.EXECVE, ENOENT);
        assertTrue(result[RESULT_PID] > 0, "the pid of the reaped child");
        assertEquals(-ECHILD, NativeSpawn.reap(result[RESULT_PID]), "child already reaped");
        assertAll(
                () -> assertEquals(-1, result[RESULT_STDIN_FD]),
                () -> assertEquals(-1, result[RESULT_STDOUT_FD]),
                () -> assertEquals(-1, result[RESULT_STDERR_FD]));
    }

    @Test
    void missingDirectoryFailsAtChdir() {
        Request request = Request.shell("true");
        request.directory = temporaryDirectory.resolve("missing").toString();

        assertFailure(request.spawn(), SpawnStep.CHDIR, ENOENT);
    }

    @Test
    void missingInputFileFailsAtOpenBeforeClone() {
        Request request = Request.shell("true");
        request.paths[0] = temporaryDirectory.resolve("missing").toString();

        int[] result = request.spawn();

        assertFailure(result, SpawnStep.OPEN_REDIRECT, ENOENT);
        assertEquals(0, result[RESULT_DETAIL], "fd slot");
        assertEquals(-1, result[RESULT_PID], "no child was created");
    }

    @Test
    void filesOpenInJvmAreClosedInChild() throws IOException {
        Path openFile = Files.writeString(temporaryDirectory.resolve("open-in-jvm.txt"), "x");
        try (InputStream openInJvm = new FileInputStream(openFile.toFile())) {
            Request request = new Request("/bin/ls", "ls", "-l", "/proc/self/fd");

            Outcome outcome = run(request);

            assertEquals(0, outcome.status, outcome::describe);
            assertFalse(outcome.output.contains(openFile.getFileName().toString()), outcome::describe);
            // 0-2 are the redirects and 3 is the fd ls reads /proc/self/fd through.
            assertTrue(Set.of(0, 1, 2, 3).containsAll(listedFds(outcome)), outcome::describe);
            assertEquals(1, openInJvm.available(), "the JVM's own fd stays open");
        }
    }

    @Test
    void exitStatusSevenIsReported() throws IOException {
        Outcome outcome = run(Request.shell("exit 7"));

        assertEquals(0, outcome.status & 0x7f, "not killed by a signal");
        assertEquals(7, (outcome.status >> 8) & 0xff, "exit status");
    }

    @Test
    void deathBySigtermIsReported() throws IOException {
        Outcome outcome = run(Request.shell("kill -TERM $$"));

        assertEquals(SIGTERM, outcome.status & 0x7f, "terminating signal");
    }

    @Test
    void signalsAreDefaultAndUnblockedInChild() throws IOException {
        Outcome outcome = run(new Request("/bin/cat", "cat", "/proc/self/status"));

        assertEquals("0000000000000000", statusField(outcome.lines(), "SigBlk"));
        assertEquals("0000000000000000", statusField(outcome.lines(), "SigIgn"));
    }

    @Test
    void childLeadsItsOwnSession() throws IOException {
        int[] result = new Request("/bin/cat", "cat", "/proc/self/stat").spawn();
        assertSuccess(result);
        Outcome outcome = finish(result);

        // Fields after "(comm)": state ppid pgrp session ...
        String[] fields = outcome.output.substring(outcome.output.lastIndexOf(')') + 2).split(" ");
        assertEquals(String.valueOf(result[RESULT_PID]), fields[3], "session id");
        assertEquals(String.valueOf(result[RESULT_PID]), fields[2], "process group id");
    }

    @Test
    void stdinPipeReachesChild() throws IOException {
        Request request = new Request("/bin/cat", "cat");
        request.kinds[0] = REDIRECT_PIPE;
        int[] result = request.spawn();
        assertSuccess(result);

        try (OutputStream stdin = new FileOutputStream(
                NativeSpawn.newFileDescriptor(result[RESULT_STDIN_FD]))) {
            stdin.write("ping\n".getBytes(UTF_8));
        }
        Outcome outcome = finish(result);

        assertEquals("ping\n", outcome.output);
        assertEquals(0, outcome.status, outcome::describe);
    }

    @Test
    void stderrFollowsStdout() throws IOException {
        Outcome outcome = run(Request.shell("echo out; echo err >&2"));

        assertEquals("out\nerr\n", outcome.output);
    }

    @Test
    void separateStderrPipeReceivesStderr() throws IOException {
        Request request = Request.shell("echo out; echo err >&2");
        request.kinds[2] = REDIRECT_PIPE;
        int[] result = request.spawn();
        assertSuccess(result);

        String stderr = readAll(result[RESULT_STDERR_FD]);
        Outcome outcome = finish(result);

        assertEquals("out\n", outcome.output);
        assertEquals("err\n", stderr);
    }

    @Test
    void writeTruncatesAndAppendExtends() throws IOException {
        Path file = Files.writeString(temporaryDirectory.resolve("out.txt"), "old content\n");
        Request first = Request.shell("echo one");
        first.kinds[1] = REDIRECT_WRITE_FILE;
        first.paths[1] = file.toString();
        Request second = Request.shell("echo two");
        second.kinds[1] = REDIRECT_APPEND_FILE;
        second.paths[1] = file.toString();

        assertEquals(0, run(first).status);
        assertEquals(0, run(second).status);

        assertEquals("one\ntwo\n", Files.readString(file));
    }

    @Test
    void environmentIsExactlyEnvp() throws IOException {
        Request request = new Request("/usr/bin/env", "env");
        request.env = List.of("A=1", "B=two words");

        assertEquals("A=1\nB=two words\n", run(request).output);
    }

    @Test
    void directoryBecomesWorkingDirectory() throws IOException {
        Request request = Request.shell("pwd");
        request.directory = temporaryDirectory.toString();

        assertEquals(temporaryDirectory.toRealPath() + "\n", run(request).output);
    }

    @Test
    void rlimitAppliesToChild() throws IOException {
        Request request = Request.shell("ulimit -n");
        request.rlimits = new long[] {RLIMIT_NOFILE, 64, 64};

        assertEquals("64\n", run(request).output);
    }

    @Test
    void rlimitAboveNrOpenFailsWithEperm() throws IOException {
        // Files.readString reads one byte first, and a sysctl file then reads as EOF. readAllLines
        // reads the whole value in one call.
        long nrOpen = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/fs/nr_open")).get(0).trim());
        Request request = Request.shell("true");
        request.rlimits = new long[] {RLIMIT_NOFILE, 64, nrOpen + 1};

        int[] result = request.spawn();

        // The kernel rejects a RLIMIT_NOFILE above fs.nr_open with EPERM, even for root.
        assertFailure(result, SpawnStep.SETRLIMIT, EPERM);
        assertEquals(RLIMIT_NOFILE, result[RESULT_DETAIL], "resource");
    }

    @Test
    void umaskAppliesToChild() throws IOException {
        Request request = Request.shell("umask");
        request.umask = 027;

        assertEquals("0027\n", run(request).output);
    }

    @Test
    void credentialsSwitchToNobody() throws IOException {
        assumeTrue(statusField(Files.readAllLines(Path.of("/proc/self/status")), "Uid").startsWith("0\t"),
                "requires root");
        Request request = new Request("/bin/cat", "cat", "/proc/self/status");
        request.uid = 65534;
        request.gid = 65534;
        request.groups = new int[] {65534};

        Outcome outcome = run(request);

        assertEquals("65534\t65534\t65534\t65534", statusField(outcome.lines(), "Uid"));
        assertEquals("65534\t65534\t65534\t65534", statusField(outcome.lines(), "Gid"));
        assertEquals("65534", statusField(outcome.lines(), "Groups").trim());
    }

    @Test
    void failureReportSurvivesFilterThatBlocksWrite() {
        // write(2) fails with EPERM and every other syscall is allowed, so the pipe stays empty.
        Request request = Request.shell("true");
        request.executable = "/nonexistent/seccomp4j-test";
        request.program = program(
                instruction(BPF_LD_W_ABS, 0, 0, SECCOMP_DATA_NR),
                instruction(BPF_JMP_JEQ_K, 0, 1, SYS_WRITE),
                instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM),
                instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW));

        int[] result = request.spawn();

        assertFailure(result, SpawnStep.EXECVE, ENOENT);
        assertEquals(-ECHILD, NativeSpawn.reap(result[RESULT_PID]), "child already reaped");
    }

    @Test
    void filterKillingExecveShowsAsSigsys() throws IOException {
        Request request = Request.shell("true");
        request.program = program(instruction(BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS));

        int[] result = request.spawn();

        // The child dies inside execve before it can report anything, so the spawn looks
        // successful and the wait status carries the cause.
        assertSuccess(result);
        assertEquals(SIGSYS, finish(result).status & 0x7f, "terminating signal");
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertAll(
                () -> assertRejected(request -> request.argcOffset = 1),
                () -> assertRejected(request -> request.argv = List.of()),
                () -> assertRejected(request -> request.program = new byte[7]),
                () -> assertRejected(request -> request.program = new byte[8 * 4097]),
                () -> assertRejected(request -> request.rlimits = new long[] {RLIMIT_NOFILE, 64}),
                () -> assertRejected(request -> request.rlimits = new long[] {RLIMIT_NOFILE, 65, 64}),
                () -> assertRejected(request -> request.rlimits = new long[] {99, 1, 1}),
                () -> assertRejected(request -> request.kinds[0] = REDIRECT_TO_STDOUT),
                () -> assertRejected(request -> request.kinds[1] = REDIRECT_READ_FILE),
                () -> assertRejected(request -> request.kinds[2] = 42),
                () -> assertRejected(request -> request.paths[0] = null),
                () -> assertRejected(request -> request.directory = "with\0nul"),
                () -> assertRejected(request -> request.umask = 01000),
                () -> assertRejected(request -> request.uid = -2),
                () -> assertThrows(IllegalArgumentException.class, () -> NativeSpawn.reap(0)),
                () -> assertThrows(IllegalArgumentException.class, () -> NativeSpawn.awaitExit(-1)),
                () -> assertThrows(IllegalArgumentException.class,
                        () -> NativeSpawn.newFileDescriptor(-1)));
    }

    @Test
    void concurrentSpawnsEachReachEof() throws Exception {
        // A pipe end leaked into another thread's child would keep a reader from seeing EOF.
        ExecutorService executor = Executors.newFixedThreadPool(8);
        try {
            List<Future<Outcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                String word = "child" + i;
                outcomes.add(executor.submit(() -> run(Request.shell("echo " + word))));
            }
            for (int i = 0; i < outcomes.size(); i++) {
                Outcome outcome = outcomes.get(i).get(30, TimeUnit.SECONDS);
                assertEquals("child" + i + "\n", outcome.output);
                assertEquals(0, outcome.status, outcome::describe);
            }
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void strerrorUsesCLibraryText() {
        assertEquals("No such file or directory", NativeSpawn.strerror(ENOENT));
    }

    // --- helpers -------------------------------------------------------------------------------

    /** Arguments of one NativeSpawn.spawn call. By default stdin reads /dev/null. */
    private static final class Request {
        String executable;
        List<String> argv;
        /** Added to argv.size() to pass a wrong argc. */
        int argcOffset;
        List<String> env = List.of("PATH=/usr/bin:/bin");
        String directory;
        final int[] kinds = {REDIRECT_READ_FILE, REDIRECT_PIPE, REDIRECT_TO_STDOUT};
        final String[] paths = {"/dev/null", null, null};
        byte[] program;
        long[] rlimits = {};
        int umask = KEEP;
        int uid = KEEP;
        int gid = KEEP;
        int[] groups;

        Request(String executable, String... argv) {
            this.executable = executable;
            this.argv = List.of(argv);
        }

        static Request shell(String script) {
            return new Request("/bin/sh", "sh", "-c", script);
        }

        int[] spawn() {
            byte[][] pathBytes = new byte[paths.length][];
            for (int i = 0; i < paths.length; i++) {
                pathBytes[i] = paths[i] == null ? null : cString(paths[i]);
            }
            return NativeSpawn.spawn(cString(executable), block(argv), argv.size() + argcOffset,
                    block(env), env.size(), directory == null ? null : cString(directory), kinds,
                    pathBytes, program, rlimits, umask, uid, gid, groups);
        }
    }

    /** Output of the stdout pipe and wait status of a child that has exited. */
    private static final class Outcome {
        final String output;
        final int status;

        Outcome(String output, int status) {
            this.output = output;
            this.status = status;
        }

        List<String> lines() {
            return output.lines().toList();
        }

        String describe() {
            return "wait status " + status + ", output:\n" + output;
        }
    }

    private interface RequestChange {
        void apply(Request request);
    }

    private static void assertRejected(RequestChange change) {
        Request request = Request.shell("true");
        change.apply(request);
        assertThrows(IllegalArgumentException.class, request::spawn);
    }

    private static Outcome run(Request request) throws IOException {
        int[] result = request.spawn();
        assertSuccess(result);
        return finish(result);
    }

    /** Reads the stdout pipe, if there is one, to EOF, then waits for the child and reaps it. */
    private static Outcome finish(int[] result) throws IOException {
        int stdout = result[RESULT_STDOUT_FD];
        String output = stdout < 0 ? "" : readAll(stdout);
        int pid = result[RESULT_PID];
        NativeSpawn.awaitExit(pid);
        return new Outcome(output, NativeSpawn.reap(pid));
    }

    /**
     * Reads a pipe to EOF and closes it. The BufferedInputStream matters on JDK 17, where
     * FileInputStream.readAllBytes fails on a pipe with "Illegal seek".
     */
    private static String readAll(int fd) throws IOException {
        try (InputStream in = new BufferedInputStream(
                new FileInputStream(NativeSpawn.newFileDescriptor(fd)))) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            return bytes.toString(UTF_8);
        }
    }

    private static void assertSuccess(int[] result) {
        assertEquals(SpawnStep.NONE, SpawnStep.of(result[RESULT_STEP]), () -> describe(result));
    }

    private static void assertFailure(int[] result, SpawnStep step, int errno) {
        assertEquals(step, SpawnStep.of(result[RESULT_STEP]), () -> describe(result));
        assertEquals(errno, result[RESULT_ERRNO], () -> describe(result));
    }

    private static String describe(int[] result) {
        SpawnStep step = SpawnStep.of(result[RESULT_STEP]);
        int errno = result[RESULT_ERRNO];
        return "step " + step + " (" + step.call + "), error=" + errno + ", "
                + NativeSpawn.strerror(errno) + ", detail " + result[RESULT_DETAIL];
    }

    /** Returns the value of a "Name:\tvalue" line of /proc/PID/status. */
    private static String statusField(List<String> statusLines, String name) {
        String prefix = name + ":\t";
        return statusLines.stream()
                .filter(line -> line.startsWith(prefix))
                .map(line -> line.substring(prefix.length()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " line in " + statusLines));
    }

    /** Returns the fd numbers in the output of ls -l /proc/self/fd. */
    private static Set<Integer> listedFds(Outcome outcome) {
        Set<Integer> fds = new TreeSet<>();
        for (String line : outcome.lines()) {
            int arrow = line.indexOf(" -> ");
            if (arrow >= 0) {
                String beforeArrow = line.substring(0, arrow);
                fds.add(Integer.parseInt(beforeArrow.substring(beforeArrow.lastIndexOf(' ') + 1)));
            }
        }
        assertFalse(fds.isEmpty(), outcome::describe);
        return fds;
    }

    private static byte[] cString(String value) {
        return (value + "\0").getBytes(UTF_8);
    }

    /** Joins strings into one block of NUL-terminated strings, as argv and envp are passed. */
    private static byte[] block(List<String> strings) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String string : strings) {
            bytes.writeBytes(cString(string));
        }
        return bytes.toByteArray();
    }

    /** Returns one struct sock_filter: code, jt, jf, k. */
    private static long[] instruction(int code, int jumpIfTrue, int jumpIfFalse, int k) {
        return new long[] {code, jumpIfTrue, jumpIfFalse, k};
    }

    /** Encodes instructions as struct sock_filter[] in native byte order. */
    private static byte[] program(long[]... instructions) {
        ByteBuffer buffer = ByteBuffer.allocate(8 * instructions.length).order(ByteOrder.nativeOrder());
        for (long[] instruction : instructions) {
            buffer.putShort((short) instruction[0]);
            buffer.put((byte) instruction[1]);
            buffer.put((byte) instruction[2]);
            buffer.putInt((int) instruction[3]);
        }
        return buffer.array();
    }
}

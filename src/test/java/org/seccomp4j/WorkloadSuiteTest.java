package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real programs run as jobs under the job default in ENFORCE mode: each test checks the exit
 * status and the whole output. The scripts and sources are in src/test/resources/workloads, and
 * .ci/run installs the Debian packages they need. A program this machine lacks skips its test.
 */
@EnabledOnOs(OS.LINUX)
class WorkloadSuiteTest {

    private static final Path WORKLOADS = Paths.get("src", "test", "resources", "workloads").toAbsolutePath();
    private static final String LAUNCH_TWO_RANKS =
            "\"$0\" 1 \"$1\" & rank1=$!; \"$0\" 0 \"$1\"; rank0=$?; wait $rank1; echo \"ranks exited $rank0 $?\"";
    private static final int SIGSTOP = 19;
    private static final int SIGCONT = 18;

    @TempDir
    Path temp;

    @Test
    void bashScriptFeatures() throws Exception {
        Jobs.Result result = Jobs.run(job("bash", WORKLOADS.resolve("bash.sh").toString()));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of(
                "pipeline apple fig",
                "subshell inner",
                "parent outer",
                "substitution 42",
                "nested deep",
                "ulimit -n 128",
                "ulimit -c 0",
                "wait sleeper 0",
                "wait failer 3",
                "wait all 0",
                "usr1 trap",
                "usr1 trap",
                "wait interrupted 138",
                "heredoc expands 2",
                "$name stays literal",
                "herestring",
                "process substitution same",
                "timeout 124",
                "timeout kill 137",
                "timeout not reached 0",
                "COPROCESS",
                "exit trap"), result.lines());
        assertNoDenialMessages(result);
        assertFiltered(result);
    }

    /** The daemon stops the whole job with SIGSTOP while bash waits for a sleep, then continues it. */
    @Test
    void bashJobSurvivesStopAndContinue() throws Exception {
        String script = "echo started; sleep 1 & wait $!; echo \"waited $?\"; sleep 0.2; echo \"slept $?\"";
        SeccompProcess process = (SeccompProcess) job("bash", "-c", script).redirectErrorStream(true).start();
        try {
            process.getOutputStream().close();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("started", out.readLine());
            ProcessHandle sleeper = awaitDescendant(process.toHandle(), "sleep");
            int group = (int) process.pid();

            assertEquals(0, Posix.POSIX.kill(-group, SIGSTOP), "kill(-" + group + ", SIGSTOP)");
            awaitState(process.pid(), 'T');
            awaitState(sleeper.pid(), 'T');
            // Longer than the sleep: a stopped sleep cannot finish, and the job prints nothing.
            Thread.sleep(1300);
            assertTrue(sleeper.isAlive(), "the sleep ended while the job was stopped");
            assertFalse(out.ready(), "the job wrote output while stopped");

            assertEquals(0, Posix.POSIX.kill(-group, SIGCONT), "kill(-" + group + ", SIGCONT)");
            assertEquals(List.of("waited 0", "slept 0"), out.lines().toList());
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the job did not finish after SIGCONT");
            assertEquals(0, process.exitValue());
        } finally {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    @Test
    void coreutilsOnLargeFile() throws Exception {
        Path work = Files.createDirectory(temp.resolve("files"));
        Path big = work.resolve("big");
        writeRandomFile(big, 64 << 20);
        FileTime mtime = FileTime.from(Instant.parse("2001-02-03T04:05:06Z"));
        Files.setLastModifiedTime(big, mtime);
        Files.setPosixFilePermissions(big, PosixFilePermissions.fromString("rw-r-----"));
        UserDefinedFileAttributeView attributes = Files.getFileAttributeView(big, UserDefinedFileAttributeView.class);
        assumeTrue(attributes != null && Files.getFileStore(work).supportsFileAttributeView(UserDefinedFileAttributeView.class),
                "requires user extended attributes on the file system of " + work);
        attributes.write("origin", StandardCharsets.UTF_8.encode("seccomp4j"));

        Jobs.Result result = Jobs.run(job("sh", WORKLOADS.resolve("coreutils.sh").toString(), work.toString()));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of(
                "cp mode and size 640 67108864",
                "cp kept mtime",
                "cp kept content",
                "mv removed source",
                "ls -l -rw-r----- 67108864",
                "find tree/a/b/two.txt tree/a/one.txt",
                "find size ./moved",
                "sort -T ordered all lines",
                "tar round trip",
                "tar list tree/ tree/a/ tree/a/b/ tree/a/b/two.txt tree/a/one.txt",
                "gzip round trip",
                "sha256sum ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -",
                "date 2001-09-09 01:46:40",
                "date now",
                "env ONLY=this",
                "stat directory 755",
                "df has blocks",
                "sed -i alpha gamma",
                "sync done",
                "nproc positive",
                "nice 5",
                "ionice idle",
                "chrt SCHED_OTHER"), result.lines());
        assertEquals("", result.stderr);

        Path moved = work.resolve("moved");
        assertEquals(mtime, Files.getLastModifiedTime(moved));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(moved)));
        UserDefinedFileAttributeView copied = Files.getFileAttributeView(moved, UserDefinedFileAttributeView.class);
        ByteBuffer origin = ByteBuffer.allocate(64);
        copied.read("origin", origin);
        origin.flip();
        assertEquals("seccomp4j", StandardCharsets.UTF_8.decode(origin).toString(), "cp -a dropped the extended attribute");
        assertFiltered(result);
    }

    @Test
    void pythonStandardLibraryFeatures() throws Exception {
        requireProgram("python3", "python3");
        Path scratch = Files.createDirectory(temp.resolve("python"));

        Jobs.Result result = Jobs.run(job("python3", WORKLOADS.resolve("python_job.py").toString(), scratch.toString()));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of(
                "threads 28",
                "lock timeout False True",
                "condition timeout False",
                "event set True",
                "multiprocessing fork [0, 1, 4, 9, 16]",
                "multiprocessing fork queue",
                "multiprocessing fork exit 0",
                "multiprocessing spawn [0, 1, 4, 9, 16]",
                "multiprocessing spawn queue",
                "multiprocessing spawn exit 0",
                "subprocess from child 3",
                "subprocess pipe a b",
                "subprocess communicate through cat",
                "subprocess timeout",
                "tcp TCP ECHO",
                "unix socket unix",
                "socketpair pair",
                "mmap mapped",
                "shared_memory 32640 True",
                "asyncio ASYNCIO STREAM",
                "asyncio gather [0, 1, 2, 3, 4]",
                "asyncio child 0",
                "asyncio executor 81",
                "asyncio timeout",
                "tempfile temporary True",
                "tempfile removed True",
                "tempfile anonymous anonymous",
                "signal.pause waited True",
                "signals ['USR1', 'ALRM']",
                "signal ignored",
                "process group True session True",
                "scheduler True 0 0 True",
                "python done"), result.lines());
        assertEquals("", result.stderr);
        assertFiltered(result);
    }

    @Test
    void javaVersionOfSameJdk() throws Exception {
        Jobs.Result result = Jobs.run(job(javaLauncher(), "-version"));

        assertEquals(0, result.exitValue, result.toString());
        assertTrue(result.stderr.contains("version \"" + System.getProperty("java.version") + "\""), result.stderr);
        assertNoDenialMessages(result);
    }

    @Test
    void javaMultithreadedProgram() throws Exception {
        Path scratch = Files.createDirectory(temp.resolve("java"));

        Jobs.Result result = Jobs.run(job(javaLauncher(), WORKLOADS.resolve("JavaJob.java").toString(), scratch.toString()));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of(
                "thread pool 204 true",
                "fork join 499999500000",
                "parallel stream 5000050000",
                "completable 21",
                "nio written through a FileChannel",
                "nio size 17",
                "nio list 2",
                "socket loopback",
                "processors true",
                "java done"), result.lines());
        assertEquals("", result.stderr);
        assertFiltered(result);
    }

    @Test
    void cProgramCompiledAndRunInJob() throws Exception {
        Path binary = temp.resolve("cjob");
        String compileAndRun = "gcc -O2 -Wall -Werror -pthread -o \"$0\" \"$1\" && \"$0\"";

        Jobs.Result result = Jobs.run(job("sh", "-c", compileAndRun, binary.toString(),
                WORKLOADS.resolve("cjob.c").toString()));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of(
                "pthreads ok",
                "pthread_cond_timedwait ok",
                "posix_spawn ok",
                "posix_spawn file actions ok",
                "clock_nanosleep ok",
                "epoll eventfd timerfd created ok",
                "eventfd write ok",
                "timerfd_settime ok",
                "epoll saw eventfd ok",
                "epoll saw timerfd ok",
                "c done, 0 failed"), result.lines());
        assertEquals("", result.stderr);
        assertFiltered(result);
    }

    @Test
    void perlMakeAndGit() throws Exception {
        requireProgram("perl", "perl");
        requireProgram("make", "make");
        requireProgram("git", "git");
        Path scratch = Files.createDirectory(temp.resolve("tools"));

        Jobs.Result result = Jobs.run(job("sh", WORKLOADS.resolve("tools.sh").toString(), scratch.toString(),
                WORKLOADS.resolve("make").toString()));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of(
                "perl map 2,4,6,8,10",
                "perl -lane sum 6",
                "perl POSIX 2 1970",
                "perl -pi color flavor",
                "perl readdir 1",
                "perl fork 5",
                "ONE",
                "TWO",
                "THREE",
                "parts 3 built by make",
                "Nothing to be done for 'all'.",
                "make clean left Makefile",
                "git log Change file.txt|Add two files",
                "git files dir/nested.txt file.txt",
                "git status clean 0",
                "git fsck 0",
                "git show first second"), result.lines());
        assertEquals("", result.stderr);
        assertFiltered(result);
    }

    @Test
    void mpiLikeRanksExchangeMessages() throws Exception {
        Path rendezvous = Files.createDirectory(temp.resolve("ranks"));

        Jobs.Result result = Jobs.run(job("sh", "-c", LAUNCH_TWO_RANKS, Jobs.probe("mpilike").toString(),
                rendezvous.toString()));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of(
                "tcp 1048576 bytes intact",
                "unix socket 1048576 bytes intact",
                "unix socket fd passing works",
                "shared memory ping-pong 1000 of 1000 rounds",
                "cma unavailable (EPERM), shared memory used instead",
                "rank 0 done",
                "ranks exited 0 0"), result.lines());
        assertEquals("", result.stderr);
        assertNoSegmentLeftInDevShm();
        assertFiltered(result);
    }

    @Test
    void mpiCmaGroupAllowsSingleCopy() throws Exception {
        SyscallPolicy withCma = SyscallPolicy.builder().name("job-default+mpi-cma")
                .include(SyscallPolicy.jobDefault()).allowGroup("mpi-cma").build();
        Path rendezvous = Files.createDirectory(temp.resolve("ranks"));

        Jobs.Result result = Jobs.run(job("sh", "-c", LAUNCH_TWO_RANKS, Jobs.probe("mpilike").toString(),
                rendezvous.toString()).policy(withCma));

        assertEquals(0, result.exitValue, result.toString());
        assertTrue(result.lines().contains("cma read 65536 bytes intact"), result.toString());
        assertEquals("ranks exited 0 0", result.lines().get(result.lines().size() - 1));
        assertNoSegmentLeftInDevShm();
    }

    @Test
    void debugGroupRunsGdb() throws Exception {
        requireProgram("gdb", "gdb");
        SyscallPolicy withDebug = SyscallPolicy.parse("policy job-default+debug\ninclude job-default\ninclude debug\n");

        String[] gdb = {"gdb", "-nx", "-batch", "-ex", "run", "--args", "/bin/echo", "hello from gdb"};

        Jobs.Result denied = Jobs.run(job(gdb));
        Jobs.Result result = Jobs.run(job(gdb).policy(withDebug));

        assertFalse(denied.lines().contains("hello from gdb"), denied.toString());
        assertTrue(denied.stderr.contains("ptrace: Operation not permitted"), denied.toString());

        assertEquals(0, result.exitValue, result.toString());
        assertTrue(result.lines().contains("hello from gdb"), result.toString());
        assertTrue(result.stdout.matches("(?s).*\\[Inferior 1 \\(process \\d+\\) exited normally\\].*"), result.toString());
        // gdb turns address randomization off with personality(ADDR_NO_RANDOMIZE), which the group allows.
        assertFalse(result.stderr.contains("address space randomization"), result.stderr);
        assertNoDenialMessages(result);
    }

    @Test
    void debugGroupRunsStrace() throws Exception {
        requireProgram("strace", "strace");
        SyscallPolicy withDebug = SyscallPolicy.builder().name("job-default+debug")
                .include(SyscallPolicy.jobDefault()).allowGroup("debug").build();

        String[] strace = {"strace", "-f", "-qq", "-e", "trace=write", "sh", "-c", "echo traced"};

        Jobs.Result denied = Jobs.run(job(strace));
        Jobs.Result result = Jobs.run(job(strace).policy(withDebug));

        assertEquals(1, denied.exitValue, denied.toString());
        assertTrue(denied.stderr.contains("PTRACE_TRACEME: Operation not permitted"), denied.toString());

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of("traced"), result.lines());
        // strace pads the line before " = 7" to a column.
        assertTrue(result.stderr.matches("(?s).*write\\(1, \"traced\\\\n\", 7\\) += 7\n.*"), result.stderr);
        assertNoDenialMessages(result);
    }

    @Test
    void debugGroupOpensPerfCounter() throws Exception {
        String escape = Jobs.probe("escape").toString();
        Jobs.Result unfiltered = Jobs.run(new SeccompProcessBuilder(escape, "perf_task_clock").mode(SeccompMode.OFF));
        assumeTrue(unfiltered.lines().get(0).equals("perf_task_clock 0 OK"),
                "requires perf_event_open without a filter (see kernel.perf_event_paranoid); got " + unfiltered.lines());
        SyscallPolicy withDebug = SyscallPolicy.builder().name("job-default+debug")
                .include(SyscallPolicy.jobDefault()).allowGroup("debug").build();

        Jobs.Result denied = Jobs.run(job(escape, "perf_task_clock"));
        Jobs.Result allowed = Jobs.run(job(escape, "perf_task_clock").policy(withDebug));

        assertEquals(List.of("perf_task_clock -1 EPERM", "alive"), denied.lines());
        assertEquals(List.of("perf_task_clock 0 OK", "alive"), allowed.lines());
    }

    @Test
    void ioUringGroupRunsNop() throws Exception {
        String escape = Jobs.probe("escape").toString();
        Jobs.Result unfiltered = Jobs.run(new SeccompProcessBuilder(escape, "io_uring_nop").mode(SeccompMode.OFF));
        assumeTrue(unfiltered.lines().get(0).equals("io_uring_nop 0 OK"),
                "requires io_uring without a filter (see kernel.io_uring_disabled); got " + unfiltered.lines());
        SyscallPolicy withIoUring = SyscallPolicy.parse("policy job-default+io-uring\ninclude job-default\ninclude io-uring\n");

        Jobs.Result denied = Jobs.run(job(escape, "io_uring_nop"));
        Jobs.Result allowed = Jobs.run(job(escape, "io_uring_nop").policy(withIoUring));

        assertEquals(List.of("io_uring_nop -1 EPERM", "alive"), denied.lines());
        assertEquals(List.of("io_uring_nop 0 OK", "alive"), allowed.lines());
    }

    /** Returns a builder for a job under the job default in ENFORCE mode, with a small fixed environment. */
    private SeccompProcessBuilder job(String... command) throws IOException {
        Path home = temp.resolve("home");
        Path tmp = temp.resolve("tmp");
        Files.createDirectories(home);
        Files.createDirectories(tmp);
        SeccompProcessBuilder builder = new SeccompProcessBuilder(command)
                .policy(SyscallPolicy.jobDefault())
                .mode(SeccompMode.ENFORCE)
                .directory(temp.toFile());
        Map<String, String> environment = builder.environment();
        environment.clear();
        environment.put("PATH", "/usr/bin:/bin");
        environment.put("HOME", home.toString());
        environment.put("TMPDIR", tmp.toString());
        environment.put("LC_ALL", "C");
        return builder;
    }

    private static String javaLauncher() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void requireProgram(String program, String debianPackage) {
        assumeTrue(Files.isExecutable(Paths.get("/usr/bin", program)),
                "requires /usr/bin/" + program + " (Debian package " + debianPackage + ")");
    }

    /** Fails if the job printed the message of a denied or killed syscall, even if it went on. */
    private static void assertNoDenialMessages(Jobs.Result result) {
        for (String message : List.of("Operation not permitted", "Function not implemented", "Bad system call")) {
            assertFalse(result.stdout.contains(message) || result.stderr.contains(message), result.toString());
        }
    }

    private static void assertFiltered(Jobs.Result result) {
        assertEquals(Optional.of(SyscallPolicy.jobDefault()), result.process.policy());
    }

    private static void assertNoSegmentLeftInDevShm() throws IOException {
        try (Stream<Path> segments = Files.list(Paths.get("/dev/shm"))) {
            List<Path> left = segments.filter(path -> path.getFileName().toString().startsWith("seccomp4j-mpilike-")).toList();
            assertEquals(List.of(), left);
        }
    }

    private static void writeRandomFile(Path file, int size) throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int written = 0; written < size; written += chunk.length) {
                for (int i = 0; i < chunk.length; i += 8) {
                    long value = random.nextLong();
                    for (int b = 0; b < 8; b++) {
                        chunk[i + b] = (byte) (value >>> (8 * b));
                    }
                }
                out.write(chunk);
            }
        }
    }

    private static ProcessHandle awaitDescendant(ProcessHandle parent, String command) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> found = parent.descendants()
                    .filter(handle -> handle.info().command().orElse("").endsWith("/" + command))
                    .findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no " + command + " process under pid " + parent.pid() + " after 10 s");
    }

    /** Waits until /proc/PID/stat shows the state, such as 'T' for stopped. */
    private static void awaitState(long pid, char expected) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        char state = '?';
        while (System.nanoTime() < deadline) {
            String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"));
            // The state follows the command name, which is in parentheses and may contain spaces.
            state = stat.charAt(stat.lastIndexOf(')') + 2);
            if (state == expected) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("pid " + pid + " is in state " + state + ", not " + expected + ", after 10 s");
    }
}

package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live tests that nothing of the JVM reaches a job except what the builder names: fds, signal
 * mask and dispositions, environment.
 */
@EnabledOnOs(OS.LINUX)
class JobHygieneTest {

    private static final int SIG_BLOCK = 0;
    private static final int SIG_SETMASK = 2;
    private static final long SIG_IGN = 1;
    /** sizeof(sigset_t) in glibc. */
    private static final int SIGSET_BYTES = 128;

    private static final int SIGHUP = 1;
    private static final int SIGUSR1 = 10;
    private static final int SIGALRM = 14;
    private static final int SIGTERM = 15;
    private static final int SIGCHLD = 17;
    private static final int SIGTTOU = 22;
    private static final int SIGWINCH = 28;
    private static final int SIGRTMIN_PLUS_4 = 38;

    /** The C library's signal calls, which JNR-POSIX does not bind as needed here. */
    public interface LibC {
        int sigprocmask(int how, Pointer set, Pointer oldSet);

        long signal(int signal, long handler);
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    @TempDir
    Path temp;

    @Test
    void pipedJobHasOnlyItsThreePipes() throws Exception {
        Path held = Files.writeString(temp.resolve("held-open"), "x");
        int plain = Posix.POSIX.open(held.toString(), 0, 0);
        int high = Posix.POSIX.dup2(plain, 1000);
        int[] pipe = new int[2];
        Posix.POSIX.pipe(pipe);
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertTrue(socket.isBound(), "listening socket");
            assertTrue(plain >= 3, "fd opened without O_CLOEXEC: " + plain);
            assertEquals(1000, high, "dup2 to fd 1000");

            Map<Integer, String> fds = openFdsOfJob(new SeccompProcessBuilder(Jobs.probe("openfds").toString()));

            assertEquals(List.of(0, 1, 2), List.copyOf(fds.keySet()), fds.toString());
            for (String target : fds.values()) {
                assertTrue(target.startsWith("pipe:"), fds.toString());
            }
            assertNotEquals(fds.get(0), fds.get(1), "stdin and stdout are different pipes");
            assertNotEquals(fds.get(1), fds.get(2), "stdout and stderr are different pipes");
        } finally {
            Posix.POSIX.close(plain);
            Posix.POSIX.close(high);
            Posix.POSIX.close(pipe[0]);
            Posix.POSIX.close(pipe[1]);
        }
    }

    @Test
    void redirectedJobHasTheNamedFiles() throws Exception {
        Path input = Files.writeString(temp.resolve("in"), "");
        Path output = temp.resolve("out");
        SeccompProcessBuilder builder = new SeccompProcessBuilder(Jobs.probe("openfds").toString())
                .redirectInput(input.toFile())
                .redirectOutput(output.toFile())
                .redirectErrorStream(true)
                .mode(SeccompMode.ENFORCE);

        assertEquals(0, builder.start().waitFor());

        Map<Integer, String> fds = parseFds(Files.readString(output));
        assertEquals(Map.of(0, input.toString(), 1, output.toString(), 2, output.toString()), fds);
    }

    @Test
    void inheritingJobHasTheJvmStandardFds() throws Exception {
        Path output = temp.resolve("out");
        SeccompProcessBuilder builder = new SeccompProcessBuilder(Jobs.probe("openfds").toString())
                .redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(output.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .mode(SeccompMode.ENFORCE);

        assertEquals(0, builder.start().waitFor());

        Map<Integer, String> jvm = Leaks.openFds();
        Map<Integer, String> fds = parseFds(Files.readString(output));
        assertEquals(List.of(0, 1, 2), List.copyOf(fds.keySet()), fds.toString());
        assertEquals(jvm.get(0), fds.get(0), "inherited stdin");
        assertEquals(output.toString(), fds.get(1));
        assertEquals(jvm.get(2), fds.get(2), "inherited stderr");
    }

    @Test
    void signalsAreDefaultDespiteBlockedAndIgnored() throws Exception {
        Pointer blocked = sigset(SIGHUP, SIGUSR1, SIGALRM, SIGTERM, SIGCHLD, SIGRTMIN_PLUS_4);
        Pointer previousMask = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(LIBC), SIGSET_BYTES, true);
        assertEquals(0, LIBC.sigprocmask(SIG_BLOCK, blocked, previousMask));
        Map<Integer, Long> previousHandlers = new LinkedHashMap<>();
        for (int signal : new int[] {SIGUSR1, SIGTTOU, SIGWINCH}) {
            previousHandlers.put(signal, LIBC.signal(signal, SIG_IGN));
        }
        String jobStatus;
        String threadStatus;
        try {
            threadStatus = Files.readString(Path.of("/proc/thread-self/status"));
            Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/bin/cat", "/proc/self/status").mode(SeccompMode.ENFORCE));
            assertEquals(0, result.exitValue, result.toString());
            jobStatus = result.stdout;
        } finally {
            for (Map.Entry<Integer, Long> handler : previousHandlers.entrySet()) {
                LIBC.signal(handler.getKey(), handler.getValue());
            }
            LIBC.sigprocmask(SIG_SETMASK, previousMask, null);
        }

        // The premise: the thread that called start() had these blocked and the JVM ignored these.
        long threadBlocked = Long.parseUnsignedLong(Jobs.statusField(threadStatus, "SigBlk"), 16);
        long jvmIgnored = Long.parseUnsignedLong(Jobs.statusField(threadStatus, "SigIgn"), 16);
        assertEquals(bits(SIGHUP, SIGUSR1, SIGALRM, SIGTERM, SIGCHLD, SIGRTMIN_PLUS_4),
                threadBlocked & bits(SIGHUP, SIGUSR1, SIGALRM, SIGTERM, SIGCHLD, SIGRTMIN_PLUS_4));
        assertEquals(bits(SIGUSR1, SIGTTOU, SIGWINCH), jvmIgnored & bits(SIGUSR1, SIGTTOU, SIGWINCH));

        assertEquals("0000000000000000", Jobs.statusField(jobStatus, "SigBlk"), "blocked in the job");
        assertEquals("0000000000000000", Jobs.statusField(jobStatus, "SigIgn"), "ignored in the job");
        assertEquals("0000000000000000", Jobs.statusField(jobStatus, "SigCgt"), "caught in the job");
        assertEquals("0000000000000000", Jobs.statusField(jobStatus, "SigPnd"), "pending for the job's thread");
        assertEquals("0000000000000000", Jobs.statusField(jobStatus, "ShdPnd"), "pending for the job");
    }

    @Test
    void environmentIsExactlyTheBuildersMap() throws Exception {
        SeccompProcessBuilder builder = new SeccompProcessBuilder("/bin/cat", "/proc/self/environ").mode(SeccompMode.ENFORCE);
        Map<String, String> environment = builder.environment();
        environment.clear();
        environment.put("PLAIN", "1");
        environment.put("EMPTY", "");
        environment.put("WITH_EQUALS", "a=b=c");
        environment.put("SPACES", "  two words  ");
        environment.put("NEWLINE", "line one\nline two");

        Map<String, String> seen = environOf(builder);

        assertEquals(new TreeMap<>(environment), seen);
    }

    @Test
    void untouchedEnvironmentIsTheJvms() throws Exception {
        Map<String, String> seen = environOf(new SeccompProcessBuilder("/bin/cat", "/proc/self/environ").mode(SeccompMode.ENFORCE));

        assertEquals(new TreeMap<>(System.getenv()), seen);
    }

    @Test
    void removedVariableIsAbsent() throws Exception {
        SeccompProcessBuilder builder = new SeccompProcessBuilder("/bin/cat", "/proc/self/environ").mode(SeccompMode.ENFORCE);
        builder.environment().put("SECCOMP4J_REMOVED", "x");
        builder.environment().remove("SECCOMP4J_REMOVED");
        builder.environment().remove("PATH");

        Map<String, String> seen = environOf(builder);

        assertFalse(seen.containsKey("SECCOMP4J_REMOVED"), seen.toString());
        assertFalse(seen.containsKey("PATH"), seen.toString());
        assertEquals(new TreeMap<>(builder.environment()), seen);
    }

    @Test
    void jobHasNoControllingTerminal() throws Exception {
        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/bin/cat", "/proc/self/stat").mode(SeccompMode.ENFORCE));

        // Fields after "(comm)": state ppid pgrp session tty_nr ...
        String[] fields = result.stdout.substring(result.stdout.lastIndexOf(')') + 2).split(" ");
        assertEquals("0", fields[4], "tty_nr");
    }

    private static Map<Integer, String> openFdsOfJob(SeccompProcessBuilder builder) throws Exception {
        Jobs.Result result = Jobs.run(builder.mode(SeccompMode.ENFORCE));
        assertEquals(0, result.exitValue, result.toString());
        return parseFds(result.stdout);
    }

    private static Map<Integer, String> parseFds(String output) {
        Map<Integer, String> fds = new TreeMap<>();
        for (String line : output.lines().toList()) {
            int space = line.indexOf(' ');
            fds.put(Integer.parseInt(line.substring(0, space)), line.substring(space + 1));
        }
        return fds;
    }

    /** Runs the job, which must print its /proc/self/environ, and parses the NUL-separated entries. */
    private static Map<String, String> environOf(SeccompProcessBuilder builder) throws Exception {
        Process job = builder.start();
        byte[] raw = job.getInputStream().readAllBytes();
        assertEquals(0, job.waitFor());
        Map<String, String> seen = new TreeMap<>();
        for (String entry : new String(raw, StandardCharsets.UTF_8).split("\0")) {
            if (entry.isEmpty()) {
                continue;
            }
            int equals = entry.indexOf('=');
            String previous = seen.put(entry.substring(0, equals), entry.substring(equals + 1));
            assertEquals(null, previous, "variable given twice: " + entry);
        }
        return seen;
    }

    private static long bits(int... signals) {
        long mask = 0;
        for (int signal : signals) {
            mask |= 1L << (signal - 1);
        }
        return mask;
    }

    private static Pointer sigset(int... signals) {
        Pointer set = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(LIBC), SIGSET_BYTES, true);
        set.putLong(0, bits(signals));
        return set;
    }
}

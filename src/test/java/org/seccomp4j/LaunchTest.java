package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Live tests: real jobs started under the real kernel's seccomp. */
@EnabledOnOs(OS.LINUX)
class LaunchTest {

    @TempDir
    Path temp;

    @Test
    void jobRunsFilteredWithNoNewPrivs() throws Exception {
        Jobs.Result result = Jobs.shell("echo ok; cat /proc/self/status");

        assertEquals(0, result.exitValue, result.toString());
        assertEquals("ok", result.lines().get(0));
        assertEquals("2", Jobs.statusField(result.stdout, "Seccomp"));
        assertEquals("1", Jobs.statusField(result.stdout, "NoNewPrivs"));
        assertEquals("0", Jobs.statusField(Jobs.readOwnStatus(), "Seccomp"), "the test JVM must stay unfiltered");
    }

    @Test
    void grandchildIsFilteredToo() throws Exception {
        Jobs.Result result = Jobs.shell("sh -c 'grep -E \"^(Seccomp|NoNewPrivs):\" /proc/self/status'");

        assertEquals(0, result.exitValue, result.toString());
        assertEquals("2", Jobs.statusField(result.stdout, "Seccomp"));
        assertEquals("1", Jobs.statusField(result.stdout, "NoNewPrivs"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ptrace_traceme", "mount", "bpf", "unshare_user", "clone_newuser"})
    void forbiddenCallFailsWithEpermAndJobGoesOn(String attempt) throws Exception {
        Jobs.Result result = Jobs.enforce(Jobs.probe("escape").toString(), attempt, "getpid");

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of(attempt + " -1 EPERM", "getpid 0 OK", "alive"), result.lines());
    }

    @Test
    void sameJobInOffModeIsUnfiltered() throws Exception {
        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("cat", "/proc/self/status").mode(SeccompMode.OFF));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals("0", Jobs.statusField(result.stdout, "Seccomp"));
        assertEquals("0", Jobs.statusField(result.stdout, "NoNewPrivs"));
    }

    @Test
    void fdsOfJvmAreNotInherited() throws Exception {
        Path secret = Files.writeString(temp.resolve("held-open"), "secret");
        try (FileInputStream held = new FileInputStream(secret.toFile())) {
            Jobs.Result result = Jobs.shell("ls -l /proc/self/fd/");

            assertEquals(0, result.exitValue, result.toString());
            assertFalse(result.stdout.contains("held-open"), result.stdout);
            long fds = result.lines().stream().filter(line -> line.contains(" -> ")).count();
            assertTrue(fds <= 4, "job has more fds than stdio and ls's own directory fd:\n" + result.stdout);
            assertTrue(held.available() > 0);
        }
    }

    @Test
    void missingExecutableNamesExecveAndEnoent() throws Exception {
        IOException error = assertThrows(IOException.class,
                () -> new SeccompProcessBuilder("/no/such").mode(SeccompMode.ENFORCE).start());

        assertEquals("cannot start job: execve(/no/such) failed: ENOENT (No such file or directory)", error.getMessage());
        assertEquals(List.of(), Jobs.zombieChildren());
    }

    @Test
    void commandNotInPathNamesItself() {
        IOException error = assertThrows(IOException.class,
                () -> new SeccompProcessBuilder("no-such-command-here").mode(SeccompMode.ENFORCE).start());
        assertEquals("cannot start job: execve(no-such-command-here) failed: ENOENT (No such file or directory)",
                error.getMessage());
    }

    @Test
    void badDirectoryNamesChdirAndErrno() throws Exception {
        IOException error = assertThrows(IOException.class, () -> new SeccompProcessBuilder("/bin/true")
                .directory(new File("/no/such/dir")).mode(SeccompMode.ENFORCE).start());

        assertEquals("cannot start job: chdir(/no/such/dir) failed: ENOENT (No such file or directory)", error.getMessage());
        assertEquals(List.of(), Jobs.zombieChildren());
    }

    @Test
    void unreadableRedirectNamesOpenAndErrno() throws Exception {
        IOException missing = assertThrows(IOException.class, () -> new SeccompProcessBuilder("/bin/cat")
                .redirectInput(temp.resolve("absent").toFile()).mode(SeccompMode.ENFORCE).start());
        assertEquals("cannot start job: open(" + temp.resolve("absent") + ") for fd 0 failed: ENOENT (No such file or directory)",
                missing.getMessage());

        Path unreadable = Files.writeString(temp.resolve("unreadable"), "x");
        Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
        boolean root = "0".equals(Jobs.statusField(Jobs.readOwnStatus(), "Uid").split("\\s+")[1]);
        if (!root) {
            IOException denied = assertThrows(IOException.class, () -> new SeccompProcessBuilder("/bin/cat")
                    .redirectInput(unreadable.toFile()).mode(SeccompMode.ENFORCE).start());
            assertTrue(denied.getMessage().endsWith("failed: EACCES (Permission denied)"), denied.getMessage());
        }
        IOException directory = assertThrows(IOException.class, () -> new SeccompProcessBuilder("/bin/cat")
                .redirectOutput(temp.toFile()).mode(SeccompMode.ENFORCE).start());
        assertTrue(directory.getMessage().endsWith("for fd 1 failed: EISDIR (Is a directory)"), directory.getMessage());
        assertEquals(List.of(), Jobs.zombieChildren());
    }

    @Test
    void invalidProgramFailsClosed() throws Exception {
        // A policy that denies execve: the filter installs, and execve itself is refused.
        SyscallPolicy noExec = SyscallPolicy.builder().name("no-exec").defaultAction(Action.ALLOW)
                .rule("execve", Action.errno(Errno.EPERM)).build();
        IOException error = assertThrows(IOException.class,
                () -> new SeccompProcessBuilder("/bin/true").policy(noExec).mode(SeccompMode.ENFORCE).start());
        assertEquals("cannot start job: execve(/bin/true) failed: EPERM (Operation not permitted);"
                + " the policy no-exec does not allow execve", error.getMessage());
        assertEquals(List.of(), Jobs.zombieChildren());
    }

    @Test
    void exitCodeComesThrough() throws Exception {
        assertEquals(7, Jobs.shell("exit 7").exitValue);
        assertEquals(0, Jobs.shell("true").exitValue);
    }

    @Test
    void signalDeathIsReportedAs128PlusSignal() throws Exception {
        Jobs.Result result = Jobs.shell("kill -TERM $$");
        assertEquals(143, result.exitValue);
        assertEquals(15, result.process.terminatingSignal().getAsInt());
        assertFalse(result.process.killedBySeccomp());
    }

    @Test
    void x32SyscallIsKilledBySigsys() throws Exception {
        Jobs.Result result = Jobs.enforce(Jobs.probe("escape").toString(), "getpid", "x32_getpid");
        assertEquals(128 + 31, result.exitValue, result.toString());
        assertTrue(result.process.killedBySeccomp());
        assertEquals(List.of("getpid 0 OK"), result.lines());
    }

    @Test
    void streamsEnvironmentAndDirectoryBehaveLikeProcessBuilder() throws Exception {
        SeccompProcessBuilder builder = new SeccompProcessBuilder("sh", "-c", "cat; echo \"$GREETING\"; pwd; echo err >&2")
                .directory(temp.toFile())
                .mode(SeccompMode.ENFORCE);
        builder.environment().put("GREETING", "hello from env");
        Process process = builder.start();
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write("from stdin\n".getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

        assertEquals(0, process.waitFor());
        assertEquals("from stdin\nhello from env\n" + temp.toRealPath() + "\n", out);
        assertEquals("err\n", err);
        assertFalse(process.isAlive());
        assertEquals(0, process.onExit().get().exitValue());
        assertTrue(process.pid() > 0);
    }

    @Test
    void redirectsToFilesAndErrorStreamMerge() throws Exception {
        Path input = Files.writeString(temp.resolve("in.txt"), "line one\n");
        Path output = temp.resolve("out.txt");
        Files.writeString(output, "kept\n");
        Process appended = new SeccompProcessBuilder("sh", "-c", "cat; echo to-err >&2")
                .redirectInput(input.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectErrorStream(true)
                .mode(SeccompMode.ENFORCE)
                .start();
        assertEquals(0, appended.waitFor());
        assertEquals("kept\nline one\nto-err\n", Files.readString(output));
        assertEquals(-1, appended.getInputStream().read());

        Process discarded = new SeccompProcessBuilder("sh", "-c", "echo gone")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).mode(SeccompMode.ENFORCE).start();
        assertEquals(0, discarded.waitFor());
        assertEquals(-1, discarded.getInputStream().read());
    }

    @Test
    void destroyKillsWholeProcessGroup() throws Exception {
        Path marker = temp.resolve("child-pid");
        Process process = new SeccompProcessBuilder("sh", "-c", "sleep 300 & echo $! > " + marker + "; wait")
                .mode(SeccompMode.ENFORCE).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(marker) || Files.readString(marker).isBlank()) {
            assertTrue(System.nanoTime() < deadline, "the job did not start its child");
            Thread.sleep(10);
        }
        long child = Long.parseLong(Files.readString(marker).trim());

        process.destroy();

        assertEquals(143, process.waitFor());
        long childDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)) {
            assertTrue(System.nanoTime() < childDeadline, "the job's child survived destroy()");
            Thread.sleep(10);
        }
    }

    @Test
    void waitForWithTimeoutAndInterruption() throws Exception {
        Process process = new SeccompProcessBuilder("sleep", "30").mode(SeccompMode.ENFORCE).start();
        assertFalse(process.waitFor(50, TimeUnit.MILLISECONDS));
        assertThrows(IllegalThreadStateException.class, process::exitValue);

        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, process::waitFor);
        assertTrue(process.isAlive());

        process.destroyForcibly();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        assertEquals(137, process.exitValue());
        process.destroy();
    }

    @Test
    void toHandleAndInfoDescribeTheJob() throws Exception {
        Process process = new SeccompProcessBuilder("sleep", "30").mode(SeccompMode.ENFORCE).start();
        try {
            ProcessHandle handle = process.toHandle();
            assertEquals(process.pid(), handle.pid());
            assertTrue(handle.isAlive());
            assertTrue(handle.info().command().orElse("").endsWith("sleep"), handle.info().toString());
        } finally {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    @Test
    void nulInArgumentIsRejectedBeforeSpawn() {
        IOException error = assertThrows(IOException.class,
                () -> new SeccompProcessBuilder("echo", "a\u0000b").mode(SeccompMode.ENFORCE).start());
        assertTrue(error.getMessage().contains("invalid null character"), error.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> new SeccompProcessBuilder().start());
        assertThrows(NullPointerException.class, () -> new SeccompProcessBuilder("echo", null).start());
    }

    @Test
    void inputStreamOfUnpipedStdoutIsEmpty() throws Exception {
        Process process = new SeccompProcessBuilder("true").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .mode(SeccompMode.ENFORCE).start();
        try (InputStream in = process.getInputStream()) {
            assertEquals(-1, in.read());
        }
        assertEquals(0, process.waitFor());
    }
}

package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Live tests of denial reports, AUDIT mode and kill attribution: real jobs under the real kernel,
 * judged by their output and by the report the supervisor collected.
 */
@EnabledOnOs(OS.LINUX)
class DenialReportTest {

    private static final int SIGSYS = 31;

    @BeforeAll
    static void kernelSupportsReports() {
        assumeTrue(NotificationSupervisor.instance() != null,
                "requires seccomp user notification and pidfd_getfd (Linux 5.6): "
                        + NotificationSupervisor.unsupportedReason());
    }

    private static SeccompProcessBuilder probe(String... calls) {
        List<String> command = new ArrayList<>();
        command.add(Jobs.probe("denials").toString());
        command.addAll(List.of(calls));
        return new SeccompProcessBuilder(command);
    }

    private static DenialReport report(Jobs.Result result) {
        return result.process.denials().orElseThrow(() -> new AssertionError("no denial report: " + result));
    }

    private static Denial entry(DenialReport report, String syscall) {
        return report.denials().stream().filter(denial -> denial.syscall().equals(syscall)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + syscall + " in " + report.denials()));
    }

    @Test
    void unshareAndMountGetEpermAndAreCounted() throws Exception {
        Jobs.Result result = Jobs.run(probe("unshare", "mount:2").mode(SeccompMode.ENFORCE));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of("unshare x1: -1 EPERM", "mount x2: -1 EPERM", "done"), result.lines());
        DenialReport report = report(result);
        assertEquals("unshare x1, mount x2", report.summary());
        assertEquals(3, report.totalCount());

        Denial unshare = entry(report, "unshare");
        assertEquals(272, unshare.number());
        assertEquals(Action.errno(Errno.EPERM), unshare.action());
        assertEquals(1, unshare.count());
        assertEquals(result.process.pid(), unshare.firstPid());
        assertEquals(0x4000, unshare.firstArguments()[0], "unshare's flags: CLONE_VFORK");
        assertEquals(Jobs.probe("denials").toString(), unshare.firstProgram());

        Denial mount = entry(report, "mount");
        assertEquals(165, mount.number());
        assertEquals(2, mount.count());
        assertEquals(result.process.pid(), mount.firstPid());
    }

    @Test
    void auditRunLetsCallsThroughAndListsThem() throws Exception {
        Jobs.Result result = Jobs.run(probe("unshare", "mount:2").mode(SeccompMode.AUDIT));

        assertEquals(0, result.exitValue, result.toString());
        // The errno comes from the kernel, not the filter: unshare rejects CLONE_VFORK, and the target is missing.
        assertEquals(List.of("unshare x1: -1 EINVAL", "mount x2: -1 ENOENT", "done"), result.lines());
        DenialReport report = report(result);
        assertEquals("unshare x1, mount x2", report.summary());
        assertEquals(Action.errno(Errno.EPERM), entry(report, "mount").action());
    }

    @Test
    void auditModeStillKillsX32Calls() throws Exception {
        Jobs.Result result = Jobs.run(probe("unshare", "x32").mode(SeccompMode.AUDIT));

        assertEquals(128 + SIGSYS, result.exitValue, result.toString());
        assertTrue(result.process.killedBySeccomp());
        assertTrue(result.process.killingSyscall().isEmpty(), "the kernel killed it, not the supervisor");
        assertEquals(List.of("unshare x1: -1 EINVAL"), result.lines());
        assertEquals("unshare x1", report(result).summary());
    }

    @Test
    void killRuleIsAttributedToItsSyscall() throws Exception {
        SyscallPolicy policy = SyscallPolicy.parse("policy kill-ptrace\ninclude job-default\nkill-process ptrace\n");
        Jobs.Result result = Jobs.run(probe("unshare", "ptrace", "getppid").policy(policy).mode(SeccompMode.ENFORCE));

        assertEquals(128 + SIGSYS, result.exitValue, result.toString());
        assertEquals(SIGSYS, result.process.terminatingSignal().getAsInt());
        assertTrue(result.process.killedBySeccomp());
        Denial kill = result.process.killingSyscall().orElseThrow(() -> new AssertionError("no killing syscall"));
        assertEquals("ptrace", kill.syscall());
        assertEquals(101, kill.number());
        assertEquals(Action.KILL_PROCESS, kill.action());
        // The job never returned from ptrace: the line after it is missing.
        assertEquals(List.of("unshare x1: -1 EPERM"), result.lines());
        assertEquals("unshare x1, ptrace x1", report(result).summary());
    }

    @Test
    void killRuleInAuditModeOnlyReports() throws Exception {
        SyscallPolicy policy = SyscallPolicy.parse("include job-default\nkill-process ptrace\n");
        Jobs.Result result = Jobs.run(probe("ptrace", "getppid").policy(policy).mode(SeccompMode.AUDIT));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(Action.KILL_PROCESS, entry(report(result), "ptrace").action());
        assertTrue(result.process.killingSyscall().isEmpty());
    }

    @Test
    void enosysFallbackIsNotReported() throws Exception {
        Jobs.Result result = Jobs.run(probe("openat2", "unshare").mode(SeccompMode.ENFORCE));

        assertEquals(List.of("openat2 x1: -1 ENOSYS", "unshare x1: -1 EPERM", "done"), result.lines());
        assertEquals("unshare x1", report(result).summary());
    }

    @Test
    void optingOutGivesPlainErrnoWithoutReport() throws Exception {
        Jobs.Result result = Jobs.run(probe("unshare").mode(SeccompMode.ENFORCE).reportDenials(false));

        assertEquals(List.of("unshare x1: -1 EPERM", "done"), result.lines());
        assertTrue(result.process.denials().isEmpty());
    }

    @Test
    void auditModeNeedsReports() {
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> probe("unshare").mode(SeccompMode.AUDIT).reportDenials(false).start());
        assertTrue(error.getMessage().contains("reportDenials(false)"), error.getMessage());
    }

    @Test
    void offModeHasNoReport() throws Exception {
        Jobs.Result result = Jobs.run(probe("unshare").mode(SeccompMode.OFF));

        assertEquals(List.of("unshare x1: -1 EINVAL", "done"), result.lines());
        assertTrue(result.process.denials().isEmpty());
    }

    @Test
    void denialsOfChildProcessesAreCounted() throws Exception {
        String probe = Jobs.probe("denials").toString();
        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/bin/sh", "-c",
                probe + " unshare:3 & " + probe + " unshare:4 & wait; " + probe + " mount").mode(SeccompMode.ENFORCE));

        assertEquals(0, result.exitValue, result.toString());
        DenialReport report = report(result);
        assertEquals(7, entry(report, "unshare").count());
        assertEquals(1, entry(report, "mount").count());
    }

    @Test
    void reportIsCompleteOnceJobIsGone() throws Exception {
        Jobs.Result result = Jobs.run(probe("unshare").mode(SeccompMode.ENFORCE));

        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!report(result).isComplete() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(report(result).isComplete(), "the listener did not hang up within 10 s");
    }

    @Test
    void runningJobHoldsListenerInJvmOnly() throws Exception {
        long before = openListeners();
        SeccompProcess cat = (SeccompProcess) new SeccompProcessBuilder("cat").mode(SeccompMode.ENFORCE).start();
        try {
            assertEquals(before + 1, openListeners());
        } finally {
            cat.getOutputStream().close();
            cat.waitFor();
        }
        Jobs.Result fds = Jobs.shell("ls -l /proc/self/fd/");
        assertFalse(fds.stdout.contains("seccomp"), fds.stdout);
    }

    @Test
    void failedStartsLeaveNoListenerOpen() throws Exception {
        long before = openListeners();
        for (int i = 0; i < 10; i++) {
            assertThrows(IOException.class, () -> new SeccompProcessBuilder("/no/such/program")
                    .mode(SeccompMode.ENFORCE).start());
        }
        assertEquals(List.of(), Jobs.zombieChildren());

        // The supervisor closes each listener when it hangs up, which the reaped child causes.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (openListeners() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(openListeners() <= before, "listeners open before: " + before + ", after: " + openListeners());
    }

    @Test
    void failedListenerHandOffKillsChild() throws Exception {
        byte[] program = ReportingProgram.derive(SyscallPolicy.jobDefault().program(), SeccompMode.ENFORCE).toByteArray();
        int notAnFd = 1_000_000;
        Path marker = Files.createTempDirectory("seccomp4j-handoff").resolve("ran");

        int[] result = NativeSpawn.spawnWithListener("/usr/bin/touch\0".getBytes(StandardCharsets.UTF_8),
                ("touch\0" + marker + "\0").getBytes(StandardCharsets.UTF_8), 2, new byte[0], 0, null,
                new int[] {NativeSpawn.REDIRECT_INHERIT, NativeSpawn.REDIRECT_INHERIT, NativeSpawn.REDIRECT_INHERIT},
                new byte[3][], program, new long[0], NativeSpawn.KEEP, NativeSpawn.KEEP, NativeSpawn.KEEP, null,
                notAnFd, 0, false);

        assertEquals(SpawnStep.EPOLL_CTL.code, result[NativeSpawn.RESULT_STEP]);
        assertEquals(9, result[NativeSpawn.RESULT_ERRNO], "EBADF");
        assertTrue(result[NativeSpawn.RESULT_PID] > 0, "a child was created, then killed");
        assertFalse(Files.exists(marker), "the job ran although its listener was lost");
        assertEquals(List.of(), Jobs.zombieChildren());
        Files.delete(marker.getParent());
    }

    @Test
    void concurrentJobsAreCountedExactly() throws Exception {
        int jobs = 16;
        int calls = 10_000;
        ExecutorService pool = Executors.newFixedThreadPool(jobs);
        try {
            List<Future<Jobs.Result>> results = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                results.add(pool.submit(() -> Jobs.run(probe("unshare:" + calls).mode(SeccompMode.ENFORCE), 300)));
            }
            for (Future<Jobs.Result> future : results) {
                Jobs.Result result = future.get();
                assertEquals(List.of("unshare x" + calls + ": -1 EPERM", "done"), result.lines(), result.toString());
                DenialReport report = report(result);
                assertEquals(1, report.denials().size(), report.toString());
                assertEquals(calls, entry(report, "unshare").count());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Counts this JVM's seccomp listener fds. */
    private static long openListeners() throws IOException {
        try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().contains("seccomp notify");
                } catch (IOException closed) {
                    return false;
                }
            }).count();
        }
    }
}

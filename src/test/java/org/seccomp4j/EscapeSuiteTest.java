package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Known ways out of a sandbox, each tried by a job under the job default: the escape probe
 * (src/test/resources/probes/escape.c) makes the attempt and prints its result. Each test checks
 * the exact action and that the job is otherwise intact: it goes on running, still filtered.
 *
 * <p>A denial with EPERM alone would also pass if the kernel refused the call for lack of
 * privilege. So each attempt is also run under a policy that differs from the job default only in
 * its default action, {@link #MARKER_ERRNO}: getting that errno back shows that the filter's
 * default action decided the call. Attempts that an explicit rule denies (TIOCSTI, clone3) are
 * run unfiltered instead, where they are harmless, to show that the kernel would let them through.
 */
@EnabledOnOs(OS.LINUX)
class EscapeSuiteTest {

    /** EHWPOISON: an errno no call in the escape probe returns by itself. */
    private static final int MARKER_ERRNO = 133;
    private static final String MARKER_NAME = "EHWPOISON";

    /** Lines the probe prints after an attempt when the job is still filtered and running. */
    private static final List<String> STILL_FILTERED = List.of(
            "seccomp_mode 2 OK", "no_new_privs 1 OK", "filters 1 OK", "getpid 0 OK", "alive");

    private static final SyscallPolicy MARKED_DEFAULT = SyscallPolicy.builder()
            .name("job-default-marked")
            .defaultAction(Action.errno(MARKER_ERRNO))
            .include(SyscallPolicy.jobDefault())
            .build();

    private static final int SIGSYS_EXIT = 128 + 31;

    /**
     * Both ways the job default is installed. With denial reports (the builder's default), denied
     * calls go to the JVM's supervisor through SECCOMP_RET_USER_NOTIF. Without them, the filter
     * returns the errno itself.
     */
    private static final boolean[] REPORT_SETTINGS = {true, false};

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {
        "ptrace_traceme", "ptrace_seize_parent", "ptrace_attach_sibling", "process_vm_readv",
        "mount", "umount2", "pivot_root", "chroot",
        "unshare_user", "unshare_mount", "unshare_net", "unshare_pid", "unshare_ipc", "unshare_uts",
        "unshare_cgroup", "unshare_time", "setns",
        "clone_newuser", "clone_newns", "clone_newuts", "clone_newipc", "clone_newpid", "clone_newnet",
        "clone_newcgroup", "clone_newuser_high_bits",
        "bpf", "perf_event_open", "keyctl", "add_key", "request_key",
        "kexec_load", "init_module", "finit_module", "userfaultfd", "io_uring_setup",
        "swapon", "reboot", "settimeofday", "personality_read_implies_exec",
    })
    void attemptFailsWithEperm(String attempt) throws Exception {
        for (boolean reports : REPORT_SETTINGS) {
            String configuration = configuration(reports);
            Jobs.Result result = escape(SyscallPolicy.jobDefault(), reports, attempt, "seccomp_mode", "no_new_privs",
                    "filters", "getpid");

            assertEquals(0, result.exitValue, configuration + ": " + result);
            assertEquals(attempt + " -1 EPERM", result.lines().get(0), configuration + ": " + result);
            assertEquals(STILL_FILTERED, result.lines().subList(1, result.lines().size()), configuration + ": " + result);

            Jobs.Result marked = escape(MARKED_DEFAULT, reports, attempt);
            assertEquals(List.of(attempt + " -1 " + MARKER_NAME, "alive"), marked.lines(),
                    configuration + ": the call is not decided by the default action:\n" + marked);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiocsti", "tiocsti_high_bits"})
    void tiocstiFailsWithEperm(String attempt) throws Exception {
        for (boolean reports : REPORT_SETTINGS) {
            String configuration = configuration(reports);
            Jobs.Result result = escape(SyscallPolicy.jobDefault(), reports, attempt, "tcgets", "seccomp_mode",
                    "no_new_privs", "filters", "getpid");

            assertEquals(0, result.exitValue, configuration + ": " + result);
            assertEquals(attempt + " -1 EPERM", result.lines().get(0), configuration + ": " + result);
            assertEquals("tcgets 0 OK", result.lines().get(1), configuration + ": other ioctls on the terminal must work");
            assertEquals(STILL_FILTERED, result.lines().subList(2, result.lines().size()), configuration + ": " + result);
        }

        Jobs.Result unfiltered = Jobs.run(new SeccompProcessBuilder(probe(), attempt).mode(SeccompMode.OFF));
        assertNotEquals(attempt + " -1 EPERM", unfiltered.lines().get(0),
                "the kernel itself refuses TIOCSTI here, so this test cannot see the filter's denial");
    }

    @Test
    void clone3FailsWithEnosys() throws Exception {
        Jobs.Result result = escape(SyscallPolicy.jobDefault(), "clone3", "clone_thread_flags", "seccomp_mode",
                "no_new_privs", "filters", "getpid");

        assertEquals(0, result.exitValue, result.toString());
        assertEquals("clone3 -1 ENOSYS", result.lines().get(0), result.toString());
        assertTrue(result.lines().get(1).matches("clone_thread_flags \\d+ OK"), "plain clone must still work: " + result);
        assertEquals(STILL_FILTERED, result.lines().subList(2, result.lines().size()), result.toString());

        Jobs.Result unfiltered = Jobs.run(new SeccompProcessBuilder(probe(), "clone3").mode(SeccompMode.OFF));
        assertTrue(unfiltered.lines().get(0).matches("clone3 \\d+ OK"),
                "the kernel has no clone3, so ENOSYS does not show the filter: " + unfiltered);
    }

    /** int $0x80 with i386 numbers, and x86_64 numbers with the x32 bit: the arch check kills the job. */
    @ParameterizedTest
    @ValueSource(strings = {"i386_getpid", "i386_ptrace", "x32_getpid", "x32_ptrace"})
    void otherAbiIsKilledBySigsys(String attempt) throws Exception {
        Jobs.Result result = escape(SyscallPolicy.jobDefault(), "getpid", attempt, "getpid");

        assertEquals(SIGSYS_EXIT, result.exitValue, result.toString());
        assertTrue(result.process.killedBySeccomp(), result.toString());
        assertEquals(List.of("getpid 0 OK"), result.lines(), "the job must die at the attempt");
    }

    @Test
    void setuidRootBinaryGainsNoPrivileges() throws Exception {
        assumeTrue(isRoot(), "requires root to create a setuid-root copy of a probe and run it as nobody");
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path setuidCopy = Files.copy(Paths.get(probe()), temp.resolve("escape-setuid"), StandardCopyOption.REPLACE_EXISTING);
        Files.setAttribute(setuidCopy, "unix:mode", 04755);

        Jobs.Result unfiltered = Jobs.run(new SeccompProcessBuilder(setuidCopy.toString(), "euid")
                .user(65534, 65534).directory(temp.toFile()).mode(SeccompMode.OFF));
        assumeTrue(unfiltered.lines().equals(List.of("euid 0 OK", "alive")),
                "the setuid bit has no effect on " + temp + " (nosuid mount?), so NO_NEW_PRIVS cannot be seen: "
                        + unfiltered.lines());

        Jobs.Result result = Jobs.run(new SeccompProcessBuilder(setuidCopy.toString(), "euid", "no_new_privs",
                "seccomp_mode").user(65534, 65534).directory(temp.toFile()).mode(SeccompMode.ENFORCE));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of("euid 65534 OK", "no_new_privs 1 OK", "seccomp_mode 2 OK", "alive"), result.lines());
    }

    /**
     * A job run as another user cannot open the JVM's /proc/PID/mem: the kernel requires ptrace
     * access for it, which seccomp cannot grant or deny, because open and pwrite are allowed.
     */
    @Test
    void jvmMemoryClosedToOtherUser() throws Exception {
        assumeTrue(isRoot(), "requires root to run the job as nobody");

        Jobs.Result result = Jobs.run(new SeccompProcessBuilder(probe(), "proc_mem_parent", "seccomp_mode")
                .user(65534, 65534).directory(Paths.get("/").toFile()).mode(SeccompMode.ENFORCE));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of("proc_mem_parent -1 EACCES", "seccomp_mode 2 OK", "alive"), result.lines());
    }

    /**
     * A job of the JVM's own user opens the JVM's /proc/PID/mem for writing, and so could run code
     * outside the filter. No filter can stop that. A dumpable flag of 0 on the JVM (prctl
     * PR_SET_DUMPABLE), Yama ptrace_scope 1 or more, or jobs under another uid do.
     */
    @Test
    @Disabled("NOTE: known gap: a job of the JVM's own uid can open the JVM's /proc/PID/mem read-write;"
            + " the launcher does not yet make the JVM non-dumpable")
    void jvmMemoryClosedToSameUser() throws Exception {
        Jobs.Result result = escape(SyscallPolicy.jobDefault(), "proc_mem_parent", "seccomp_mode");

        assertEquals(0, result.exitValue, result.toString());
        assertTrue(result.lines().get(0).matches("proc_mem_parent -1 (EACCES|EPERM)"), result.toString());
    }

    /** A job that adds a filter making getppid fail with EACCES runs on under both filters. */
    @ParameterizedTest
    @ValueSource(strings = {"stack_seccomp", "stack_seccomp_tsync", "stack_prctl"})
    void jobsOwnStricterFilterStacks(String attempt) throws Exception {
        for (boolean reports : REPORT_SETTINGS) {
            Jobs.Result result = escape(SyscallPolicy.jobDefault(), reports, attempt, "getppid", "ptrace_traceme",
                    "filters", "exec_true", "seccomp_mode");

            assertEquals(0, result.exitValue, configuration(reports) + ": " + result);
            assertEquals(List.of(attempt + " 0 OK", "getppid -1 EACCES", "ptrace_traceme -1 EPERM", "filters 2 OK",
                    "exec_true 0 OK", "seccomp_mode 2 OK", "alive"), result.lines(), configuration(reports));
        }
    }

    /** A JVM inside a job starts its own filtered job with seccomp4j: filters stack across both. */
    @Test
    void seccomp4jInsideJobStacksItsFilter() throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        // The inner JVM extracts the shim into its own temporary directory.
        SeccompProcessBuilder builder = new SeccompProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + temp, "-cp", System.getProperty("java.class.path"), "org.seccomp4j.cli.Main",
                "run", "--", "grep", "^Seccomp_filters:", "/proc/self/status")
                .policy(SyscallPolicy.jobDefault()).mode(SeccompMode.ENFORCE);

        Jobs.Result result = Jobs.run(builder);

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of("Seccomp_filters:\t2"), result.lines());
    }

    @ParameterizedTest
    @ValueSource(strings = {"loosen_seccomp", "loosen_prctl"})
    void permissiveFilterChangesNothing(String attempt) throws Exception {
        for (boolean reports : REPORT_SETTINGS) {
            Jobs.Result result = escape(SyscallPolicy.jobDefault(), reports, attempt, "ptrace_traceme", "mount",
                    "unshare_user", "filters", "seccomp_mode");

            assertEquals(0, result.exitValue, configuration(reports) + ": " + result);
            assertEquals(List.of(attempt + " 0 OK", "ptrace_traceme -1 EPERM", "mount -1 EPERM", "unshare_user -1 EPERM",
                    "filters 2 OK", "seccomp_mode 2 OK", "alive"), result.lines(), configuration(reports));
        }
    }

    /**
     * Without denial reports, the job may add a filter with a listener of its own. But a supervisor
     * that replies "continue" never receives a call that the job default denies.
     */
    @Test
    void supervisorCannotOverrideDenial() throws Exception {
        Jobs.Result result = escape(SyscallPolicy.jobDefault(), false, "loosen_notify", "notifications", "filters");

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of("loosen_notify -1 EPERM", "notifications 0 OK", "filters 2 OK", "alive"), result.lines());
    }

    /**
     * With denial reports the reporting program refuses a filter with a listener (EPERM), so the job
     * cannot take over its own notifications, not even once the supervisor's listener is closed.
     */
    @Test
    void listenerRejectedWithDenialReports() throws Exception {
        Jobs.Result result = escape(SyscallPolicy.jobDefault(), true, "loosen_notify", "ptrace_traceme", "filters");

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of("loosen_notify -1 EPERM", "ptrace_traceme -1 EPERM", "filters 1 OK", "alive"),
                result.lines());
    }

    /**
     * A job that kills the JVM of bin/seccomp4j leaves its filter without a listener. Its denied calls
     * then fail with ENOSYS, and it still cannot install a listener of its own to let them through.
     */
    @Test
    void jobOutlivingSupervisorCannotTakeOver() throws Exception {
        Path output = temp.resolve("after-supervisor.txt");
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        String script = "kill -9 $PPID; sleep 0.5; " + Jobs.probe("escape") + " loosen_notify ptrace_traceme > " + output;
        Process cli = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "org.seccomp4j.cli.Main", "run", "--", "sh", "-c", script)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertTrue(cli.waitFor(60, TimeUnit.SECONDS), "bin/seccomp4j did not end");
        assertEquals(137, cli.exitValue(), "the job should have killed the tool's JVM");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(output) || !Files.readString(output).contains("alive")) {
            assertTrue(System.nanoTime() < deadline, "the orphaned job did not finish");
            Thread.sleep(20);
        }
        List<String> lines = Files.readAllLines(output);
        assertEquals("loosen_notify -1 EPERM", lines.get(0), lines.toString());
        assertTrue(lines.get(1).matches("ptrace_traceme -1 (ENOSYS|EPERM)"), lines.toString());
    }

    @Test
    void filterCannotBeTurnedOff() throws Exception {
        Jobs.Result result = escape(SyscallPolicy.jobDefault(), "seccomp_disable", "no_new_privs_clear",
                "ptrace_traceme", "seccomp_mode", "no_new_privs", "filters");

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of("seccomp_disable -1 EINVAL", "no_new_privs_clear -1 EINVAL", "ptrace_traceme -1 EPERM",
                "seccomp_mode 2 OK", "no_new_privs 1 OK", "filters 1 OK", "alive"), result.lines());
    }

    @Test
    void deniedAttemptsInOneJobLeaveItRunning() throws Exception {
        Jobs.Result result = escape(SyscallPolicy.jobDefault(), "ptrace_traceme", "mount", "unshare_user", "bpf",
                "clone3", "tiocsti", "exec_true", "seccomp_mode");

        assertEquals(0, result.exitValue, result.toString());
        assertEquals(List.of("ptrace_traceme -1 EPERM", "mount -1 EPERM", "unshare_user -1 EPERM", "bpf -1 EPERM",
                "clone3 -1 ENOSYS", "tiocsti -1 EPERM", "exec_true 0 OK", "seccomp_mode 2 OK", "alive"), result.lines());
        assertFalse(result.process.killedBySeccomp());
    }

    /** Runs the escape probe with the builder's defaults, which include denial reports. */
    private static Jobs.Result escape(SyscallPolicy policy, String... attempts) throws Exception {
        return escape(policy, true, attempts);
    }

    private static Jobs.Result escape(SyscallPolicy policy, boolean reportDenials, String... attempts) throws Exception {
        String[] command = new String[attempts.length + 1];
        command[0] = probe();
        System.arraycopy(attempts, 0, command, 1, attempts.length);
        return Jobs.run(new SeccompProcessBuilder(command).policy(policy).reportDenials(reportDenials)
                .mode(SeccompMode.ENFORCE));
    }

    private static String configuration(boolean reportDenials) {
        return reportDenials ? "with denial reports" : "without denial reports";
    }

    private static String probe() {
        return Jobs.probe("escape").toString();
    }

    private static boolean isRoot() throws Exception {
        return "0".equals(Jobs.statusField(Jobs.readOwnStatus(), "Uid").split("\\s+")[1]);
    }
}

package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live tests of {@link SeccompProcessBuilder#user}: the job runs as nobody (65534) with the groups
 * the builder names. Changing ids needs root, so those tests skip without it; CI runs as root.
 */
@EnabledOnOs(OS.LINUX)
class CredentialsTest {

    private static final int NOBODY = 65534;
    private static final int NOGROUP = 65534;
    private static final int USERS = 100;
    /** A uid no account uses, so that no other process counts against its RLIMIT_NPROC. */
    private static final int UNUSED_UID = 64999;
    /** NGROUPS_MAX of Linux since 2.6.4 (linux/limits.h). */
    private static final int NGROUPS_MAX = 65536;

    @TempDir
    Path temp;

    private static boolean isRoot() {
        return Posix.POSIX.geteuid() == 0;
    }

    private static void assumeRoot() {
        assumeTrue(isRoot(), "requires root (CAP_SETUID and CAP_SETGID) to run a job as another user;"
                + " this JVM runs as uid " + Posix.POSIX.geteuid());
    }

    @Test
    void jobRunsAsNobodyWithNamedGroups() throws Exception {
        assumeRoot();

        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/bin/cat", "/proc/self/status")
                .user(NOBODY, NOGROUP, NOGROUP, USERS)
                .mode(SeccompMode.ENFORCE));

        assertEquals(0, result.exitValue, result.toString());
        assertEquals("65534\t65534\t65534\t65534", Jobs.statusField(result.stdout, "Uid"), "real, effective, saved, fs");
        assertEquals("65534\t65534\t65534\t65534", Jobs.statusField(result.stdout, "Gid"));
        assertEquals("100 65534", Jobs.statusField(result.stdout, "Groups"));
        assertEquals("0000000000000000", Jobs.statusField(result.stdout, "CapEff"), "no capabilities left");
        // The ids changed although job-default denies setuid, setgid and setgroups: the shim changes
        // them before it installs the filter.
        assertEquals("2", Jobs.statusField(result.stdout, "Seccomp"));
        assertEquals("1", Jobs.statusField(result.stdout, "NoNewPrivs"));
    }

    @Test
    void noGroupsMeansNoSupplementaryGroups() throws Exception {
        assumeRoot();

        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/bin/cat", "/proc/self/status")
                .user(NOBODY, NOGROUP)
                .mode(SeccompMode.ENFORCE));

        assertEquals("", Jobs.statusField(result.stdout, "Groups"));
    }

    @Test
    void nobodyCannotReadRootOnlyFile() throws Exception {
        assumeRoot();
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path secret = Files.writeString(temp.resolve("secret"), "root only\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));

        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/bin/cat", secret.toString())
                .user(NOBODY, NOGROUP)
                .mode(SeccompMode.ENFORCE));

        assertEquals(1, result.exitValue, result.toString());
        assertTrue(result.stderr.contains("Permission denied"), result.toString());
        assertEquals("", result.stdout);
    }

    @Test
    void droppedJobCannotRegainRoot() throws Exception {
        assumeRoot();
        // Even a policy that allows the id calls cannot give root back: all three uids are nobody's.
        SyscallPolicy allowsIdCalls = SyscallPolicy.builder().name("allows-id-calls").include(SyscallPolicy.jobDefault())
                .allow("setuid", "setresuid", "setreuid", "setgid", "setresgid", "setgroups").build();

        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/usr/bin/perl", "-e",
                "$< = 0; print \"real $< $!\\n\"; $> = 0; print \"effective $> $!\\n\"")
                .user(NOBODY, NOGROUP)
                .policy(allowsIdCalls)
                .mode(SeccompMode.ENFORCE));

        assertEquals(List.of("real 65534 Operation not permitted", "effective 65534 Operation not permitted"),
                result.lines(), result.toString());
    }

    @Test
    void hardLimitBindsAfterTheDrop() throws Exception {
        assumeRoot();

        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/bin/sh", "-c", "ulimit -n; ulimit -n 128 && echo raised; ulimit -n")
                .user(NOBODY, NOGROUP)
                .limit(ResourceLimit.NOFILE, 64, 64)
                .mode(SeccompMode.ENFORCE));

        assertEquals(List.of("64", "64"), result.lines(), result.toString());
        assertTrue(result.stderr.contains("Operation not permitted"), result.toString());
    }

    @Test
    void nprocLimitStopsForkOfDroppedJob() throws Exception {
        assumeRoot();

        // The job is the only process of the unused uid, so a limit of 1 leaves no room for a child.
        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/usr/bin/perl", "-e",
                "my $pid = fork(); if (!defined $pid) { print \"fork failed: $!\\n\"; exit 0 } if ($pid == 0) { exit 0 } waitpid($pid, 0); print \"forked\\n\"")
                .user(UNUSED_UID, UNUSED_UID)
                .limit(ResourceLimit.NPROC, 1, 1)
                .mode(SeccompMode.ENFORCE));

        assertEquals(List.of("fork failed: Resource temporarily unavailable"), result.lines(), result.toString());
    }

    @Test
    void failedCredentialChangeStartsNothing() throws Exception {
        Leaks.startFirstJob();
        Map<Integer, String> fdsBefore = Leaks.openFds();
        // Without root setgroups fails with EPERM; with root, a list longer than NGROUPS_MAX fails with EINVAL.
        int[] groups = new int[isRoot() ? NGROUPS_MAX + 1 : 1];

        IOException error = assertThrows(IOException.class, () -> new SeccompProcessBuilder("/bin/true")
                .user(NOBODY, NOGROUP, groups)
                .mode(SeccompMode.ENFORCE)
                .start());

        String errno = isRoot() ? "EINVAL (Invalid argument)" : "EPERM (Operation not permitted)";
        assertEquals("cannot start job: setgroups failed: " + errno, error.getMessage());
        assertEquals(0, Leaks.unreapedChild(), "a zombie is left");
        assertEquals(List.of(), ProcTable.children(), "children of the JVM");
        assertEquals(fdsBefore, Leaks.awaitOpenFds(fdsBefore), "open fds");
    }
}

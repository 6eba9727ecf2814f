package org.seccomp4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.seccomp4j.SyscallPolicy;

/**
 * Live tests of the command-line tool's denial reports: the summary line, --quiet, --audit, the
 * kill message, and learn followed by an enforced run of the learned policy.
 */
@EnabledOnOs(OS.LINUX)
class DenialCliTest {

    /** unshare(CLONE_VFORK) once and mount with null pointers twice; both fail harmlessly when let through. */
    private static final String PERL_UNSHARE_MOUNT = "syscall(272, 0x4000); syscall(165, 0, 0, 0, 0, 0) for 1 .. 2";

    /**
     * A python3 workload that needs two syscalls job-default denies: unshare(0), which does
     * nothing, must succeed, and mount on a missing target must fail with ENOENT, not EPERM.
     */
    private static final String PYTHON_WORKLOAD = String.join("\n",
            "import ctypes, sys",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "if libc.syscall(272, 0) != 0:",
            "    sys.exit('unshare(0) failed with errno %d' % ctypes.get_errno())",
            "if libc.mount(b'none', b'/nonexistent-seccomp4j-target', b'tmpfs', 0, None) == 0 or ctypes.get_errno() != 2:",
            "    sys.exit('mount did not fail with ENOENT but errno %d' % ctypes.get_errno())",
            "print('workload ok')",
            "");

    @TempDir
    Path temp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int execute(String... args) {
        out.reset();
        err.reset();
        return new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .execute(args);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void runPrintsOneLineOfDenials() {
        assertEquals(0, execute("run", "--", "perl", "-e", PERL_UNSHARE_MOUNT));
        assertEquals(List.of("seccomp4j: denied 3 syscalls: unshare x1, mount x2"), err().lines().toList());
    }

    @Test
    void quietRunPrintsNothing() {
        assertEquals(0, execute("run", "--quiet", "--", "perl", "-e", PERL_UNSHARE_MOUNT));
        assertEquals("", err());
    }

    @Test
    void runWithoutDenialsPrintsNothing() {
        assertEquals(0, execute("run", "--", "true"));
        assertEquals("", err());
    }

    @Test
    void auditRunPrintsWhatWouldBeDenied() {
        assertEquals(0, execute("run", "--audit", "--", "perl", "-e", PERL_UNSHARE_MOUNT));
        assertEquals(List.of("seccomp4j: audit: policy job-default would deny 3 syscalls: unshare x1, mount x2"),
                err().lines().toList());
    }

    @Test
    void offAndAuditExcludeEachOther() {
        assertEquals(Main.USAGE_ERROR, execute("run", "--off", "--audit", "--", "true"));
        assertTrue(err().contains("--off and --audit exclude each other"), err());
    }

    @Test
    void killMessageNamesSyscallAndPolicy() throws IOException {
        Path policy = Files.writeString(temp.resolve("kill.policy"), "policy kill-ptrace\ninclude job-default\nkill-process ptrace\n");
        assertEquals(128 + 31, execute("run", "--policy", policy.toString(), "--", "perl", "-e", "syscall(101, 0, 0, 0, 0)"));
        assertEquals(List.of("seccomp4j: job killed: syscall ptrace (101) is denied by policy kill-ptrace",
                "seccomp4j: denied 1 syscall: ptrace x1"), err().lines().toList());
    }

    @Test
    void learnedPolicyRunsPythonWorkloadWithoutDenials() throws IOException {
        Path script = Files.writeString(temp.resolve("workload.py"), PYTHON_WORKLOAD);
        Path learned = temp.resolve("job.policy");

        // Under job-default the workload fails, so the learned lines are what makes it pass.
        assertEquals(1, execute("run", "--", "python3", script.toString()));
        assertEquals(List.of("seccomp4j: denied 1 syscall: unshare x1"), err().lines().toList());

        assertEquals(0, execute("learn", "-o", learned.toString(), "--base", "job-default", "--",
                "python3", script.toString()));
        assertTrue(err().contains("wrote " + learned + ": policy job-default plus 2 syscalls: unshare, mount"), err());
        String text = Files.readString(learned);
        assertTrue(text.contains("\ninclude job-default\n"), text);
        List<String> added = text.lines().filter(line -> line.startsWith("allow ")).toList();
        assertEquals(2, added.size(), text);
        assertTrue(added.get(0).matches("allow unshare +# 1 call, first by /\\S*python3\\S*"), added.get(0));
        assertTrue(added.get(1).matches("allow mount +# 1 call, first by /\\S*python3\\S*"), added.get(1));
        SyscallPolicy policy = SyscallPolicy.read(learned);
        assertTrue(policy.actionFor("unshare").permits());

        assertEquals(0, execute("run", "--policy", learned.toString(), "--", "python3", script.toString()));
        assertEquals("", err(), "the enforced run reported denials");
    }

    @Test
    void learnReplacesBaseRulesOfAddedSyscall() throws IOException {
        Path base = Files.writeString(temp.resolve("base.policy"), "policy strict\ninclude job-default\nerrno(EACCES) unshare\n");
        Path learned = temp.resolve("learned.policy");

        assertEquals(0, execute("learn", "-o", learned.toString(), "--base", base.toString(), "--",
                "perl", "-e", "syscall(272, 0x4000)"));
        String text = Files.readString(learned);
        assertFalse(text.contains("include"), text);
        assertFalse(text.contains("\nerrno(EACCES) unshare\n"), text);
        assertTrue(text.contains("# 1 call, first by /usr/bin/perl; replaces: errno(EACCES) unshare\n"), text);
        SyscallPolicy policy = SyscallPolicy.read(learned);
        assertTrue(policy.actionFor("unshare").permits());
        assertEquals(SyscallPolicy.jobDefault().actionFor("clone", 0x10000000L), policy.actionFor("clone", 0x10000000L));
    }

    @Test
    void learnNeedsOutputFile() {
        assertEquals(Main.USAGE_ERROR, execute("learn", "--", "true"));
        assertTrue(err().contains("learn: missing -o FILE"), err());
    }
}

package org.seccomp4j.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.seccomp4j.Action;
import org.seccomp4j.BpfSimulator;
import org.seccomp4j.SeccompData;
import org.seccomp4j.SyscallPolicy;
import org.seccomp4j.SyscallTable;

/** Docker's default profile, read for x86_64: its verdicts, checked in the model and in the program. */
class DockerDefaultProfileTest {

    static final Path PROFILE = Paths.get("src", "test", "resources", "oci", "docker-default-seccomp.json");

    private static final Action EPERM = Action.errno(1);
    private static final Action ENOSYS = Action.errno(38);

    private static final long CLONE_NEWNS = 0x00020000L;
    private static final long CLONE_NEWUSER = 0x10000000L;
    private static final long CLONE_NEWNET = 0x40000000L;
    private static final long SIGCHLD = 17;
    /** What glibc's pthread_create passes to clone. */
    private static final long THREAD_FLAGS = 0x3d0f00L;

    static SyscallPolicy read(ImportOptions options) throws IOException {
        return OciProfiles.read(PROFILE, options.withKernelVersion("6.1"));
    }

    /** Asserts the verdict of the model and of the compiled program. */
    private static void assertVerdict(Action expected, SyscallPolicy policy, String syscall, long... args) {
        int number = SyscallTable.number(syscall).orElseThrow();
        String call = syscall + java.util.Arrays.toString(args);
        assertEquals(expected, policy.actionFor(syscall, args), "model: " + call);
        assertEquals(expected, BpfSimulator.run(policy.program(), SeccompData.x86_64(number, args)).action(), "program: " + call);
    }

    @Test
    void loadsAsDefaultErrnoEpermPolicy() throws IOException {
        SyscallPolicy policy = read(ImportOptions.defaults());

        assertEquals("docker-default-seccomp", policy.name());
        assertEquals(EPERM, policy.defaultAction());
        assertTrue(policy.allowedSyscalls().size() > 300, policy.allowedSyscalls().size() + " allowed");
    }

    @ParameterizedTest
    @CsvSource({"0x00020000", "0x10000000", "0x40000000", "0x04000000", "0x08000000", "0x20000000", "0x02000000"})
    void cloneWithNamespaceFlagIsDenied(String flag) throws IOException {
        SyscallPolicy policy = read(ImportOptions.defaults());

        assertVerdict(EPERM, policy, "clone", Long.decode(flag) | SIGCHLD);
        assertVerdict(EPERM, policy, "clone", Long.decode(flag) | THREAD_FLAGS);
    }

    @Test
    void cloneWithoutNamespaceFlagsIsAllowed() throws IOException {
        SyscallPolicy policy = read(ImportOptions.defaults());

        assertVerdict(Action.ALLOW, policy, "clone", SIGCHLD);
        assertVerdict(Action.ALLOW, policy, "clone", THREAD_FLAGS);
        assertVerdict(Action.ALLOW, policy, "fork");
    }

    @Test
    void personalityIsAllowedOnlyWithListedValues() throws IOException {
        SyscallPolicy policy = read(ImportOptions.defaults());

        for (long persona : new long[] {0, 8, 0x20000, 0x20008, 0xffffffffL}) {
            assertVerdict(Action.ALLOW, policy, "personality", persona);
        }
        // READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, PER_BSD, others, and a listed value with high bits set.
        for (long persona : new long[] {0x0400000, 0x0040000, 0x6, 1, 0xfffffffeL, 0x100000008L}) {
            assertVerdict(EPERM, policy, "personality", persona);
        }
    }

    @Test
    void socketWithAfVsockIsDenied() throws IOException {
        SyscallPolicy policy = read(ImportOptions.defaults());

        assertVerdict(EPERM, policy, "socket", 40, 1, 0);
        assertVerdict(EPERM, policy, "socket", 38, 5, 0);
        assertVerdict(Action.ALLOW, policy, "socket", 2, 1, 0);
        assertVerdict(Action.ALLOW, policy, "socket", 39, 1, 0);
        assertVerdict(Action.ALLOW, policy, "socket", 41, 1, 0);
    }

    @Test
    void clone3GetsEnosys() throws IOException {
        SyscallPolicy policy = read(ImportOptions.defaults());

        assertVerdict(ENOSYS, policy, "clone3", 0, 88);
    }

    @Test
    void namespaceAndAdminSyscallsAreDenied() throws IOException {
        SyscallPolicy policy = read(ImportOptions.defaults());

        for (String syscall : List.of("unshare", "setns", "mount", "umount2", "pivot_root", "bpf", "chroot",
                "init_module", "reboot", "settimeofday", "open_by_handle_at", "perf_event_open", "kexec_load",
                "io_uring_setup", "keyctl", "add_key", "userfaultfd")) {
            assertVerdict(EPERM, policy, syscall);
        }
        for (String syscall : List.of("read", "execve", "arch_prctl", "modify_ldt", "getrandom", "memfd_create")) {
            assertVerdict(Action.ALLOW, policy, syscall);
        }
    }

    @Test
    void ptraceNeedsKernel48() throws IOException {
        assertVerdict(Action.ALLOW, read(ImportOptions.defaults()), "ptrace", 0);
        assertVerdict(EPERM, OciProfiles.read(PROFILE, ImportOptions.defaults().withKernelVersion("4.4")), "ptrace", 0);
        assertVerdict(Action.ALLOW, OciProfiles.read(PROFILE, ImportOptions.defaults().withKernelVersion("4.8")), "ptrace", 0);
    }

    @Test
    void capSysAdminAllowsNamespacesAndClone3() throws IOException {
        SyscallPolicy policy = read(ImportOptions.defaults().withCapabilities("CAP_SYS_ADMIN"));

        assertVerdict(Action.ALLOW, policy, "clone", CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | SIGCHLD);
        assertVerdict(Action.ALLOW, policy, "clone3", 0, 88);
        assertVerdict(Action.ALLOW, policy, "unshare", CLONE_NEWUSER);
        assertVerdict(Action.ALLOW, policy, "mount");
        assertVerdict(EPERM, policy, "reboot");
    }

    @Test
    void capabilitiesAddOnlyTheirOwnSyscalls() throws IOException {
        SyscallPolicy policy = read(ImportOptions.defaults().withCapabilities("sys_chroot", "CAP_SYS_PTRACE"));

        assertVerdict(Action.ALLOW, policy, "chroot");
        assertVerdict(Action.ALLOW, policy, "kcmp");
        assertVerdict(EPERM, policy, "unshare");
        assertVerdict(ENOSYS, policy, "clone3");
    }

    /**
     * Every x86_64 name of an entry that applies without capabilities gets the entry's verdict,
     * and every name that only entries needing a capability list is denied.
     */
    @Test
    void everyListedSyscallGetsItsEntrysVerdict() throws IOException {
        SyscallPolicy policy = read(ImportOptions.defaults());
        JsonNode profile = new ObjectMapper().readTree(PROFILE.toFile());

        List<String> unconditionallyAllowed = new ArrayList<>();
        List<String> capabilityOnly = new ArrayList<>();
        for (JsonNode entry : profile.get("syscalls")) {
            JsonNode includes = entry.path("includes");
            boolean needsCapability = includes.has("caps");
            boolean otherArch = includes.has("arches") && !includes.get("arches").toString().contains("\"amd64\"");
            if (entry.has("args") || entry.has("excludes") || otherArch
                    || !entry.get("action").asText().equals("SCMP_ACT_ALLOW")) {
                continue;
            }
            for (JsonNode name : entry.get("names")) {
                (needsCapability ? capabilityOnly : unconditionallyAllowed).add(name.asText());
            }
        }
        capabilityOnly.removeAll(unconditionallyAllowed);
        capabilityOnly.removeAll(List.of("clone", "clone3", "personality", "socket"));

        int checked = 0;
        for (String name : unconditionallyAllowed) {
            Optional<Integer> number = SyscallTable.number(name);
            if (number.isPresent()) {
                assertVerdict(Action.ALLOW, policy, name);
                checked++;
            }
        }
        for (String name : capabilityOnly) {
            if (SyscallTable.number(name).isPresent()) {
                assertVerdict(EPERM, policy, name);
                checked++;
            }
        }
        assertTrue(checked > 300, checked + " syscalls checked");
    }

    @Test
    void strictImportRejectsThirtyTwoBitNames() {
        InvalidProfileException error = assertThrows(InvalidProfileException.class,
                () -> read(ImportOptions.defaults().withStrict(true)));

        assertTrue(error.getMessage().startsWith(PROFILE + ": syscalls[0].names["), error.getMessage());
        assertTrue(error.getMessage().contains("unknown syscall 'chown32' on x86_64"), error.getMessage());
    }

    @Test
    void unknownSyscallNamesAreSkipped() throws IOException {
        SyscallPolicy policy = read(ImportOptions.defaults());

        assertTrue(SyscallTable.number("chown32").isEmpty());
        assertVerdict(Action.ALLOW, policy, "chown");
        assertVerdict(Action.ALLOW, policy, "fchown");
    }

    @Test
    void readsBackEqualAfterExport() throws IOException {
        SyscallPolicy policy = read(ImportOptions.defaults());

        SyscallPolicy again = OciProfiles.parse(OciProfiles.toJson(policy));

        assertEquals(policy, again);
        Verdicts.assertSameVerdicts(policy, again);
    }
}

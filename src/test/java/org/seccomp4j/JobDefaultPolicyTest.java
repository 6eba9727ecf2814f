package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobDefaultPolicyTest {

    static final List<String> EXCLUDED = List.of("ptrace", "mount", "umount2", "bpf", "unshare", "setns",
            "pivot_root", "chroot", "init_module", "finit_module", "delete_module", "kexec_load",
            "kexec_file_load", "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd",
            "io_uring_setup", "io_uring_enter", "io_uring_register", "reboot", "swapon", "swapoff", "acct",
            "settimeofday", "clock_settime", "process_vm_readv", "process_vm_writev", "clone3");

    private final SyscallPolicy policy = SyscallPolicy.jobDefault();

    @Test
    void allowlistIsSortedUniqueAndSized() {
        int[] numbers = policy.allowedSyscallNumbers();
        for (int i = 1; i < numbers.length; i++) {
            assertTrue(numbers[i - 1] < numbers[i], "not ascending at " + i);
        }
        List<String> names = policy.allowedSyscalls();
        assertEquals(names.size(), new HashSet<>(names).size());
        assertTrue(names.size() >= 120, "allowlist has " + names.size() + " syscalls");
        assertTrue(names.size() <= 200, "allowlist has " + names.size() + " syscalls");
    }

    @Test
    void exclusionListIsNotAllowed() {
        for (String syscall : EXCLUDED) {
            assertFalse(policy.allowedSyscalls().contains(syscall), syscall + " is allowed");
            assertFalse(policy.actionFor(syscall).permits(), syscall + " is permitted");
        }
    }

    @Test
    void essentialSyscallsAreAllowed() {
        for (String syscall : List.of("ioctl", "mmap", "mprotect", "socket", "connect", "execve", "clone",
                "fork", "vfork", "wait4", "waitid", "futex", "madvise", "mremap")) {
            assertTrue(policy.allowedSyscalls().contains(syscall), syscall + " is not allowed");
        }
    }

    @Test
    void everyUnconditionalAllowHasReason() {
        for (Rule rule : policy.rules()) {
            if (rule.action().equals(Action.ALLOW) && !rule.isConditional() && !rule.syscallName().equals("ioctl")) {
                String reason = JobDefaultPolicy.reason(rule.syscallName());
                assertNotNull(reason, rule.syscallName() + " has no reason");
                assertFalse(reason.isBlank(), rule.syscallName());
            }
        }
    }

    @Test
    void defaultActionIsEperm() {
        assertEquals(Action.errno(Errno.EPERM), policy.defaultAction());
        assertEquals("job-default", policy.name());
    }
}

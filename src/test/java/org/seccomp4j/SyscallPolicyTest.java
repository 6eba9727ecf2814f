package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SyscallPolicyTest {

    @Test
    void allowlistIsSortedByNumberWithoutRepeats() {
        SyscallPolicy policy = SyscallPolicy.builder()
                .allow("write", "read", "write")
                .allow(39)
                .rule("ioctl", Action.ALLOW, ArgCondition.equalTo(1, 0x541b))
                .build();

        assertEquals(List.of("read", "write", "ioctl", "getpid"), policy.allowedSyscalls());
        assertArrayEquals(new int[] {0, 1, 16, 39}, policy.allowedSyscallNumbers());
    }

    @Test
    void unknownNameIsRejectedWithSuggestion() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> SyscallPolicy.builder().allow("exceve"));
        assertTrue(error.getMessage().contains("did you mean 'execve'?"), error.getMessage());
    }

    @Test
    void numberOutsideTableIsRejected() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> SyscallPolicy.builder().allow(400));
        assertTrue(error.getMessage().contains("syscall number 400 is not in the x86_64 table"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SyscallPolicy.builder().allow(-1));
        assertThrows(IllegalArgumentException.class, () -> SyscallPolicy.builder().allow(472));
    }

    @Test
    void ruleRepeatingDefaultIsRejected() {
        SyscallPolicy.Builder builder = SyscallPolicy.builder().rule("ptrace", Action.errno(Errno.EPERM));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(error.getMessage().contains("repeats the default action errno(EPERM)"), error.getMessage());
    }

    @Test
    void conditionalRuleWithoutEffectIsRejected() {
        SyscallPolicy.Builder builder = SyscallPolicy.builder()
                .allow("ioctl")
                .rule("ioctl", Action.ALLOW, ArgCondition.equalTo(1, 1));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(error.getMessage().contains("has no effect"), error.getMessage());
    }

    @Test
    void conflictingRulesAreRejected() {
        SyscallPolicy.Builder builder = SyscallPolicy.builder()
                .allow("ptrace")
                .rule("ptrace", Action.KILL_PROCESS);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, builder::build);
        assertEquals("conflicting rules for syscall ptrace (101): 'allow ptrace' and 'kill-process ptrace'",
                error.getMessage());
    }

    @Test
    void conflictingConditionalRulesAreRejected() {
        SyscallPolicy.Builder builder = SyscallPolicy.builder()
                .rule("ioctl", Action.ALLOW, ArgCondition.equalTo(1, 5), ArgCondition.equalTo(0, 1))
                .rule("ioctl", Action.KILL_PROCESS, ArgCondition.equalTo(0, 1), ArgCondition.equalTo(1, 5));
        assertThrows(IllegalArgumentException.class, builder::build);
    }

    @Test
    void identicalRulesAreMerged() {
        SyscallPolicy policy = SyscallPolicy.builder().allow("read").allow("read").build();
        assertEquals(1, policy.rules().size());
    }

    @Test
    void argumentIndexOutsideSixIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ArgCondition.equalTo(6, 0));
        assertThrows(IllegalArgumentException.class, () -> ArgCondition.equalTo(-1, 0));
    }

    @Test
    void maskedValueOutsideMaskIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ArgCondition.maskedEquals(0, 0xff, 0x100));
    }

    @Test
    void conditionalRulesAreTriedInOrder() {
        SyscallPolicy policy = SyscallPolicy.builder()
                .rule("ioctl", Action.KILL_PROCESS, ArgCondition.equalTo(1, 7))
                .rule("ioctl", Action.ALLOW, ArgCondition.of(1, ArgCondition.Op.LT, 100))
                .build();

        assertEquals(Action.KILL_PROCESS, policy.actionFor("ioctl", 0, 7));
        assertEquals(Action.ALLOW, policy.actionFor("ioctl", 0, 8));
        assertEquals(Action.errno(Errno.EPERM), policy.actionFor("ioctl", 0, 100));
    }

    @Test
    void policiesWithSameRulesAreEqual() {
        SyscallPolicy first = SyscallPolicy.builder().name("a").allow("read", "write").build();
        SyscallPolicy second = SyscallPolicy.builder().name("b").allow("write").allow("read").build();
        SyscallPolicy third = SyscallPolicy.builder().allow("read").build();

        assertEquals(first, second);
        assertEquals(first.hashCode(), second.hashCode());
        assertNotEquals(first, third);
    }

    @Test
    void groupsAddTheirSyscalls() {
        SyscallPolicy policy = SyscallPolicy.builder()
                .include(SyscallPolicy.jobDefault())
                .allowGroup("mpi-cma")
                .allowGroup("debug")
                .allowGroup("io-uring")
                .build();

        for (String syscall : List.of("process_vm_readv", "process_vm_writev", "ptrace", "perf_event_open",
                "io_uring_setup", "io_uring_enter", "io_uring_register")) {
            assertEquals(Action.ALLOW, policy.actionFor(syscall), syscall);
        }
        assertThrows(IllegalArgumentException.class, () -> SyscallPolicy.builder().allowGroup("no-such-group"));
    }

    @Test
    void actionTextRoundTrips() {
        for (Action action : List.of(Action.ALLOW, Action.errno(1), Action.errno(38), Action.KILL_PROCESS,
                Action.KILL_THREAD, Action.TRAP, Action.LOG, Action.USER_NOTIF)) {
            assertEquals(action, Action.parse(action.toString()), action.toString());
            assertEquals(action, Action.fromReturnValue(action.returnValue()), action.toString());
        }
        assertEquals("errno(ENOSYS)", Action.errno(38).toString());
        assertEquals(0x00050001, Action.errno(1).returnValue());
        assertEquals(0x7fff0000, Action.ALLOW.returnValue());
        assertEquals(0x80000000, Action.KILL_PROCESS.returnValue());
    }
}

package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The reporting program, run in the simulator against the policy's own program. It must notify
 * exactly where the original returns a reported action. Everywhere else it must return the
 * original's action, including the kills of another arch and of the x32 ABI.
 */
class ReportingProgramTest {

    private static final SyscallPolicy MIXED = SyscallPolicy.parse(String.join("\n",
            "policy mixed",
            "include job-default",
            "kill-process ptrace",
            "kill-thread swapon",
            "trap bpf",
            "user-notif keyctl",
            "log acct",
            "errno(EACCES) mount if arg3 == 0x1000",
            "allow mount if arg3 == 0x20",
            ""));

    private static final SyscallPolicy PERMISSIVE = SyscallPolicy.parse(String.join("\n",
            "default allow",
            "errno(EPERM) unshare",
            "kill-process ptrace",
            "errno(ENOSYS) clone3",
            ""));

    @ParameterizedTest
    @EnumSource(value = SeccompMode.class, names = {"ENFORCE", "AUDIT"})
    void derivedProgramNotifiesExactlyWhereReported(SeccompMode mode) {
        for (SyscallPolicy policy : List.of(SyscallPolicy.jobDefault(), MIXED, PERMISSIVE)) {
            BpfProgram original = policy.program();
            BpfProgram derived = ReportingProgram.derive(original, mode);
            for (SeccompData data : inputs()) {
                Action expected = BpfSimulator.run(original, data).action();
                Action actual = BpfSimulator.run(derived, data).action();
                boolean guarded = data.arch() != SyscallPolicy.AUDIT_ARCH_X86_64
                        || ((data.number() & SyscallPolicy.X32_SYSCALL_BIT) != 0 && data.number() != -1);
                boolean newListener = data.number() == SECCOMP && (data.arg(1) & NEW_LISTENER) != 0;
                if (guarded) {
                    assertEquals(Action.KILL_PROCESS, actual, policy.name() + " " + describe(data));
                } else if (newListener) {
                    assertEquals(Action.errno(Errno.EPERM), actual, policy.name() + " " + describe(data));
                } else if (ReportingProgram.isReported(expected, mode)) {
                    assertEquals(Action.USER_NOTIF, actual, policy.name() + " " + describe(data));
                } else {
                    assertEquals(expected, actual, policy.name() + " " + describe(data));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = SeccompMode.class, names = {"ENFORCE", "AUDIT"})
    void reportedActionsPerMode(SeccompMode mode) {
        assertTrue(ReportingProgram.isReported(Action.errno(Errno.EPERM), mode));
        assertTrue(ReportingProgram.isReported(Action.errno(Errno.EINVAL), mode));
        assertTrue(!ReportingProgram.isReported(Action.errno(Errno.ENOSYS), mode));
        assertTrue(ReportingProgram.isReported(Action.KILL_PROCESS, mode));
        assertTrue(ReportingProgram.isReported(Action.USER_NOTIF, mode));
        assertEquals(mode == SeccompMode.AUDIT, ReportingProgram.isReported(Action.KILL_THREAD, mode));
        assertEquals(mode == SeccompMode.AUDIT, ReportingProgram.isReported(Action.TRAP, mode));
        assertTrue(!ReportingProgram.isReported(Action.ALLOW, mode));
        assertTrue(!ReportingProgram.isReported(Action.LOG, mode));
    }

    @ParameterizedTest
    @EnumSource(value = SeccompMode.class, names = {"ENFORCE", "AUDIT"})
    void derivedProgramAddsElevenInstructions(SeccompMode mode) {
        BpfProgram original = SyscallPolicy.jobDefault().program();
        assertEquals(original.size() + 11, ReportingProgram.derive(original, mode).size());
    }

    /** Once the supervisor's listener is gone, a job must not install a listener of its own. */
    @ParameterizedTest
    @EnumSource(value = SeccompMode.class, names = {"ENFORCE", "AUDIT"})
    void secondListenerIsRefused(SeccompMode mode) {
        BpfProgram derived = ReportingProgram.derive(SyscallPolicy.jobDefault().program(), mode);
        long setModeFilter = 1;
        for (long flags : new long[] {NEW_LISTENER, NEW_LISTENER | 1, 0xffffffffL, NEW_LISTENER | 0x100000000L}) {
            assertEquals(Action.errno(Errno.EPERM),
                    BpfSimulator.run(derived, SeccompData.x86_64(SECCOMP, setModeFilter, flags)).action(), "flags " + flags);
        }
        for (long flags : new long[] {0, 1, 0x100000000L}) {
            assertEquals(Action.ALLOW,
                    BpfSimulator.run(derived, SeccompData.x86_64(SECCOMP, setModeFilter, flags)).action(), "flags " + flags);
        }
    }

    private static final int SECCOMP = 317;
    private static final long NEW_LISTENER = 1 << 3;

    @ParameterizedTest
    @EnumSource(value = SeccompMode.class, names = {"ENFORCE", "AUDIT"})
    void programReturningAccumulatorIsRejected(SeccompMode mode) {
        BpfProgram returnsA = new BpfProgram(List.of(
                BpfInstruction.statement(BpfInstruction.BPF_LD | BpfInstruction.BPF_W | BpfInstruction.BPF_ABS, 0),
                BpfInstruction.statement(BpfInstruction.BPF_RET | BpfInstruction.BPF_A, 0)));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ReportingProgram.derive(returnsA, mode));
        assertTrue(error.getMessage().contains("accumulator"), error.getMessage());
    }

    /** Returns inputs for every number of the table and just past it, -1, x32 and i386 calls, with random arguments. */
    private static List<SeccompData> inputs() {
        Random random = new Random(5);
        List<SeccompData> inputs = new ArrayList<>();
        int max = SyscallTable.maxNumber();
        for (int nr = 0; nr <= max + 3; nr++) {
            inputs.add(SeccompData.x86_64(nr));
            for (int i = 0; i < 4; i++) {
                inputs.add(SeccompData.x86_64(nr, random.nextLong(), random.nextLong(), random.nextLong(),
                        random.nextBoolean() ? 0x1000 : 0x20, random.nextLong(), random.nextLong()));
            }
        }
        for (long flags : new long[] {0, 0x10000000, 0x7e020000, 0x00011200}) {
            inputs.add(SeccompData.x86_64(SyscallTable.requireNumber("clone"), flags));
        }
        inputs.add(SeccompData.x86_64(SyscallTable.requireNumber("ioctl"), 1, 0x5412));
        inputs.add(SeccompData.x86_64(-1));
        inputs.add(SeccompData.x86_64(SyscallPolicy.X32_SYSCALL_BIT | 39));
        inputs.add(SeccompData.x86_64(SyscallPolicy.X32_SYSCALL_BIT | 0x3fffffff));
        inputs.add(new SeccompData(SyscallPolicy.AUDIT_ARCH_I386, 20, 0));
        inputs.add(new SeccompData(0, 0, 0));
        return inputs;
    }

    private static String describe(SeccompData data) {
        return "arch 0x" + Integer.toHexString(data.arch()) + " nr " + data.number() + " arg3 0x" + Long.toHexString(data.arg(3));
    }
}

package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs the compiled job default through the simulator and compares it with the policy model. */
class ProgramSimulationTest {

    private static final SyscallPolicy POLICY = SyscallPolicy.jobDefault();
    private static final BpfProgram PROGRAM = POLICY.program();
    private static final int CLONE = 56;
    private static final int IOCTL = 16;

    static IntStream numbers() {
        return IntStream.rangeClosed(0, 600);
    }

    private static Action simulate(int arch, int number, long... args) {
        return BpfSimulator.run(PROGRAM, new SeccompData(arch, number, 0, args)).action();
    }

    @ParameterizedTest
    @MethodSource("numbers")
    void everyNumberGetsModelVerdict(int number) {
        Action expected = POLICY.actionFor(SyscallPolicy.AUDIT_ARCH_X86_64, number);
        assertEquals(expected, simulate(SyscallPolicy.AUDIT_ARCH_X86_64, number), SyscallTable.nameOrNumber(number));
    }

    @ParameterizedTest
    @MethodSource("numbers")
    void x32NumbersAreKilled(int number) {
        assertEquals(Action.KILL_PROCESS, simulate(SyscallPolicy.AUDIT_ARCH_X86_64, number | SyscallPolicy.X32_SYSCALL_BIT));
    }

    @ParameterizedTest
    @MethodSource("numbers")
    void i386CallersAreKilled(int number) {
        assertEquals(Action.KILL_PROCESS, simulate(SyscallPolicy.AUDIT_ARCH_I386, number));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x40000000, 0x7fffffff, 0xc0000000, 0xfffffffe, 0x40000200})
    void highNumbersWithX32BitAreKilled(int number) {
        assertEquals(Action.KILL_PROCESS, simulate(SyscallPolicy.AUDIT_ARCH_X86_64, number));
    }

    @ParameterizedTest
    @ValueSource(ints = {472, 500, 1000, 0x3fffffff, 0x80000000, -1})
    void numbersAboveTableGetEnosys(int number) {
        assertEquals(Action.errno(Errno.ENOSYS), simulate(SyscallPolicy.AUDIT_ARCH_X86_64, number));
    }

    @ParameterizedTest
    @CsvSource({
        "0x00020000, CLONE_NEWNS",
        "0x02000000, CLONE_NEWCGROUP",
        "0x04000000, CLONE_NEWUTS",
        "0x08000000, CLONE_NEWIPC",
        "0x10000000, CLONE_NEWUSER",
        "0x20000000, CLONE_NEWPID",
        "0x40000000, CLONE_NEWNET",
        "0x10000011, CLONE_NEWUSER|SIGCHLD",
        "0x7e020000, every namespace flag",
    })
    void cloneWithNamespaceFlagGetsEperm(String flags, String name) {
        long value = Long.decode(flags);
        assertEquals(Action.errno(Errno.EPERM), simulate(SyscallPolicy.AUDIT_ARCH_X86_64, CLONE, value), name);
        assertEquals(Action.errno(Errno.EPERM), simulate(SyscallPolicy.AUDIT_ARCH_X86_64, CLONE, value | 0xffffffff00000000L),
                name + " with high bits");
    }

    @ParameterizedTest
    @CsvSource({
        "0x003d0f00, pthread_create",
        "0x01200011, fork",
        "0x00004111, posix_spawn",
        "0x00000011, SIGCHLD only",
    })
    void cloneForThreadsAndProcessesIsAllowed(String flags, String name) {
        assertEquals(Action.ALLOW, simulate(SyscallPolicy.AUDIT_ARCH_X86_64, CLONE, Long.decode(flags)), name);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 0x00200000, 0x10000000})
    void clone3GetsEnosys(long argument) {
        assertEquals(Action.errno(Errno.ENOSYS), simulate(SyscallPolicy.AUDIT_ARCH_X86_64, 435, argument, 88));
    }

    @ParameterizedTest
    @ValueSource(longs = {0x5412L, 0x100005412L, 0xffffffff00005412L, 0x541cL, 0x80000000541cL})
    void terminalInjectionIoctlsGetEperm(long request) {
        assertEquals(Action.errno(Errno.EPERM), simulate(SyscallPolicy.AUDIT_ARCH_X86_64, IOCTL, 0, request));
    }

    @ParameterizedTest
    @ValueSource(longs = {0x5401L, 0x541bL, 0x5413L, 0xc0186201L, 0x5411L})
    void otherIoctlsAreAllowed(long request) {
        assertEquals(Action.ALLOW, simulate(SyscallPolicy.AUDIT_ARCH_X86_64, IOCTL, 0, request));
    }

    @ParameterizedTest
    @CsvSource({
        "0xffffffff, allow",
        "0x0, allow",
        "0x400000, errno(EPERM)",
        "0x0040000, errno(EPERM)",
        "0x8, errno(EPERM)",
    })
    void personalityAllowsOnlyQueryAndLinux(String persona, String action) {
        assertEquals(Action.parse(action), simulate(SyscallPolicy.AUDIT_ARCH_X86_64, 135, Long.decode(persona)));
    }
}

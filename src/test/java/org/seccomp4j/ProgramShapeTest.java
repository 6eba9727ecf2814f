package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Golden programs, far branches, size limits and path lengths of compiled programs. */
class ProgramShapeTest {

    private static BpfInstruction insn(int code, int jt, int jf, int k) {
        return new BpfInstruction(code, jt, jf, k);
    }

    @Test
    void goldenProgramForTwoAllowedSyscalls() {
        SyscallPolicy policy = SyscallPolicy.builder().defaultAction(Action.KILL_PROCESS).allow("read", "write").build();

        List<BpfInstruction> expected = List.of(
                insn(0x20, 0, 0, 0x00000004),   // ld arch
                insn(0x15, 0, 6, 0xc000003e),   // jeq AUDIT_ARCH_X86_64, else kill
                insn(0x20, 0, 0, 0x00000000),   // ld nr
                insn(0x45, 0, 1, 0x40000000),   // jset x32 bit
                insn(0x15, 4, 3, 0xffffffff),   // nr -1: ENOSYS, other x32: kill
                insn(0x35, 1, 0, 0x00000002),   // jge 2 (open)
                insn(0x06, 0, 0, 0x7fff0000),   // read, write: allow
                insn(0x35, 1, 0, 0x000001d8),   // jge 472: above the table
                insn(0x06, 0, 0, 0x80000000),   // kill-process
                insn(0x06, 0, 0, 0x00050026));  // errno(ENOSYS)
        assertEquals(expected, policy.program().instructions());
    }

    @Test
    void goldenProgramWithArgumentCheck() {
        SyscallPolicy policy = SyscallPolicy.builder()
                .allow("getpid")
                .rule("ioctl", Action.ALLOW, ArgCondition.equalTo(1, 0x541b))
                .build();

        List<BpfInstruction> expected = List.of(
                insn(0x20, 0, 0, 0x00000004),   // 0: ld arch
                insn(0x15, 0, 3, 0xc000003e),   // 1: jeq AUDIT_ARCH_X86_64
                insn(0x20, 0, 0, 0x00000000),   // 2: ld nr
                insn(0x45, 0, 2, 0x40000000),   // 3: jset x32 bit
                insn(0x15, 12, 0, 0xffffffff),  // 4: nr -1
                insn(0x06, 0, 0, 0x80000000),   // 5: kill-process
                insn(0x35, 6, 0, 0x00000027),   // 6: jge 39 (getpid)
                insn(0x35, 0, 8, 0x00000010),   // 7: jge 16 (ioctl)
                insn(0x35, 7, 0, 0x00000011),   // 8: jge 17
                insn(0x20, 0, 0, 0x0000001c),   // 9: ld args[1] high
                insn(0x15, 0, 5, 0x00000000),   // 10: jeq 0
                insn(0x20, 0, 0, 0x00000018),   // 11: ld args[1] low
                insn(0x15, 1, 3, 0x0000541b),   // 12: jeq FIONREAD
                insn(0x35, 1, 0, 0x00000028),   // 13: jge 40
                insn(0x06, 0, 0, 0x7fff0000),   // 14: allow
                insn(0x35, 1, 0, 0x000001d8),   // 15: jge 472
                insn(0x06, 0, 0, 0x00050001),   // 16: errno(EPERM)
                insn(0x06, 0, 0, 0x00050026));  // 17: errno(ENOSYS)
        assertEquals(expected, policy.program().instructions());
    }

    @Test
    void goldenProgramLoadsSharedHalfOnce() {
        // The second rule tests the half the first one loaded, so it has no load of its own.
        SyscallPolicy policy = SyscallPolicy.builder()
                .rule("ioctl", Action.errno(Errno.EPERM), ArgCondition.maskedEquals(1, 0xffffffffL, 0x5412))
                .rule("ioctl", Action.errno(Errno.EPERM), ArgCondition.maskedEquals(1, 0xffffffffL, 0x541c))
                .allow("ioctl")
                .build();

        List<BpfInstruction> expected = List.of(
                insn(0x20, 0, 0, 0x00000004),   // 0: ld arch
                insn(0x15, 0, 3, 0xc000003e),   // 1: jeq AUDIT_ARCH_X86_64
                insn(0x20, 0, 0, 0x00000000),   // 2: ld nr
                insn(0x45, 0, 2, 0x40000000),   // 3: jset x32 bit
                insn(0x15, 9, 0, 0xffffffff),   // 4: nr -1
                insn(0x06, 0, 0, 0x80000000),   // 5: kill-process
                insn(0x35, 5, 0, 0x00000011),   // 6: jge 17
                insn(0x35, 0, 5, 0x00000010),   // 7: jge 16 (ioctl)
                insn(0x20, 0, 0, 0x00000018),   // 8: ld args[1] low
                insn(0x15, 3, 0, 0x00005412),   // 9: jeq TIOCSTI
                insn(0x15, 2, 0, 0x0000541c),   // 10: jeq TIOCLINUX on the args[1] low half still in A
                insn(0x06, 0, 0, 0x7fff0000),   // 11: allow
                insn(0x35, 1, 0, 0x000001d8),   // 12: jge 472
                insn(0x06, 0, 0, 0x00050001),   // 13: errno(EPERM)
                insn(0x06, 0, 0, 0x00050026));  // 14: errno(ENOSYS)
        assertEquals(expected, policy.program().instructions());
    }

    @Test
    void loadIsKeptWhenPathsDisagree() {
        // The first rule fails from its high-half test or its low-half test, so the second rule's
        // load of the low half is reached with either half in the accumulator and must stay.
        SyscallPolicy policy = SyscallPolicy.builder()
                .rule("ioctl", Action.errno(Errno.EPERM), ArgCondition.equalTo(1, 0x1_0000_5412L))
                .rule("ioctl", Action.errno(Errno.EPERM), ArgCondition.maskedEquals(1, 0xffffffffL, 0x541c))
                .allow("ioctl")
                .build();

        long lowHalfLoads = policy.program().instructions().stream()
                .filter(instruction -> instruction.equals(insn(0x20, 0, 0, 0x18)))
                .count();
        assertEquals(2, lowHalfLoads);
        for (long request : new long[] {0x541c, 0x1_0000_541cL, 0x1_0000_5412L, 0x5412, 0x541b}) {
            Action expected = policy.actionFor("ioctl", 3, request);
            Action actual = BpfSimulator.run(policy.program(), SeccompData.x86_64(16, 3, request)).action();
            assertEquals(expected, actual, "ioctl request 0x" + Long.toHexString(request));
        }
    }

    /**
     * Builds a policy whose ioctl rule has {@code wide} 4-instruction and {@code narrow} 2-instruction
     * conditions, so the jump over its argument checks can be made any length.
     */
    private static SyscallPolicy policyWithLongCheck(int wide, int narrow) {
        List<ArgCondition> conditions = new ArrayList<>();
        for (int i = 1; i <= wide; i++) {
            conditions.add(ArgCondition.of(0, ArgCondition.Op.NE, i));
        }
        for (int i = 1; i <= narrow; i++) {
            conditions.add(ArgCondition.maskedEquals(1 + i % 5, 0xffffffffL, 0));
        }
        return SyscallPolicy.builder()
                .allow("read", "getpid", "write")
                .rule("ioctl", Action.ALLOW, conditions.toArray(new ArgCondition[0]))
                .build();
    }

    private static void assertAgreesWithModel(SyscallPolicy policy) {
        BpfProgram program = policy.program();
        for (int number : new int[] {0, 1, 2, 15, 16, 17, 38, 39, 40, 471, 472}) {
            for (long[] args : new long[][] {{0, 0, 0, 0, 0, 0}, {1, 0, 0, 0, 0, 0}, {0, 0, 1, 0, 0, 0}, {0x7fff, 0, 0, 0, 0, 0}}) {
                Action expected = policy.actionFor(SyscallPolicy.AUDIT_ARCH_X86_64, number, args);
                Action actual = BpfSimulator.run(program, SeccompData.x86_64(number, args)).action();
                assertEquals(expected, actual, "nr " + number + " arg0 " + args[0] + " arg2 " + args[2]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260})
    void farBranchesAreChained(int distance) {
        // The jump that skips the ioctl checks spans about as many instructions as the checks.
        int wide = (distance - 4) / 4;
        int narrow = ((distance - 4) % 4) / 2;
        SyscallPolicy policy = policyWithLongCheck(wide, narrow);
        BpfProgram program = policy.program();
        for (BpfInstruction instruction : program.instructions()) {
            assertTrue(instruction.jt() <= 255, instruction.toString());
            assertTrue(instruction.jf() <= 255, instruction.toString());
        }
        assertAgreesWithModel(policy);
    }

    @Test
    void farBranchesAcrossWholeRange() {
        boolean chained = false;
        for (int wide = 55; wide <= 70; wide++) {
            for (int narrow = 0; narrow <= 1; narrow++) {
                SyscallPolicy policy = policyWithLongCheck(wide, narrow);
                assertAgreesWithModel(policy);
                chained |= policy.program().instructions().stream().anyMatch(BpfInstruction::isUnconditionalJump)
                        || policy.program().instructions().stream().filter(BpfInstruction::isReturn).count() > 4;
            }
        }
        assertTrue(chained, "no policy in the range needed a chained jump");
    }

    /** Returns the program size for (wide, narrow), or -1 when the compiler rejects it as too large. */
    private static int programSize(int wide, int narrow) {
        try {
            return policyWithLongCheck(wide, narrow).program().size();
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /** Finds (wide, narrow) whose program size is nearest the target from the given side. */
    private static int[] shapeNear(int target, boolean above) {
        int[] best = null;
        int bestSize = above ? Integer.MAX_VALUE : 0;
        for (int wide = 990; wide <= 1030; wide++) {
            for (int narrow = 0; narrow <= 2; narrow++) {
                int size = programSize(wide, narrow);
                int actual = size < 0 ? sizeFromError(wide, narrow) : size;
                boolean better = above ? actual > target && actual < bestSize : actual <= target && actual > bestSize;
                if (better) {
                    best = new int[] {wide, narrow, actual};
                    bestSize = actual;
                }
            }
        }
        return best;
    }

    private static int sizeFromError(int wide, int narrow) {
        String message = assertThrows(IllegalArgumentException.class,
                () -> policyWithLongCheck(wide, narrow).program()).getMessage();
        return Integer.parseInt(message.replaceAll(".*program has (\\d+) instructions.*", "$1"));
    }

    @Test
    void programJustUnderLimitCompiles() {
        int[] shape = shapeNear(4096, false);
        assertTrue(shape[2] >= 4094, "largest program found has " + shape[2] + " instructions");
        SyscallPolicy policy = policyWithLongCheck(shape[0], shape[1]);
        assertEquals(shape[2], policy.program().size());
        assertAgreesWithModel(policy);
    }

    @Test
    void programJustOverLimitIsRejectedWithCount() {
        int[] shape = shapeNear(4096, true);
        assertTrue(shape[2] <= 4098, "smallest program over the limit has " + shape[2] + " instructions");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> policyWithLongCheck(shape[0], shape[1]).program());
        assertEquals("policy too large for BPF: its program has " + shape[2]
                + " instructions, more than the kernel's limit of 4096", error.getMessage());
    }

    @Test
    void jobDefaultAllowedPathIsLogarithmic() {
        SyscallPolicy policy = SyscallPolicy.jobDefault();
        int allowed = policy.allowedSyscallNumbers().length;
        int bound = (int) Math.ceil(Math.log(allowed) / Math.log(2)) + 6;
        int worst = 0;
        for (int number : policy.allowedSyscallNumbers()) {
            if (policy.rules(number).stream().anyMatch(Rule::isConditional)) {
                continue;
            }
            worst = Math.max(worst, BpfSimulator.run(policy.program(), SeccompData.x86_64(number)).instructionsExecuted());
        }
        assertTrue(worst <= bound, "worst allowed path " + worst + " > " + bound);
    }

    @Test
    void linearChainTakesUpToNPlusFour() {
        SyscallPolicy policy = SyscallPolicy.jobDefault();
        BpfProgram linear = LinearChain.compile(policy);
        int n = policy.allowedSyscallNumbers().length;
        int worst = 0;
        for (int number : policy.allowedSyscallNumbers()) {
            if (policy.rules(number).stream().anyMatch(Rule::isConditional)) {
                continue;
            }
            BpfSimulator.Result result = BpfSimulator.run(linear, SeccompData.x86_64(number));
            assertEquals(Action.ALLOW, result.action());
            worst = Math.max(worst, result.instructionsExecuted());
        }
        assertTrue(worst <= n + 4, "worst " + worst + " for n " + n);
        assertTrue(worst > n / 2, "a linear chain should be long: " + worst);
    }
}

package org.seccomp4j.bench;

import org.seccomp4j.BpfInstruction;
import org.seccomp4j.BpfProgram;
import org.seccomp4j.SyscallPolicy;

/**
 * Counts the work of the kernel's seccomp action cache at install time.
 *
 * <p>When a filter is attached, {@code seccomp_cache_prepare} (kernel/seccomp.c, Linux 5.11 and
 * later) emulates the program once for every syscall number of the native arch and of the compat
 * arch (x86_64 and i386), with only {@code nr} and {@code arch} known. The emulation follows
 * {@code ld} of those two fields, {@code jeq}, {@code jge}, {@code jgt}, {@code jset} and {@code ja}
 * with constants, {@code and} with a constant and {@code ret}, and gives up at anything else, such as
 * a load of an argument. A number whose emulation ends in {@code ret ALLOW} is marked in a bitmap,
 * and its later syscalls skip the program. This class repeats that emulation and counts its steps.
 */
final class KernelActionCache {

    private static final int LD_W_ABS = 0x20;
    private static final int RET_K = 0x06;
    private static final int JA = 0x05;
    private static final int JEQ_K = 0x15;
    private static final int JGT_K = 0x25;
    private static final int JGE_K = 0x35;
    private static final int JSET_K = 0x45;
    private static final int AND_K = 0x54;
    private static final int OFFSET_NR = 0;
    private static final int OFFSET_ARCH = 4;

    private KernelActionCache() {
    }

    /** Returns the instructions emulated for numbers 0 to count - 1 of x86_64 and of i386. */
    static long emulationSteps(BpfProgram program, int count) {
        long steps = 0;
        for (int number = 0; number < count; number++) {
            steps += emulate(program, SyscallPolicy.AUDIT_ARCH_X86_64, number);
            steps += emulate(program, SyscallPolicy.AUDIT_ARCH_I386, number);
        }
        return steps;
    }

    /** Returns how many instructions the kernel's emulation runs before it reaches a verdict or gives up. */
    static int emulate(BpfProgram program, int arch, int number) {
        int a = 0;
        int steps = 0;
        for (int pc = 0; pc < program.size(); pc++) {
            BpfInstruction instruction = program.get(pc);
            steps++;
            int k = instruction.k();
            switch (instruction.code()) {
                case LD_W_ABS:
                    if (k == OFFSET_NR) {
                        a = number;
                    } else if (k == OFFSET_ARCH) {
                        a = arch;
                    } else {
                        return steps;
                    }
                    break;
                case RET_K:
                    return steps;
                case JA:
                    pc += k;
                    break;
                case JEQ_K:
                    pc += a == k ? instruction.jt() : instruction.jf();
                    break;
                case JGT_K:
                    pc += Integer.compareUnsigned(a, k) > 0 ? instruction.jt() : instruction.jf();
                    break;
                case JGE_K:
                    pc += Integer.compareUnsigned(a, k) >= 0 ? instruction.jt() : instruction.jf();
                    break;
                case JSET_K:
                    pc += (a & k) != 0 ? instruction.jt() : instruction.jf();
                    break;
                case AND_K:
                    a &= k;
                    break;
                default:
                    return steps;
            }
        }
        throw new IllegalStateException("emulation ran off the end of the program");
    }
}

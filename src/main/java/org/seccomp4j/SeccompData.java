package org.seccomp4j;

import java.util.Arrays;

/**
 * The input of a seccomp program, as the kernel's {@code struct seccomp_data}: syscall number,
 * arch, instruction pointer and six 64-bit arguments.
 */
public final class SeccompData {

    private final int number;
    private final int arch;
    private final long instructionPointer;
    private final long[] args;

    public SeccompData(int arch, int number, long instructionPointer, long... args) {
        if (args.length > ArgCondition.MAX_ARGS) {
            throw new IllegalArgumentException("seccomp_data carries 6 arguments, got " + args.length);
        }
        this.number = number;
        this.arch = arch;
        this.instructionPointer = instructionPointer;
        this.args = Arrays.copyOf(args, ArgCondition.MAX_ARGS);
    }

    /** Returns the data of an x86_64 syscall with these arguments. */
    public static SeccompData x86_64(int number, long... args) {
        return new SeccompData(SyscallPolicy.AUDIT_ARCH_X86_64, number, 0, args);
    }

    public int number() {
        return number;
    }

    public int arch() {
        return arch;
    }

    public long arg(int index) {
        return args[index];
    }

    /** Returns the 32-bit word at a byte offset, as {@code BPF_LD|BPF_W|BPF_ABS} reads it (little-endian). */
    int word(int offset) {
        switch (offset) {
            case 0: return number;
            case 4: return arch;
            case 8: return (int) instructionPointer;
            case 12: return (int) (instructionPointer >>> 32);
            default:
                long arg = args[(offset - 16) / 8];
                return (offset & 4) == 0 ? (int) arg : (int) (arg >>> 32);
        }
    }
}

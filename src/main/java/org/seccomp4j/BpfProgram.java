package org.seccomp4j;

import static org.seccomp4j.BpfInstruction.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A checked classic BPF program for {@code seccomp(SECCOMP_SET_MODE_FILTER)}.
 *
 * <p>Every program is validated when it is made, so a {@code BpfProgram} always satisfies what the
 * kernel's {@code seccomp_check_filter} and {@code bpf_check_classic} demand: 1 to 4096 instructions,
 * only the opcodes seccomp accepts, loads only from aligned offsets inside {@code struct seccomp_data},
 * every jump inside the program, every path ending in a return, no division by a zero constant, no
 * read of a scratch memory slot that some path has not written.
 */
public final class BpfProgram {

    /** BPF_MAXINSNS: the kernel rejects longer programs. */
    public static final int MAX_INSTRUCTIONS = 4096;

    /** sizeof(struct sock_filter). */
    public static final int INSTRUCTION_BYTES = 8;

    /** sizeof(struct seccomp_data): nr, arch, instruction_pointer, args[6]. */
    static final int SECCOMP_DATA_BYTES = 64;

    /** BPF_MEMWORDS: scratch memory slots. */
    static final int MEMORY_WORDS = 16;

    private final BpfInstruction[] instructions;

    /** Validates and wraps a list of instructions; throws IllegalArgumentException naming the fault. */
    public BpfProgram(List<BpfInstruction> instructions) {
        this.instructions = instructions.toArray(new BpfInstruction[0]);
        validate(this.instructions);
    }

    /** Reads {@code struct sock_filter[]} bytes, little-endian, as {@link #toByteArray()} writes them. */
    public static BpfProgram fromBytes(byte[] bytes) {
        if (bytes.length % INSTRUCTION_BYTES != 0) {
            throw new IllegalArgumentException("program of " + bytes.length
                    + " bytes is not a whole number of 8-byte instructions");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        BpfInstruction[] read = new BpfInstruction[bytes.length / INSTRUCTION_BYTES];
        for (int i = 0; i < read.length; i++) {
            int code = Short.toUnsignedInt(buffer.getShort());
            int jt = Byte.toUnsignedInt(buffer.get());
            int jf = Byte.toUnsignedInt(buffer.get());
            read[i] = new BpfInstruction(code, jt, jf, buffer.getInt());
        }
        return new BpfProgram(Arrays.asList(read));
    }

    public int size() {
        return instructions.length;
    }

    public BpfInstruction get(int index) {
        return instructions[index];
    }

    public List<BpfInstruction> instructions() {
        return List.of(instructions);
    }

    /** Returns the program as the kernel's {@code struct sock_filter[]}, little-endian. */
    public byte[] toByteArray() {
        ByteBuffer buffer = ByteBuffer.allocate(instructions.length * INSTRUCTION_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (BpfInstruction instruction : instructions) {
            buffer.putShort((short) instruction.code());
            buffer.put((byte) instruction.jt());
            buffer.put((byte) instruction.jf());
            buffer.putInt(instruction.k());
        }
        return buffer.array();
    }

    /** Returns the disassembly, one instruction per line; see {@link BpfDisassembler}. */
    public String disassemble() {
        return BpfDisassembler.disassemble(this);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BpfProgram && Arrays.equals(instructions, ((BpfProgram) other).instructions);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(instructions);
    }

    @Override
    public String toString() {
        return "BpfProgram[" + instructions.length + " instructions]";
    }

    private static void validate(BpfInstruction[] program) {
        int length = program.length;
        if (length == 0) {
            throw new IllegalArgumentException("invalid BPF program: it is empty");
        }
        if (length > MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException("BPF program too large: " + length + " > " + MAX_INSTRUCTIONS
                    + " instructions");
        }

        // Bit m of writtenSlots[i] is set when every path reaching i has stored scratch slot m.
        int[] writtenSlots = new int[length];
        Arrays.fill(writtenSlots, -1);
        writtenSlots[0] = 0;
        for (int i = 0; i < length; i++) {
            BpfInstruction instruction = program[i];
            checkOpcode(i, instruction);
            int written = writtenSlots[i];
            int code = instruction.code();
            if (code == (BPF_LD | BPF_MEM) || code == (BPF_LDX | BPF_MEM)) {
                if ((written & (1 << instruction.k())) == 0) {
                    throw invalid(i, "reads scratch slot " + instruction.k() + " before every path has written it");
                }
            } else if (code == BPF_ST || code == BPF_STX) {
                written |= 1 << instruction.k();
            }

            if (instruction.isReturn()) {
                continue;
            }
            if (instruction.isUnconditionalJump()) {
                long target = i + 1L + Integer.toUnsignedLong(instruction.k());
                writtenSlots[checkTarget(i, target, length)] &= written;
            } else if (instruction.isJump()) {
                writtenSlots[checkTarget(i, i + 1L + instruction.jt(), length)] &= written;
                writtenSlots[checkTarget(i, i + 1L + instruction.jf(), length)] &= written;
            } else {
                if (i + 1 == length) {
                    throw invalid(i, "falls off the end of the program; the last instruction must be a return");
                }
                writtenSlots[i + 1] &= written;
            }
        }
    }

    private static int checkTarget(int index, long target, int length) {
        if (target >= length) {
            throw invalid(index, "jumps to " + target + ", past the end of a program of " + length + " instructions");
        }
        return (int) target;
    }

    private static void checkOpcode(int index, BpfInstruction instruction) {
        int code = instruction.code();
        int k = instruction.k();
        switch (code) {
            case BPF_LD | BPF_W | BPF_ABS:
                if (k < 0 || k >= SECCOMP_DATA_BYTES || (k & 3) != 0) {
                    throw invalid(index, "loads from offset " + k + ", outside the aligned words of seccomp_data");
                }
                return;
            case BPF_LD | BPF_W | BPF_LEN:
            case BPF_LDX | BPF_W | BPF_LEN:
            case BPF_LD | BPF_IMM:
            case BPF_LDX | BPF_IMM:
            case BPF_MISC | BPF_TAX:
            case BPF_MISC | BPF_TXA:
            case BPF_RET | BPF_K:
            case BPF_RET | BPF_A:
            case BPF_JMP | BPF_JA:
                return;
            case BPF_LD | BPF_MEM:
            case BPF_LDX | BPF_MEM:
            case BPF_ST:
            case BPF_STX:
                if (k < 0 || k >= MEMORY_WORDS) {
                    throw invalid(index, "uses scratch slot " + k + "; there are " + MEMORY_WORDS);
                }
                return;
            case BPF_ALU | BPF_NEG:
                return;
            default:
                break;
        }
        int operation = code & 0xf0;
        int source = code & BPF_X;
        if ((code & 0x07) == BPF_ALU && (code & ~0xff) == 0) {
            switch (operation) {
                case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_OR: case BPF_AND: case BPF_XOR:
                    return;
                case BPF_DIV:
                    if (source == BPF_K && k == 0) {
                        throw invalid(index, "divides by the constant 0");
                    }
                    return;
                case BPF_LSH: case BPF_RSH:
                    if (source == BPF_K && Integer.compareUnsigned(k, 32) >= 0) {
                        throw invalid(index, "shifts by " + Integer.toUnsignedString(k) + " bits; at most 31");
                    }
                    return;
                default:
                    break;
            }
        }
        if ((code & 0x07) == BPF_JMP && (code & ~0xff) == 0) {
            switch (operation) {
                case BPF_JEQ: case BPF_JGT: case BPF_JGE: case BPF_JSET:
                    return;
                default:
                    break;
            }
        }
        throw invalid(index, String.format(Locale.ROOT, "opcode 0x%04x is not accepted by seccomp", code));
    }

    private static IllegalArgumentException invalid(int index, String fault) {
        return new IllegalArgumentException("invalid BPF program: instruction " + index + " " + fault);
    }
}

package org.seccomp4j;

import static org.seccomp4j.BpfInstruction.*;

/**
 * Runs a seccomp program in Java, as the kernel would, and counts the instructions it executes.
 * The command-line tool uses it to explain a policy; tests use it to prove what a program does.
 */
public final class BpfSimulator {

    /** The outcome of one run: the value returned and how many instructions ran to get it. */
    public static final class Result {
        private final int returnValue;
        private final int instructionsExecuted;

        Result(int returnValue, int instructionsExecuted) {
            this.returnValue = returnValue;
            this.instructionsExecuted = instructionsExecuted;
        }

        public int returnValue() {
            return returnValue;
        }

        public Action action() {
            return Action.fromReturnValue(returnValue);
        }

        public int instructionsExecuted() {
            return instructionsExecuted;
        }

        @Override
        public String toString() {
            return action() + " after " + instructionsExecuted + " instructions";
        }
    }

    private BpfSimulator() {
    }

    public static Result run(BpfProgram program, SeccompData data) {
        int a = 0;
        int x = 0;
        int[] memory = new int[BpfProgram.MEMORY_WORDS];
        int executed = 0;
        int pc = 0;
        // A validated program only jumps forward and ends every path in a return, so this terminates.
        while (true) {
            BpfInstruction instruction = program.get(pc);
            executed++;
            int code = instruction.code();
            int k = instruction.k();
            pc++;
            switch (code & 0x07) {
                case BPF_LD:
                    a = load(code, k, x, memory, data);
                    break;
                case BPF_LDX:
                    x = load(code, k, x, memory, data);
                    break;
                case BPF_ST:
                    memory[k] = a;
                    break;
                case BPF_STX:
                    memory[k] = x;
                    break;
                case BPF_ALU:
                    if ((code & 0xf0) == BPF_DIV && (code & BPF_X) != 0 && x == 0) {
                        // The kernel ends the program with 0 (kill-thread) on a division by zero.
                        return new Result(0, executed);
                    }
                    a = alu(code, a, (code & BPF_X) != 0 ? x : k);
                    break;
                case BPF_JMP:
                    pc += jumpOffset(instruction, a, x);
                    break;
                case BPF_RET:
                    return new Result((code & 0x18) == BPF_A ? a : k, executed);
                case BPF_MISC:
                    if ((code & 0xf8) == BPF_TXA) {
                        a = x;
                    } else {
                        x = a;
                    }
                    break;
                default:
                    throw new AssertionError("opcode class of 0x" + Integer.toHexString(code));
            }
        }
    }

    private static int load(int code, int k, int x, int[] memory, SeccompData data) {
        switch (code & 0xe0) {
            case BPF_ABS: return data.word(k);
            case BPF_MEM: return memory[k];
            case BPF_LEN: return BpfProgram.SECCOMP_DATA_BYTES;
            default: return k;
        }
    }

    private static int alu(int code, int a, int operand) {
        switch (code & 0xf0) {
            case BPF_ADD: return a + operand;
            case BPF_SUB: return a - operand;
            case BPF_MUL: return a * operand;
            case BPF_DIV: return Integer.divideUnsigned(a, operand);
            case BPF_OR: return a | operand;
            case BPF_AND: return a & operand;
            case BPF_LSH: return a << operand;
            case BPF_RSH: return a >>> operand;
            case BPF_NEG: return -a;
            case BPF_XOR: return a ^ operand;
            default: throw new AssertionError("ALU opcode 0x" + Integer.toHexString(code));
        }
    }

    private static int jumpOffset(BpfInstruction instruction, int a, int x) {
        int operation = instruction.code() & 0xf0;
        if (operation == BPF_JA) {
            return instruction.k();
        }
        int operand = (instruction.code() & BPF_X) != 0 ? x : instruction.k();
        boolean taken;
        switch (operation) {
            case BPF_JEQ: taken = a == operand; break;
            case BPF_JGT: taken = Integer.compareUnsigned(a, operand) > 0; break;
            case BPF_JGE: taken = Integer.compareUnsigned(a, operand) >= 0; break;
            case BPF_JSET: taken = (a & operand) != 0; break;
            default: throw new AssertionError("jump opcode 0x" + Integer.toHexString(instruction.code()));
        }
        return taken ? instruction.jt() : instruction.jf();
    }
}

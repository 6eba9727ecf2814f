package org.seccomp4j;

import static org.seccomp4j.BpfInstruction.*;

import java.util.Locale;

/**
 * Prints a program one instruction per line: index, mnemonic, operand, jump targets as absolute
 * indexes, and a note that names the syscall, arch or action a constant stands for.
 *
 * <pre>
 *    0  ld   [4]                              ; arch
 *    1  jeq  #0xc000003e     jt 3    jf 2     ; AUDIT_ARCH_X86_64
 *    2  ret  #0x80000000                      ; kill-process
 *    3  ld   [0]                              ; nr
 * </pre>
 */
final class BpfDisassembler {

    private BpfDisassembler() {
    }

    static String disassemble(BpfProgram program) {
        StringBuilder out = new StringBuilder();
        int loadedOffset = -1;
        for (int i = 0; i < program.size(); i++) {
            BpfInstruction instruction = program.get(i);
            int code = instruction.code();
            String line;
            String note = "";
            if (code == (BPF_LD | BPF_W | BPF_ABS)) {
                loadedOffset = instruction.k();
                line = String.format(Locale.ROOT, "ld   [%d]", instruction.k());
                note = fieldName(instruction.k());
            } else if (instruction.isReturn()) {
                line = (code & 0x18) == BPF_A ? "ret  a" : String.format(Locale.ROOT, "ret  #0x%08x", instruction.k());
                note = (code & 0x18) == BPF_A ? "" : Action.fromReturnValue(instruction.k()).toString();
            } else if (instruction.isUnconditionalJump()) {
                line = String.format(Locale.ROOT, "ja   %d", i + 1 + Integer.toUnsignedLong(instruction.k()));
            } else if (instruction.isJump()) {
                String operand = (code & BPF_X) != 0 ? "x" : String.format(Locale.ROOT, "#0x%x", instruction.k());
                line = String.format(Locale.ROOT, "%-4s %-14s jt %-4d jf %-4d", jumpMnemonic(code), operand,
                        i + 1 + instruction.jt(), i + 1 + instruction.jf());
                note = constantName(loadedOffset, code, instruction.k());
            } else if ((code & 0x07) == BPF_ALU) {
                line = String.format(Locale.ROOT, "%-4s %s", aluMnemonic(code),
                        (code & BPF_X) != 0 ? "x" : String.format(Locale.ROOT, "#0x%x", instruction.k()));
                loadedOffset = -1;
            } else {
                line = String.format(Locale.ROOT, "op   0x%04x #0x%x", code, instruction.k());
                loadedOffset = -1;
            }
            out.append(String.format(Locale.ROOT, "%4d  %-38s", i, line));
            if (!note.isEmpty()) {
                out.append(" ; ").append(note);
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String fieldName(int offset) {
        if (offset == 0) {
            return "nr";
        }
        if (offset == 4) {
            return "arch";
        }
        if (offset == 8 || offset == 12) {
            return offset == 8 ? "instruction_pointer (low)" : "instruction_pointer (high)";
        }
        int index = (offset - 16) / 8;
        return "args[" + index + "] " + ((offset & 4) == 0 ? "(low)" : "(high)");
    }

    private static String constantName(int loadedOffset, int code, int k) {
        if ((code & BPF_X) != 0 || (code & 0xf0) == BPF_JSET) {
            return "";
        }
        if (loadedOffset == 4) {
            if (k == SyscallPolicy.AUDIT_ARCH_X86_64) {
                return "AUDIT_ARCH_X86_64";
            }
            return k == SyscallPolicy.AUDIT_ARCH_I386 ? "AUDIT_ARCH_I386" : "";
        }
        if (loadedOffset == 0) {
            return SyscallTable.name(k).orElse(k == -1 ? "-1 (skipped by a tracer)" : "");
        }
        return "";
    }

    private static String jumpMnemonic(int code) {
        switch (code & 0xf0) {
            case BPF_JEQ: return "jeq";
            case BPF_JGT: return "jgt";
            case BPF_JGE: return "jge";
            case BPF_JSET: return "jset";
            default: return "j?";
        }
    }

    private static String aluMnemonic(int code) {
        switch (code & 0xf0) {
            case BPF_ADD: return "add";
            case BPF_SUB: return "sub";
            case BPF_MUL: return "mul";
            case BPF_DIV: return "div";
            case BPF_OR: return "or";
            case BPF_AND: return "and";
            case BPF_LSH: return "lsh";
            case BPF_RSH: return "rsh";
            case BPF_NEG: return "neg";
            case BPF_XOR: return "xor";
            default: return "alu?";
        }
    }
}

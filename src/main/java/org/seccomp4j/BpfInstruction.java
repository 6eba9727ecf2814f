package org.seccomp4j;

import java.util.Objects;

/**
 * One classic BPF instruction, laid out as the kernel's {@code struct sock_filter}: a 16-bit opcode,
 * two 8-bit jump offsets and a 32-bit constant.
 */
public final class BpfInstruction {

    // Opcode parts from linux/bpf_common.h.
    static final int BPF_LD = 0x00;
    static final int BPF_LDX = 0x01;
    static final int BPF_ST = 0x02;
    static final int BPF_STX = 0x03;
    static final int BPF_ALU = 0x04;
    static final int BPF_JMP = 0x05;
    static final int BPF_RET = 0x06;
    static final int BPF_MISC = 0x07;

    static final int BPF_W = 0x00;
    static final int BPF_IMM = 0x00;
    static final int BPF_ABS = 0x20;
    static final int BPF_MEM = 0x60;
    static final int BPF_LEN = 0x80;

    static final int BPF_ADD = 0x00;
    static final int BPF_SUB = 0x10;
    static final int BPF_MUL = 0x20;
    static final int BPF_DIV = 0x30;
    static final int BPF_OR = 0x40;
    static final int BPF_AND = 0x50;
    static final int BPF_LSH = 0x60;
    static final int BPF_RSH = 0x70;
    static final int BPF_NEG = 0x80;
    static final int BPF_MOD = 0x90;
    static final int BPF_XOR = 0xa0;

    static final int BPF_JA = 0x00;
    static final int BPF_JEQ = 0x10;
    static final int BPF_JGT = 0x20;
    static final int BPF_JGE = 0x30;
    static final int BPF_JSET = 0x40;

    static final int BPF_K = 0x00;
    static final int BPF_X = 0x08;
    static final int BPF_A = 0x10;

    static final int BPF_TAX = 0x00;
    static final int BPF_TXA = 0x80;

    /** The largest offset a conditional jump can encode. */
    static final int MAX_JUMP = 255;

    private final int code;
    private final int jt;
    private final int jf;
    private final int k;

    public BpfInstruction(int code, int jt, int jf, int k) {
        if (code < 0 || code > 0xffff) {
            throw new IllegalArgumentException("opcode 0x" + Integer.toHexString(code) + " does not fit 16 bits");
        }
        if (jt < 0 || jt > MAX_JUMP || jf < 0 || jf > MAX_JUMP) {
            throw new IllegalArgumentException("jump offsets " + jt + "/" + jf + " do not fit 8 bits");
        }
        this.code = code;
        this.jt = jt;
        this.jf = jf;
        this.k = k;
    }

    static BpfInstruction statement(int code, int k) {
        return new BpfInstruction(code, 0, 0, k);
    }

    static BpfInstruction jump(int code, int k, int jt, int jf) {
        return new BpfInstruction(code, jt, jf, k);
    }

    public int code() {
        return code;
    }

    public int jt() {
        return jt;
    }

    public int jf() {
        return jf;
    }

    public int k() {
        return k;
    }

    int instructionClass() {
        return code & 0x07;
    }

    boolean isReturn() {
        return instructionClass() == BPF_RET;
    }

    boolean isJump() {
        return instructionClass() == BPF_JMP;
    }

    boolean isUnconditionalJump() {
        return code == (BPF_JMP | BPF_JA);
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof BpfInstruction)) {
            return false;
        }
        BpfInstruction that = (BpfInstruction) other;
        return code == that.code && jt == that.jt && jf == that.jf && k == that.k;
    }

    @Override
    public int hashCode() {
        return Objects.hash(code, jt, jf, k);
    }

    /** Returns the C initializer form, {@code { 0x15, 1, 0, 0xc000003e }}, as golden tests spell it. */
    @Override
    public String toString() {
        return String.format("{ 0x%02x, %d, %d, 0x%08x }", code, jt, jf, k);
    }
}

package org.seccomp4j;

import java.util.Locale;
import java.util.Objects;

/**
 * A test on one 64-bit syscall argument, as {@code seccomp_data.args[index]} carries it.
 *
 * <p>Comparisons are unsigned, as in libseccomp. A program tests the high and the low 32-bit halves
 * separately, because classic BPF only has 32-bit registers. The kernel passes the full register, so a
 * syscall whose argument is an {@code int} (ioctl's request, personality's persona) must be tested
 * with {@link #maskedEquals} and mask {@code 0xffffffff}: the kernel ignores the high half, and a test
 * on all 64 bits would let a caller slip past it by setting high bits.
 */
public final class ArgCondition {

    /** Comparison operators; MASKED_EQ is {@code (arg & mask) == value}. */
    public enum Op {
        EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">="), MASKED_EQ("==");

        final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }
    }

    /** seccomp_data carries six syscall arguments. */
    public static final int MAX_ARGS = 6;

    private final int index;
    private final Op op;
    private final long value;
    private final long mask;

    private ArgCondition(int index, Op op, long value, long mask) {
        if (index < 0 || index >= MAX_ARGS) {
            throw new IllegalArgumentException("argument index " + index + " is out of range 0-5");
        }
        Objects.requireNonNull(op, "op");
        if (op == Op.MASKED_EQ && (value & ~mask) != 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "arg%d & 0x%x == 0x%x can never be true: the value has bits outside the mask",
                    index, mask, value));
        }
        this.index = index;
        this.op = op;
        this.value = value;
        this.mask = op == Op.MASKED_EQ ? mask : -1L;
    }

    public static ArgCondition of(int index, Op op, long value) {
        if (op == Op.MASKED_EQ) {
            throw new IllegalArgumentException("MASKED_EQ needs a mask; use maskedEquals(index, mask, value)");
        }
        return new ArgCondition(index, op, value, -1L);
    }

    public static ArgCondition equalTo(int index, long value) {
        return new ArgCondition(index, Op.EQ, value, -1L);
    }

    public static ArgCondition maskedEquals(int index, long mask, long value) {
        return new ArgCondition(index, Op.MASKED_EQ, value, mask);
    }

    public int index() {
        return index;
    }

    public Op op() {
        return op;
    }

    public long value() {
        return value;
    }

    /** The mask of a MASKED_EQ condition; all ones for the other operators. */
    public long mask() {
        return mask;
    }

    /** Evaluates the condition on an argument value, as the compiled program does. */
    public boolean test(long argument) {
        switch (op) {
            case EQ: return argument == value;
            case NE: return argument != value;
            case LT: return Long.compareUnsigned(argument, value) < 0;
            case LE: return Long.compareUnsigned(argument, value) <= 0;
            case GT: return Long.compareUnsigned(argument, value) > 0;
            case GE: return Long.compareUnsigned(argument, value) >= 0;
            case MASKED_EQ: return (argument & mask) == value;
            default: throw new AssertionError(op);
        }
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof ArgCondition)) {
            return false;
        }
        ArgCondition that = (ArgCondition) other;
        return index == that.index && op == that.op && value == that.value && mask == that.mask;
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, op, value, mask);
    }

    /** Returns the policy-file form, for example {@code arg1 & 0xffffffff == 0x5412}. */
    @Override
    public String toString() {
        if (op == Op.MASKED_EQ) {
            return String.format(Locale.ROOT, "arg%d & 0x%x == 0x%x", index, mask, value);
        }
        return String.format(Locale.ROOT, "arg%d %s 0x%x", index, op.symbol, value);
    }
}

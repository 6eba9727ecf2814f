package org.seccomp4j.oci;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.seccomp4j.ArgCondition;

/**
 * A set of syscall argument vectors in which chosen bits are fixed: a call belongs to the region when
 * {@code (arg[i] & masks[i]) == values[i]} for all six arguments. An argument whose mask is 0 is
 * unconstrained, so the region with every mask 0 contains every call.
 *
 * <p>A MASKED_EQ or EQ condition is one region, and a conjunction of conditions on distinct
 * arguments is one region too. That is also the shape of one libseccomp rule, so the profile
 * reader and writer express what rules match as lists of regions; see {@link Regions}.
 */
final class Region {

    static final Region ALL = new Region(new long[ArgCondition.MAX_ARGS], new long[ArgCondition.MAX_ARGS]);

    private final long[] masks;
    private final long[] values;

    private Region(long[] masks, long[] values) {
        this.masks = masks;
        this.values = values;
    }

    /** Returns this region with argument {@code index} also required to satisfy {@code (arg & mask) == value}. */
    Region with(int index, long mask, long value) {
        long[] newMasks = masks.clone();
        long[] newValues = values.clone();
        newMasks[index] |= mask;
        newValues[index] = (values[index] & ~mask) | (value & mask);
        return new Region(newMasks, newValues);
    }

    /** Returns this region with the given bits of one argument no longer fixed. */
    Region without(int index, long bits) {
        long[] newMasks = masks.clone();
        long[] newValues = values.clone();
        newMasks[index] &= ~bits;
        newValues[index] &= ~bits;
        return new Region(newMasks, newValues);
    }

    long mask(int index) {
        return masks[index];
    }

    long value(int index) {
        return values[index];
    }

    boolean isAll() {
        for (long mask : masks) {
            if (mask != 0) {
                return false;
            }
        }
        return true;
    }

    /** Returns the index of the first argument with a fixed bit, or -1 for {@link #ALL}. */
    int firstConstrainedArgument() {
        for (int i = 0; i < masks.length; i++) {
            if (masks[i] != 0) {
                return i;
            }
        }
        return -1;
    }

    /** Returns the calls in both regions, or null when a bit is fixed to 0 in one and to 1 in the other. */
    Region intersect(Region other) {
        long[] newMasks = new long[masks.length];
        long[] newValues = new long[masks.length];
        for (int i = 0; i < masks.length; i++) {
            long common = masks[i] & other.masks[i];
            if (((values[i] ^ other.values[i]) & common) != 0) {
                return null;
            }
            newMasks[i] = masks[i] | other.masks[i];
            newValues[i] = values[i] | other.values[i];
        }
        return new Region(newMasks, newValues);
    }

    /**
     * Returns the region as conditions, one per constrained argument in ascending order: EQ where
     * all 64 bits are fixed, MASKED_EQ otherwise.
     */
    List<ArgCondition> conditions() {
        List<ArgCondition> conditions = new ArrayList<>();
        for (int i = 0; i < masks.length; i++) {
            if (masks[i] == -1L) {
                conditions.add(ArgCondition.equalTo(i, values[i]));
            } else if (masks[i] != 0) {
                conditions.add(ArgCondition.maskedEquals(i, masks[i], values[i]));
            }
        }
        return conditions;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Region && Arrays.equals(masks, ((Region) other).masks)
                && Arrays.equals(values, ((Region) other).values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(masks) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return isAll() ? "all" : conditions().toString();
    }
}

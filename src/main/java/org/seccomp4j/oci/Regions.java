package org.seccomp4j.oci;

import java.util.ArrayList;
import java.util.List;
import org.seccomp4j.ArgCondition;

/**
 * Set operations on unions of {@link Region}s: what conditions match, whether two rules can match
 * the same call, and what no rule of a list matches.
 *
 * <p>Every comparison of one 64-bit argument is a union of at most 64 regions: {@code x < v} is the
 * union, over each bit set in {@code v}, of "the bits above it equal those of {@code v} and this
 * bit is 0". Unions are not minimised, so sizes can grow quickly; every operation stops with
 * {@link TooManyRegionsException} past {@link #LIMIT} regions or {@link #WORK_LIMIT} steps.
 */
final class Regions {

    /** The maximum number of regions in one result. */
    static final int LIMIT = 4096;
    /** The maximum number of recursion steps of one complement. */
    static final int WORK_LIMIT = 1_000_000;

    /** Thrown when a result would be larger than {@link #LIMIT}; callers fall back or report it. */
    static final class TooManyRegionsException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooManyRegionsException() {
            super("more than " + LIMIT + " argument regions", null, false, false);
        }
    }

    private Regions() {
    }

    /** Returns the calls for which every condition holds. */
    static List<Region> of(List<ArgCondition> conditions) {
        List<Region> result = List.of(Region.ALL);
        for (ArgCondition condition : conditions) {
            result = intersect(result, of(condition));
        }
        return result;
    }

    /** Returns the calls for which one condition holds. */
    static List<Region> of(ArgCondition condition) {
        int index = condition.index();
        long value = condition.value();
        switch (condition.op()) {
            case MASKED_EQ:
                return List.of(Region.ALL.with(index, condition.mask(), value));
            case EQ:
                return List.of(Region.ALL.with(index, -1L, value));
            case NE:
                return notEqual(index, value);
            case LT:
                return below(index, value);
            case LE:
                return value == -1L ? List.of(Region.ALL) : below(index, value + 1);
            case GT:
                return value == -1L ? List.of() : atLeast(index, value + 1);
            case GE:
                return atLeast(index, value);
            default:
                throw new AssertionError(condition.op());
        }
    }

    /** Bits {@code bit} to 63; none for 64. */
    private static long bitsFrom(int bit) {
        return bit >= Long.SIZE ? 0 : -1L << bit;
    }

    private static List<Region> notEqual(int index, long value) {
        List<Region> regions = new ArrayList<>();
        for (int bit = Long.SIZE - 1; bit >= 0; bit--) {
            long flipped = (value & bitsFrom(bit + 1)) | (~value & (1L << bit));
            regions.add(Region.ALL.with(index, bitsFrom(bit), flipped));
        }
        return regions;
    }

    /** Values below {@code value}, unsigned. */
    private static List<Region> below(int index, long value) {
        List<Region> regions = new ArrayList<>();
        for (int bit = Long.SIZE - 1; bit >= 0; bit--) {
            if ((value & (1L << bit)) != 0) {
                regions.add(Region.ALL.with(index, bitsFrom(bit), value & bitsFrom(bit + 1)));
            }
        }
        return regions;
    }

    /** Values at or above {@code value}, unsigned. */
    private static List<Region> atLeast(int index, long value) {
        if (value == 0) {
            return List.of(Region.ALL);
        }
        long greater = value - 1;
        List<Region> regions = new ArrayList<>();
        for (int bit = Long.SIZE - 1; bit >= 0; bit--) {
            if ((greater & (1L << bit)) == 0) {
                regions.add(Region.ALL.with(index, bitsFrom(bit), (greater & bitsFrom(bit + 1)) | (1L << bit)));
            }
        }
        return regions;
    }

    /** Returns the calls in both unions. */
    static List<Region> intersect(List<Region> first, List<Region> second) {
        List<Region> result = new ArrayList<>();
        for (Region a : first) {
            for (Region b : second) {
                Region both = a.intersect(b);
                if (both != null) {
                    add(result, both);
                }
            }
        }
        return result;
    }

    /**
     * Returns true when some call satisfies both conjunctions of conditions. Each argument is
     * checked on its own, so that conditions on several arguments do not multiply into regions.
     */
    static boolean overlap(List<ArgCondition> first, List<ArgCondition> second) {
        for (int index = 0; index < ArgCondition.MAX_ARGS; index++) {
            List<Region> both = intersect(of(on(first, index)), of(on(second, index)));
            if (both.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private static List<ArgCondition> on(List<ArgCondition> conditions, int index) {
        List<ArgCondition> selected = new ArrayList<>();
        for (ArgCondition condition : conditions) {
            if (condition.index() == index) {
                selected.add(condition);
            }
        }
        return selected;
    }

    /** Returns true when the union contains every call. */
    static boolean coversAll(List<Region> union) {
        return complement(union).isEmpty();
    }

    /**
     * Returns disjoint regions that together hold exactly the calls outside the union.
     *
     * <p>It splits on one fixed bit at a time (Shannon expansion): a region that fixes the bit the
     * other way drops out of that half, and a half that no region reaches any more is output whole.
     */
    static List<Region> complement(List<Region> union) {
        List<Region> result = new ArrayList<>();
        complement(union, Region.ALL, result, new int[] {0});
        return result;
    }

    private static void complement(List<Region> union, Region fixed, List<Region> result, int[] work) {
        if (++work[0] > WORK_LIMIT) {
            throw new TooManyRegionsException();
        }
        if (union.isEmpty()) {
            add(result, fixed);
            return;
        }
        for (Region region : union) {
            if (region.isAll()) {
                return;
            }
        }
        int[] split = splitBit(union);
        int index = split[0];
        long bit = 1L << split[1];
        for (long bitValue : new long[] {0, bit}) {
            List<Region> half = new ArrayList<>();
            for (Region region : union) {
                if ((region.mask(index) & bit) == 0) {
                    half.add(region);
                } else if ((region.value(index) & bit) == bitValue) {
                    half.add(region.without(index, bit));
                }
            }
            complement(half, fixed.with(index, bit, bitValue), result, work);
        }
    }

    /**
     * Returns {argument, bit} of a bit that the first region fixes: the one that most of the first
     * regions also fix, and among those one they all fix to the same value, so that one half of the
     * split is left with no region. Splitting on a bit that few regions test would split every
     * other region along with it. The complement of TIOCSTI and TIOCLINUX on the low 32 bits took
     * 61 regions when the lowest bit came first and takes 33 this way. That of an EQ point and a
     * point on the low 32 bits took 1077 when the high bits came first and takes 64.
     */
    private static int[] splitBit(List<Region> union) {
        Region first = union.get(0);
        int sample = Math.min(union.size(), 32);
        int[] best = null;
        int bestScore = -1;
        for (int index = first.firstConstrainedArgument(); index < ArgCondition.MAX_ARGS; index++) {
            long mask = first.mask(index);
            while (mask != 0) {
                long bit = Long.lowestOneBit(mask);
                mask &= mask - 1;
                int fixing = 0;
                boolean sameValue = true;
                for (int r = 0; r < sample; r++) {
                    Region region = union.get(r);
                    if ((region.mask(index) & bit) != 0) {
                        fixing++;
                        sameValue &= (region.value(index) & bit) == (first.value(index) & bit);
                    }
                }
                int score = 2 * fixing + (sameValue ? 1 : 0);
                if (score > bestScore) {
                    best = new int[] {index, Long.numberOfTrailingZeros(bit)};
                    bestScore = score;
                }
            }
        }
        return best;
    }

    private static void add(List<Region> regions, Region region) {
        if (regions.size() >= LIMIT) {
            throw new TooManyRegionsException();
        }
        regions.add(region);
    }
}

package org.seccomp4j.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.seccomp4j.ArgCondition;
import org.seccomp4j.ArgCondition.Op;

class RegionsTest {

    private static final long[] EDGES = {0, 1, 2, 7, 8, 9, 0x7fffffffL, 0x80000000L, 0xffffffffL, 0x100000000L,
            0x7fffffffffffffffL, 0x8000000000000000L, -2L, -1L};

    private static boolean contains(List<Region> regions, long[] args) {
        return regions.stream().anyMatch(region -> contains(region, args));
    }

    private static boolean contains(Region region, long[] args) {
        for (int i = 0; i < ArgCondition.MAX_ARGS; i++) {
            if ((args[i] & region.mask(i)) != region.value(i)) {
                return false;
            }
        }
        return true;
    }

    /** Returns the edges, values around the condition's value, and random values. */
    private static List<Long> samples(ArgCondition condition, Random random) {
        List<Long> values = new ArrayList<>();
        for (long edge : EDGES) {
            values.add(edge);
        }
        for (long delta = -2; delta <= 2; delta++) {
            values.add(condition.value() + delta);
            values.add((condition.value() + delta) | ~condition.mask());
        }
        for (int i = 0; i < 200; i++) {
            values.add(random.nextLong());
            values.add(condition.value() ^ (1L << random.nextInt(64)));
        }
        return values;
    }

    private static List<ArgCondition> everyOperator(long value, int index) {
        List<ArgCondition> conditions = new ArrayList<>();
        for (Op op : Op.values()) {
            if (op != Op.MASKED_EQ) {
                conditions.add(ArgCondition.of(index, op, value));
            }
        }
        conditions.add(ArgCondition.maskedEquals(index, 0xffffffffL, value & 0xffffffffL));
        conditions.add(ArgCondition.maskedEquals(index, 0x7e020000L, 0));
        conditions.add(ArgCondition.maskedEquals(index, 0, 0));
        return conditions;
    }

    @Test
    void conditionRegionsMatchCondition() {
        Random random = new Random(7);
        for (long value : EDGES) {
            for (ArgCondition condition : everyOperator(value, 3)) {
                List<Region> regions = Regions.of(condition);
                for (long x : samples(condition, random)) {
                    long[] args = {0, 0, 0, x, 0, 0};
                    assertEquals(condition.test(x), contains(regions, args), condition + " at 0x" + Long.toHexString(x));
                }
            }
        }
    }

    @Test
    void complementIsExactAndDisjoint() {
        Random random = new Random(11);
        int checked = 0;
        for (int round = 0; round < 200; round++) {
            List<Region> union = new ArrayList<>();
            List<ArgCondition> used = new ArrayList<>();
            int terms = 1 + random.nextInt(3);
            for (int t = 0; t < terms; t++) {
                List<ArgCondition> all = everyOperator(EDGES[random.nextInt(EDGES.length)], random.nextInt(2));
                ArgCondition condition = all.get(random.nextInt(all.size()));
                used.add(condition);
                union.addAll(Regions.of(condition));
            }
            List<Region> complement;
            try {
                complement = Regions.complement(union);
            } catch (Regions.TooManyRegionsException e) {
                // Such as x >= a and y <= b: about 64 * 64 regions.
                continue;
            }
            checked++;
            for (int s = 0; s < 300; s++) {
                ArgCondition near = used.get(random.nextInt(used.size()));
                List<Long> values = samples(near, random);
                long[] args = {values.get(random.nextInt(values.size())), values.get(random.nextInt(values.size())), 0, 0, 0, 0};
                long containing = complement.stream().filter(region -> contains(region, args)).count();
                assertTrue(containing <= 1, "complement regions overlap for " + used);
                assertEquals(!contains(union, args), containing == 1, used + " at " + args[0] + ", " + args[1]);
            }
        }
        assertTrue(checked > 150, checked + " of 200 unions checked");
    }

    @Test
    void coversAllOnlyForFullUnions() {
        ArgCondition below = ArgCondition.of(0, Op.LT, 100);
        ArgCondition atLeast = ArgCondition.of(0, Op.GE, 100);
        List<Region> both = new ArrayList<>(Regions.of(below));
        both.addAll(Regions.of(atLeast));
        assertTrue(Regions.coversAll(both));
        assertFalse(Regions.coversAll(Regions.of(below)));
        assertTrue(Regions.coversAll(Regions.of(ArgCondition.maskedEquals(2, 0, 0))));
        assertFalse(Regions.coversAll(List.of()));
    }

    @Test
    void twoPointComplementIsSmall() {
        List<Region> points = new ArrayList<>();
        points.addAll(Regions.of(ArgCondition.maskedEquals(1, 0xffffffffL, 0x5412)));
        points.addAll(Regions.of(ArgCondition.maskedEquals(1, 0xffffffffL, 0x541c)));

        List<Region> rest = Regions.complement(points);

        assertEquals(33, rest.size(), rest.toString());
        assertEquals(List.of(), Regions.complement(concat(points, rest)));
    }

    @Test
    void overlapLooksAtEachArgumentAlone() {
        List<ArgCondition> lowFirst = List.of(ArgCondition.of(0, Op.LT, 10), ArgCondition.of(1, Op.NE, 0));
        List<ArgCondition> highFirst = List.of(ArgCondition.of(0, Op.GE, 10), ArgCondition.of(1, Op.NE, 0));
        List<ArgCondition> second = List.of(ArgCondition.of(0, Op.EQ, 5), ArgCondition.of(2, Op.GT, 3));

        assertFalse(Regions.overlap(lowFirst, highFirst));
        assertTrue(Regions.overlap(lowFirst, second));
        assertFalse(Regions.overlap(highFirst, second));
        assertTrue(Regions.overlap(List.of(), second));
    }

    @Test
    void hugeProductsStopAtTheLimit() {
        List<ArgCondition> manyNotEqual = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            manyNotEqual.add(ArgCondition.of(i, Op.NE, 1));
        }
        assertThrows(Regions.TooManyRegionsException.class, () -> Regions.of(manyNotEqual));
    }

    private static List<Region> concat(List<Region> first, List<Region> second) {
        List<Region> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}

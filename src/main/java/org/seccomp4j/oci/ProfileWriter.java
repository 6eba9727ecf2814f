package org.seccomp4j.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.seccomp4j.Action;
import org.seccomp4j.ArgCondition;
import org.seccomp4j.Rule;
import org.seccomp4j.SyscallPolicy;
import org.seccomp4j.SyscallTable;

/**
 * Writes a {@link SyscallPolicy} as an OCI seccomp profile that runc and libseccomp enforce with
 * the same verdicts on x86_64. See {@link OciProfiles} for what differs.
 *
 * <p>The policy model tries a syscall's conditional rules in order and then its unconditional rule.
 * libseccomp has no order: an unconditional rule overrides every conditional rule of the syscall,
 * and where conditional rules with different actions overlap, its own tree order decides. So per
 * syscall the writer emits:
 * <ul>
 *   <li>the conditional rules as they are, when no two with different actions can match one call
 *       and none compares one argument twice (runc would split such a rule into ORed rules);
 *       otherwise each rule's conditions minus those of the rules before it, as MASKED_EQ regions;
 *   <li>the unconditional rule, when there are conditional rules, as conditional rules over the
 *       calls they do not match: one negated comparison where a single comparison allows it, else
 *       MASKED_EQ regions.
 * </ul>
 * Rules whose action is the default are emitted too, although runc skips them: the reader needs
 * them to rebuild the unconditional rule, and they are disjoint from the others, so skipping them
 * changes no verdict.
 */
final class ProfileWriter {

    /**
     * The maximum number of entries for one syscall; a policy that needs more is rejected.
     * NOTE: runc and libseccomp set no such limit. It keeps profiles readable, and the program that
     * libseccomp builds from them must still fit the kernel's 4096 instructions.
     */
    static final int MAX_ENTRIES_PER_SYSCALL = 256;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** One syscalls[] entry before it is grouped and written. */
    private static final class Entry {
        final Action action;
        final List<ArgCondition> conditions;

        Entry(Action action, List<ArgCondition> conditions) {
            this.action = action;
            this.conditions = conditions;
        }
    }

    private ProfileWriter() {
    }

    /** Returns the profile as indented JSON, one name or field per line, ending in a newline. */
    static String write(SyscallPolicy policy) {
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withObjectIndenter(indenter)
                .withArrayIndenter(indenter);
        try {
            return ProfileReader.MAPPER.writer(printer).writeValueAsString(toJson(policy)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing a JSON tree failed", e);
        }
    }

    static ObjectNode toJson(SyscallPolicy policy) {
        Action defaultAction = policy.defaultAction();
        ObjectNode profile = NODES.objectNode();
        profile.put("defaultAction", ScmpNames.name(defaultAction));
        if (defaultAction.kind() == Action.Kind.ERRNO) {
            profile.put("defaultErrnoRet", defaultAction.errnoValue());
        }
        profile.putArray("architectures").add(ScmpNames.ARCH_X86_64);

        // Syscalls decided by one unconditional rule share one entry per action, in number order.
        Map<Action, List<String>> unconditionalNames = new LinkedHashMap<>();
        List<String> conditionalNames = new ArrayList<>();
        List<Entry> conditionalEntries = new ArrayList<>();
        for (int syscall : syscallsWithRules(policy)) {
            String name = SyscallTable.nameOrNumber(syscall);
            List<Entry> entries = entries(policy.rules(syscall), defaultAction);
            if (entries.size() > MAX_ENTRIES_PER_SYSCALL) {
                throw new InvalidProfileException("cannot write policy " + policy.name() + " as an OCI profile: the rules"
                        + " of syscall " + name + " need " + entries.size() + " syscalls[] entries under libseccomp's"
                        + " rules, more than " + MAX_ENTRIES_PER_SYSCALL);
            }
            if (entries.size() == 1 && entries.get(0).conditions.isEmpty()) {
                unconditionalNames.computeIfAbsent(entries.get(0).action, a -> new ArrayList<>()).add(name);
                continue;
            }
            for (Entry entry : entries) {
                conditionalNames.add(name);
                conditionalEntries.add(entry);
            }
        }

        ArrayNode syscalls = profile.putArray("syscalls");
        for (Map.Entry<Action, List<String>> group : unconditionalNames.entrySet()) {
            addEntry(syscalls, group.getValue(), new Entry(group.getKey(), List.of()));
        }
        for (int i = 0; i < conditionalEntries.size(); i++) {
            addEntry(syscalls, List.of(conditionalNames.get(i)), conditionalEntries.get(i));
        }
        return profile;
    }

    private static List<Integer> syscallsWithRules(SyscallPolicy policy) {
        List<Integer> numbers = new ArrayList<>();
        for (Rule rule : policy.rules()) {
            if (numbers.isEmpty() || numbers.get(numbers.size() - 1) != rule.syscall()) {
                numbers.add(rule.syscall());
            }
        }
        return numbers;
    }

    /** Returns the entries for one syscall's rules: conditional ones in order, then the unconditional one. */
    private static List<Entry> entries(List<Rule> rules, Action defaultAction) {
        List<Rule> conditional = new ArrayList<>();
        Action fallback = null;
        for (Rule rule : rules) {
            // libseccomp drops a comparison that tests no bit, which could leave a rule unconditional.
            List<ArgCondition> tested = new ArrayList<>();
            for (ArgCondition condition : rule.conditions()) {
                if (!(condition.op() == ArgCondition.Op.MASKED_EQ && condition.mask() == 0)) {
                    tested.add(condition);
                }
            }
            if (tested.isEmpty()) {
                // It decides every call that reaches it, so later rules never apply.
                fallback = rule.action().equals(defaultAction) ? null : rule.action();
                break;
            }
            conditional.add(new Rule(rule.syscall(), rule.action(), tested));
        }
        if (conditional.isEmpty()) {
            return fallback == null ? List.of() : List.of(new Entry(fallback, List.of()));
        }

        List<Entry> entries = new ArrayList<>();
        List<Region> covered;
        try {
            if (canWriteAsIs(conditional)) {
                covered = new ArrayList<>();
                for (Rule rule : conditional) {
                    entries.add(new Entry(rule.action(), rule.conditions()));
                }
            } else {
                covered = writeDisjoint(conditional, entries);
            }
            if (fallback == null) {
                return entries;
            }
            ArgCondition negated = negation(conditional);
            if (negated != null) {
                entries.add(new Entry(fallback, List.of(negated)));
                return entries;
            }
            if (covered.isEmpty()) {
                for (Rule rule : conditional) {
                    covered.addAll(Regions.of(rule.conditions()));
                }
            }
            List<Region> rest = Regions.complement(covered);
            if (rest.size() == 1 && rest.get(0).isAll()) {
                // No conditional rule can match, so the unconditional rule is all there is.
                return List.of(new Entry(fallback, List.of()));
            }
            for (Region region : rest) {
                entries.add(new Entry(fallback, region.conditions()));
            }
            return entries;
        } catch (Regions.TooManyRegionsException e) {
            throw new InvalidProfileException("cannot write the rules of syscall " + conditional.get(0).syscallName()
                    + " as an OCI profile: expressing them under libseccomp's rules needs " + e.getMessage());
        }
    }

    /** Returns true when libseccomp would read the rules as they are, whatever its order. */
    private static boolean canWriteAsIs(List<Rule> rules) {
        for (Rule rule : rules) {
            long distinctArguments = rule.conditions().stream().mapToInt(ArgCondition::index).distinct().count();
            if (distinctArguments != rule.conditions().size()) {
                return false;
            }
        }
        for (int i = 0; i < rules.size(); i++) {
            for (int j = i + 1; j < rules.size(); j++) {
                Rule first = rules.get(i);
                Rule second = rules.get(j);
                if (!first.action().equals(second.action()) && Regions.overlap(first.conditions(), second.conditions())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Emits what each rule matches and no earlier rule does; returns the union of all rules. */
    private static List<Region> writeDisjoint(List<Rule> rules, List<Entry> entries) {
        List<Region> covered = new ArrayList<>();
        for (Rule rule : rules) {
            List<Region> matched = Regions.of(rule.conditions());
            List<Region> fresh = covered.isEmpty() ? matched : Regions.intersect(matched, Regions.complement(covered));
            for (Region region : fresh) {
                entries.add(new Entry(rule.action(), region.conditions()));
            }
            covered.addAll(matched);
            if (covered.size() > Regions.LIMIT) {
                throw new Regions.TooManyRegionsException();
            }
        }
        return covered;
    }

    /**
     * Returns the one comparison that is true exactly when the rules do not match, or null. That is
     * possible for one rule with one comparison whose opposite libseccomp has: EQ and NE, LT and
     * GE, LE and GT; a MASKED_EQ on all 64 bits is an EQ.
     */
    private static ArgCondition negation(List<Rule> rules) {
        if (rules.size() != 1 || rules.get(0).conditions().size() != 1) {
            return null;
        }
        ArgCondition condition = rules.get(0).conditions().get(0);
        int index = condition.index();
        long value = condition.value();
        switch (condition.op()) {
            case EQ: return ArgCondition.of(index, ArgCondition.Op.NE, value);
            case NE: return ArgCondition.equalTo(index, value);
            case LT: return ArgCondition.of(index, ArgCondition.Op.GE, value);
            case GE: return ArgCondition.of(index, ArgCondition.Op.LT, value);
            case LE: return ArgCondition.of(index, ArgCondition.Op.GT, value);
            case GT: return ArgCondition.of(index, ArgCondition.Op.LE, value);
            case MASKED_EQ: return condition.mask() == -1L ? ArgCondition.of(index, ArgCondition.Op.NE, value) : null;
            default: throw new AssertionError(condition.op());
        }
    }

    private static void addEntry(ArrayNode syscalls, List<String> names, Entry entry) {
        ObjectNode node = syscalls.addObject();
        ArrayNode nameArray = node.putArray("names");
        names.forEach(nameArray::add);
        node.put("action", ScmpNames.name(entry.action));
        if (entry.action.kind() == Action.Kind.ERRNO) {
            node.put("errnoRet", entry.action.errnoValue());
        }
        if (entry.conditions.isEmpty()) {
            return;
        }
        ArrayNode args = node.putArray("args");
        for (ArgCondition condition : entry.conditions) {
            ObjectNode arg = args.addObject();
            arg.put("index", condition.index());
            if (condition.op() == ArgCondition.Op.MASKED_EQ) {
                // libseccomp's MASKED_EQ takes the mask first and the expected bits second.
                arg.put("value", unsigned(condition.mask()));
                arg.put("valueTwo", unsigned(condition.value()));
            } else {
                arg.put("value", unsigned(condition.value()));
            }
            arg.put("op", ScmpNames.name(condition.op()));
        }
    }

    /** JSON numbers here are unsigned 64-bit; values at or above 2^63 need a BigInteger. */
    private static BigInteger unsigned(long value) {
        return new BigInteger(Long.toUnsignedString(value));
    }
}

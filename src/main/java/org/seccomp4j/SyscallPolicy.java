package org.seccomp4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable syscall policy: a default action, and rules that give chosen syscalls other actions,
 * optionally only when their arguments match conditions.
 *
 * <p>How a syscall is judged, and how the compiled program judges it:
 * <ol>
 *   <li>A caller of another arch than x86_64, or of the x32 ABI, is killed.
 *   <li>A number above the table's highest gets ENOSYS, so a libc newer than the table falls back
 *       to an older call. A policy whose default permits lets such numbers through instead.
 *   <li>The syscall's conditional rules are tried in the order they were added; the first whose
 *       conditions all hold decides.
 *   <li>Otherwise the syscall's unconditional rule decides, and without one the default action.
 * </ol>
 *
 * <p>Policies are built with {@link #builder()}, read from the text format with {@link #parse}, or
 * taken ready-made from {@link #jobDefault()}.
 */
public final class SyscallPolicy {

    /** AUDIT_ARCH_X86_64 from linux/audit.h: EM_X86_64 (62) | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
    public static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    /** AUDIT_ARCH_I386: EM_386 (3) | __AUDIT_ARCH_LE, what the kernel reports for {@code int $0x80}. */
    public static final int AUDIT_ARCH_I386 = 0x40000003;
    /** Bit 30 of the syscall number marks the x32 ABI (__X32_SYSCALL_BIT). */
    public static final int X32_SYSCALL_BIT = 0x40000000;

    private final String name;
    private final Action defaultAction;
    /** Rules per syscall number: the conditional rules in order, then at most one unconditional. */
    private final SortedMap<Integer, List<Rule>> rulesBySyscall;
    private volatile BpfProgram program;

    private SyscallPolicy(String name, Action defaultAction, SortedMap<Integer, List<Rule>> rulesBySyscall) {
        this.name = name;
        this.defaultAction = defaultAction;
        this.rulesBySyscall = rulesBySyscall;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Returns the policy batch jobs run under when no other is set; see {@link JobDefaultPolicy}. */
    public static SyscallPolicy jobDefault() {
        return JobDefaultPolicy.INSTANCE;
    }

    /** Returns a built-in policy by name; "job-default" is the only one. */
    public static SyscallPolicy named(String name) {
        if (JobDefaultPolicy.NAME.equals(name)) {
            return jobDefault();
        }
        throw new IllegalArgumentException("unknown policy '" + name + "'; built-in policies: "
                + JobDefaultPolicy.NAME + "; groups: " + String.join(", ", SyscallGroups.names()));
    }

    /** Parses the text format; see {@link PolicyText}. */
    public static SyscallPolicy parse(String text) {
        return PolicyText.parse(text, "<policy>");
    }

    /** Reads a policy file in the text format. Errors name the file, line and column. */
    public static SyscallPolicy read(Path file) throws IOException {
        return PolicyText.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    public String name() {
        return name;
    }

    public Action defaultAction() {
        return defaultAction;
    }

    /** Returns what a syscall number above the table's highest gets. */
    public Action aboveTableAction() {
        return defaultAction.permits() ? defaultAction : Action.errno(Errno.ENOSYS);
    }

    /** Returns every rule, by ascending syscall number, conditional rules first in their order. */
    public List<Rule> rules() {
        List<Rule> all = new ArrayList<>();
        rulesBySyscall.values().forEach(all::addAll);
        return Collections.unmodifiableList(all);
    }

    /** Returns the rules for one syscall number, in the order they are tried. */
    public List<Rule> rules(int syscall) {
        return rulesBySyscall.getOrDefault(syscall, List.of());
    }

    /**
     * Returns the allowlist: the names of the syscalls this policy lets run in at least one case,
     * without repeats, ordered by syscall number.
     */
    public List<String> allowedSyscalls() {
        List<String> names = new ArrayList<>();
        for (int number : allowedSyscallNumbers()) {
            names.add(SyscallTable.nameOrNumber(number));
        }
        return Collections.unmodifiableList(names);
    }

    /** Returns the allowlist as ascending syscall numbers. */
    public int[] allowedSyscallNumbers() {
        if (defaultAction.permits()) {
            return SyscallTable.all().keySet().stream()
                    .filter(nr -> rules(nr).isEmpty() || rules(nr).stream().anyMatch(r -> r.action().permits()))
                    .mapToInt(Integer::intValue).toArray();
        }
        return rulesBySyscall.entrySet().stream()
                .filter(e -> e.getValue().stream().anyMatch(r -> r.action().permits()))
                .mapToInt(Map.Entry::getKey).toArray();
    }

    /**
     * Returns the action this policy takes for a syscall, by the rules above. This is the model the
     * compiled program is tested against.
     *
     * @param arch the {@code seccomp_data.arch} value, such as {@link #AUDIT_ARCH_X86_64}
     * @param number the syscall number as the kernel passes it (unsigned 32 bits)
     * @param args up to six argument values; missing ones are 0
     */
    public Action actionFor(int arch, int number, long... args) {
        long[] six = Arrays.copyOf(args, ArgCondition.MAX_ARGS);
        if (arch != AUDIT_ARCH_X86_64) {
            return Action.KILL_PROCESS;
        }
        if (number == -1) {
            return aboveTableAction();
        }
        if ((number & X32_SYSCALL_BIT) != 0) {
            return Action.KILL_PROCESS;
        }
        if (Integer.compareUnsigned(number, SyscallTable.maxNumber()) > 0) {
            return aboveTableAction();
        }
        for (Rule rule : rules(number)) {
            if (rule.matches(six)) {
                return rule.action();
            }
        }
        return defaultAction;
    }

    /** Shorthand for {@link #actionFor(int, int, long...)} on x86_64. */
    public Action actionFor(String syscall, long... args) {
        return actionFor(AUDIT_ARCH_X86_64, SyscallTable.requireNumber(syscall), args);
    }

    /** Returns the compiled, validated program; compiled once and then cached. */
    public BpfProgram program() {
        BpfProgram compiled = program;
        if (compiled == null) {
            compiled = ProgramCompiler.compile(this);
            program = compiled;
        }
        return compiled;
    }

    /** Returns the policy in the text format; {@link #parse} reads it back to an equal policy. */
    public String toText() {
        return PolicyText.print(this);
    }

    /** Policies are equal when they judge every syscall alike: same default and same rules. */
    @Override
    public boolean equals(Object other) {
        if (!(other instanceof SyscallPolicy)) {
            return false;
        }
        SyscallPolicy that = (SyscallPolicy) other;
        return defaultAction.equals(that.defaultAction) && rulesBySyscall.equals(that.rulesBySyscall);
    }

    @Override
    public int hashCode() {
        return Objects.hash(defaultAction, rulesBySyscall);
    }

    @Override
    public String toString() {
        return "SyscallPolicy[" + name + ", default " + defaultAction + ", "
                + rulesBySyscall.size() + " syscalls with rules]";
    }

    /** Collects rules; {@link #build()} checks them and returns the immutable policy. */
    public static final class Builder {

        private String name = "custom";
        private Action defaultAction = Action.errno(Errno.EPERM);
        private final List<Rule> rules = new ArrayList<>();

        private Builder() {
        }

        /** Sets the name that reports and messages use, such as "job-default". */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Sets the action for syscalls no rule covers; errno(EPERM) unless set. */
        public Builder defaultAction(Action action) {
            this.defaultAction = Objects.requireNonNull(action, "action");
            return this;
        }

        public Builder allow(String... syscalls) {
            for (String syscall : syscalls) {
                rule(syscall, Action.ALLOW);
            }
            return this;
        }

        public Builder allow(int... syscalls) {
            for (int syscall : syscalls) {
                rule(syscall, Action.ALLOW);
            }
            return this;
        }

        public Builder rule(String syscall, Action action, ArgCondition... conditions) {
            Objects.requireNonNull(syscall, "syscall");
            return rule(SyscallTable.requireNumber(syscall), action, conditions);
        }

        public Builder rule(int syscall, Action action, ArgCondition... conditions) {
            return rule(new Rule(syscall, action, Arrays.asList(conditions)));
        }

        public Builder rule(Rule rule) {
            rules.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /** Adds every rule of another policy, but not its default action or name. */
        public Builder include(SyscallPolicy policy) {
            rules.addAll(policy.rules());
            return this;
        }

        /** Adds an opt-in group of syscalls, such as "debug"; see {@link SyscallGroups}. */
        public Builder allowGroup(String group) {
            rules.addAll(SyscallGroups.rules(group));
            return this;
        }

        /**
         * Checks the rules and returns the policy.
         *
         * @throws IllegalArgumentException for conflicting rules for one syscall, or a rule whose
         *     action is the one the syscall would get without it
         */
        public SyscallPolicy build() {
            Map<Integer, List<Rule>> grouped = new TreeMap<>();
            for (Rule rule : new LinkedHashSet<>(rules)) {
                grouped.computeIfAbsent(rule.syscall(), nr -> new ArrayList<>()).add(rule);
            }
            SortedMap<Integer, List<Rule>> bySyscall = new TreeMap<>();
            for (Map.Entry<Integer, List<Rule>> entry : grouped.entrySet()) {
                bySyscall.put(entry.getKey(), checkSyscallRules(entry.getValue()));
            }
            return new SyscallPolicy(name, defaultAction, Collections.unmodifiableSortedMap(bySyscall));
        }

        /** Checks the distinct rules of one syscall and orders them: conditional first, in order. */
        private List<Rule> checkSyscallRules(List<Rule> rules) {
            List<Rule> conditional = new ArrayList<>();
            Rule unconditional = null;
            for (Rule rule : rules) {
                if (!rule.isConditional()) {
                    if (unconditional != null) {
                        throw conflict(unconditional, rule);
                    }
                    unconditional = rule;
                    continue;
                }
                for (Rule earlier : conditional) {
                    if (new HashSet<>(earlier.conditions()).equals(new HashSet<>(rule.conditions()))) {
                        throw conflict(earlier, rule);
                    }
                }
                conditional.add(rule);
            }

            Action fallback = unconditional != null ? unconditional.action() : defaultAction;
            if (unconditional != null && unconditional.action().equals(defaultAction)) {
                throw new InvalidRuleException(unconditional, "rule '" + unconditional + "' repeats the default action "
                        + defaultAction + "; remove it");
            }
            for (Rule rule : conditional) {
                if (rule.action().equals(fallback)) {
                    throw new InvalidRuleException(rule, "rule '" + rule + "' has no effect: syscall "
                            + rule.syscallName() + " gets " + fallback + " without it; remove it");
                }
            }

            List<Rule> ordered = new ArrayList<>(conditional);
            if (unconditional != null) {
                ordered.add(unconditional);
            }
            return List.copyOf(ordered);
        }

        private static IllegalArgumentException conflict(Rule first, Rule second) {
            return new InvalidRuleException(second, "conflicting rules for syscall " + first.syscallName()
                    + " (" + first.syscall() + "): '" + first + "' and '" + second + "'");
        }
    }

    /** A build-time error caused by one rule, so that the text parser can name its line. */
    static final class InvalidRuleException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final transient Rule rule;

        InvalidRuleException(Rule rule, String message) {
            super(message);
            this.rule = rule;
        }

        Rule rule() {
            return rule;
        }
    }
}

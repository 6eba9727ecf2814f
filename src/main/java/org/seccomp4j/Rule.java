package org.seccomp4j;

import java.util.List;
import java.util.Objects;

/**
 * One line of a policy: a syscall number, the conditions on its arguments (all must hold), and the
 * action taken when they do. A rule without conditions is the syscall's own fallback action.
 */
public final class Rule {

    private final int syscall;
    private final Action action;
    private final List<ArgCondition> conditions;

    public Rule(int syscall, Action action, List<ArgCondition> conditions) {
        this.syscall = SyscallTable.requireKnown(syscall);
        this.action = Objects.requireNonNull(action, "action");
        this.conditions = List.copyOf(conditions);
    }

    public int syscall() {
        return syscall;
    }

    public String syscallName() {
        return SyscallTable.nameOrNumber(syscall);
    }

    public Action action() {
        return action;
    }

    public List<ArgCondition> conditions() {
        return conditions;
    }

    public boolean isConditional() {
        return !conditions.isEmpty();
    }

    /** Returns true when every condition holds for these six arguments. */
    boolean matches(long[] args) {
        for (ArgCondition condition : conditions) {
            if (!condition.test(args[condition.index()])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Rule)) {
            return false;
        }
        Rule that = (Rule) other;
        return syscall == that.syscall && action.equals(that.action) && conditions.equals(that.conditions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(syscall, action, conditions);
    }

    /** Returns the policy-file form, for example {@code allow clone if arg0 & 0x7e020000 == 0x0}. */
    @Override
    public String toString() {
        StringBuilder line = new StringBuilder().append(action).append(' ').append(syscallName());
        for (int i = 0; i < conditions.size(); i++) {
            line.append(i == 0 ? " if " : " and ").append(conditions.get(i));
        }
        return line.toString();
    }
}

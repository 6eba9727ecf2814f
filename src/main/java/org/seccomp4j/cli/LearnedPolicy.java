package org.seccomp4j.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.seccomp4j.Denial;
import org.seccomp4j.DenialReport;
import org.seccomp4j.Rule;
import org.seccomp4j.SyscallPolicy;

/**
 * The policy file that {@code seccomp4j learn} writes: the base policy, plus one {@code allow}
 * line for each syscall that the audit run would have been denied, commented with its count and
 * the first program that called it.
 *
 * <p>The base appears as {@code include NAME} when it is a built-in policy and none of the added
 * syscalls has a rule in it. Otherwise its rules are written out one by one, without the rules of
 * the added syscalls, because an {@code allow} line next to a base rule for the same syscall would
 * conflict with it. A syscall is allowed whole, whatever arguments the run used.
 */
final class LearnedPolicy {

    /** Column of the comments after the rules, for a readable file. */
    private static final int COMMENT_COLUMN = 32;

    private final SyscallPolicy base;
    private final String builtInBase;
    private final List<String> command;
    /** Per added syscall number: its denials, in the order of the first call. */
    private final Map<Integer, List<Denial>> added = new LinkedHashMap<>();

    /**
     * @param builtInBase the base's built-in name, such as "job-default", or null if the base is a
     *     file or has groups added
     */
    LearnedPolicy(SyscallPolicy base, String builtInBase, DenialReport report, List<String> command) {
        this.base = base;
        this.builtInBase = builtInBase;
        this.command = List.copyOf(command);
        for (Denial denial : report.denials()) {
            added.computeIfAbsent(denial.number(), number -> new ArrayList<>()).add(denial);
        }
    }

    /** Returns the names of the added syscalls, in the order of their first calls. */
    List<String> addedSyscalls() {
        return added.values().stream().map(denials -> denials.get(0).syscall()).collect(Collectors.toList());
    }

    /**
     * Returns the policy text.
     *
     * @throws IllegalStateException if the text does not parse back, which would be a bug here
     */
    String text() {
        StringBuilder text = new StringBuilder();
        text.append("# Written by seccomp4j learn: policy ").append(base.name())
                .append(" plus the syscalls that an audit run of this command needed:\n")
                .append("#   ").append(printable(String.join(" ", command))).append('\n');
        text.append("policy ").append(base.name()).append("+learned\n");
        text.append("default ").append(base.defaultAction()).append('\n');

        boolean include = builtInBase != null
                && added.keySet().stream().allMatch(number -> base.rules(number).isEmpty());
        if (include) {
            text.append("include ").append(builtInBase).append('\n');
        } else {
            for (Rule rule : base.rules()) {
                if (!added.containsKey(rule.syscall())) {
                    text.append(rule).append('\n');
                }
            }
        }

        if (!added.isEmpty()) {
            text.append("\n# Added by the audit run\n");
        }
        for (List<Denial> denials : added.values()) {
            Denial first = denials.get(0);
            String rule = "allow " + first.syscall();
            text.append(rule).append(" ".repeat(Math.max(1, COMMENT_COLUMN - rule.length())))
                    .append("# ").append(comment(denials)).append('\n');
        }

        String result = text.toString();
        SyscallPolicy.parse(result);
        return result;
    }

    private String comment(List<Denial> denials) {
        Denial first = denials.get(0);
        long calls = denials.stream().mapToLong(Denial::count).sum();
        StringBuilder comment = new StringBuilder()
                .append(calls).append(calls == 1 ? " call" : " calls")
                .append(", first by ").append(first.firstProgram().isEmpty() ? "pid " + first.firstPid() : printable(first.firstProgram()));
        List<Rule> replaced = base.rules(first.number());
        if (!replaced.isEmpty()) {
            comment.append("; replaces: ").append(replaced.stream().map(Rule::toString).collect(Collectors.joining("; ")));
        }
        return comment.toString();
    }

    /** Replaces control characters, so that a command or path with a newline cannot end a comment early. */
    private static String printable(String text) {
        StringBuilder result = new StringBuilder(text.length());
        text.codePoints().forEach(c -> result.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return result.toString();
    }
}

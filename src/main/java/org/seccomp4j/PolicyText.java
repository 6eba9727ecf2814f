package org.seccomp4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The plain-text policy format: one rule or directive per line, {@code #} starts a comment.
 *
 * <pre>
 * policy my-job                  # name used in reports
 * default errno(EPERM)           # action for syscalls no rule covers; errno(EPERM) if omitted
 * include job-default            # the rules of a built-in policy or group (see SyscallGroups)
 * allow getrandom                # ACTION SYSCALL
 * allow 318                      # a syscall by number
 * kill-process ptrace
 * errno(EPERM) ioctl if arg1 &amp; 0xffffffff == 0x5412
 * allow personality if arg0 == 0xffffffff
 * allow mmap if arg2 &lt;= 7 and arg3 != 0
 * </pre>
 *
 * <p>Actions: allow, errno(NAME or number), kill-process, kill-thread, trap, log, user-notif.
 * Conditions: {@code argN OP VALUE} with OP one of {@code == != < <= > >=}, or
 * {@code argN & MASK == VALUE}; comparisons are unsigned 64-bit, values decimal or 0x-hex.
 * {@link #print} writes a policy so that {@link #parse} reads back an equal one.
 */
final class PolicyText {

    private PolicyText() {
    }

    static String print(SyscallPolicy policy) {
        StringBuilder out = new StringBuilder();
        out.append("policy ").append(policy.name()).append('\n');
        out.append("default ").append(policy.defaultAction()).append('\n');
        for (Rule rule : policy.rules()) {
            out.append(rule).append('\n');
        }
        return out.toString();
    }

    static SyscallPolicy parse(String text, String source) {
        SyscallPolicy.Builder builder = SyscallPolicy.builder();
        Map<Rule, Integer> ruleLines = new HashMap<>();
        String[] lines = text.split("\r?\n", -1);
        boolean defaultSeen = false;
        boolean nameSeen = false;
        for (int index = 0; index < lines.length; index++) {
            Line line = new Line(source, index + 1, lines[index]);
            if (line.tokens.isEmpty()) {
                continue;
            }
            Token keyword = line.tokens.get(0);
            switch (keyword.text) {
                case "policy":
                    line.expectCount(2, "policy NAME");
                    if (nameSeen) {
                        throw line.error(keyword, "the policy name is already set");
                    }
                    nameSeen = true;
                    builder.name(line.tokens.get(1).text);
                    break;
                case "default":
                    line.expectCount(2, "default ACTION");
                    if (defaultSeen) {
                        throw line.error(keyword, "the default action is already set");
                    }
                    defaultSeen = true;
                    builder.defaultAction(line.action(line.tokens.get(1)));
                    break;
                case "include":
                    line.expectCount(2, "include NAME");
                    Token name = line.tokens.get(1);
                    line.attemptRun(name, () -> include(builder, name.text, ruleLines, line.number));
                    break;
                default:
                    Rule rule = line.rule();
                    ruleLines.putIfAbsent(rule, line.number);
                    builder.rule(rule);
                    break;
            }
        }
        try {
            return builder.build();
        } catch (SyscallPolicy.InvalidRuleException e) {
            int number = ruleLines.getOrDefault(e.rule(), 1);
            throw new PolicyParseException(source, number, 1, e.getMessage(), e);
        }
    }

    private static void include(SyscallPolicy.Builder builder, String name, Map<Rule, Integer> ruleLines, int line) {
        List<Rule> rules = SyscallGroups.names().contains(name)
                ? SyscallGroups.rules(name)
                : SyscallPolicy.named(name).rules();
        for (Rule rule : rules) {
            ruleLines.putIfAbsent(rule, line);
            builder.rule(rule);
        }
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static final class Token {
        final String text;
        final int column;

        Token(String text, int column) {
            this.text = text;
            this.column = column;
        }
    }

    /** One line, split into whitespace-separated tokens with their columns, comment removed. */
    private static final class Line {
        final String source;
        final int number;
        final List<Token> tokens = new ArrayList<>();

        Line(String source, int number, String text) {
            this.source = source;
            this.number = number;
            int comment = text.indexOf('#');
            String content = comment >= 0 ? text.substring(0, comment) : text;
            int i = 0;
            while (i < content.length()) {
                if (Character.isWhitespace(content.charAt(i))) {
                    i++;
                    continue;
                }
                int start = i;
                while (i < content.length() && !Character.isWhitespace(content.charAt(i))) {
                    i++;
                }
                tokens.add(new Token(content.substring(start, i), start + 1));
            }
        }

        void expectCount(int count, String form) {
            if (tokens.size() != count) {
                Token at = tokens.size() > count ? tokens.get(count) : tokens.get(tokens.size() - 1);
                throw error(at, "expected '" + form + "'");
            }
        }

        Action action(Token token) {
            try {
                return Action.parse(token.text);
            } catch (IllegalArgumentException e) {
                throw error(token, e.getMessage(), e);
            }
        }

        /** Parses {@code ACTION SYSCALL [if COND [and COND]...]}. */
        Rule rule() {
            Action action = action(tokens.get(0));
            if (tokens.size() < 2) {
                throw error(tokens.get(0), "expected 'ACTION SYSCALL [if CONDITION [and CONDITION]...]'");
            }
            Token syscallToken = tokens.get(1);
            int syscall = syscall(syscallToken);
            List<ArgCondition> conditions = new ArrayList<>();
            int i = 2;
            if (i < tokens.size()) {
                if (!tokens.get(i).text.equals("if")) {
                    throw error(tokens.get(i), "expected 'if' or the end of the line after the syscall");
                }
                i++;
                while (true) {
                    i = condition(i, conditions);
                    if (i == tokens.size()) {
                        break;
                    }
                    if (!tokens.get(i).text.equals("and")) {
                        throw error(tokens.get(i), "expected 'and' or the end of the line after a condition");
                    }
                    i++;
                }
            }
            Token anchor = syscallToken;
            return attempt(anchor, () -> new Rule(syscall, action, conditions));
        }

        private int syscall(Token token) {
            if (!token.text.isEmpty() && isAsciiDigit(token.text.charAt(0))) {
                long number = value(token);
                return attempt(token, () -> SyscallTable.requireKnown((int) Math.min(number, Integer.MAX_VALUE)));
            }
            return attempt(token, () -> SyscallTable.requireNumber(token.text));
        }

        /** Parses {@code argN OP VALUE} or {@code argN & MASK == VALUE} from token i; returns the next index. */
        private int condition(int i, List<ArgCondition> conditions) {
            if (i >= tokens.size()) {
                throw error(tokens.get(tokens.size() - 1), "expected a condition such as 'arg0 == 1'");
            }
            Token argument = tokens.get(i);
            if (!argument.text.matches("arg[0-5]")) {
                throw error(argument, "expected an argument arg0 to arg5, found '" + argument.text + "'");
            }
            int index = argument.text.charAt(3) - '0';
            Token op = token(i + 1, "an operator (== != < <= > >= &)");
            if (op.text.equals("&")) {
                long mask = value(token(i + 2, "a mask"));
                Token equals = token(i + 3, "'=='");
                if (!equals.text.equals("==")) {
                    throw error(equals, "a masked test takes '==', found '" + equals.text + "'");
                }
                Token valueToken = token(i + 4, "a value");
                long value = value(valueToken);
                conditions.add(attempt(valueToken, () -> ArgCondition.maskedEquals(index, mask, value)));
                return i + 5;
            }
            ArgCondition.Op parsed = operator(op);
            long value = value(token(i + 2, "a value"));
            conditions.add(ArgCondition.of(index, parsed, value));
            return i + 3;
        }

        private ArgCondition.Op operator(Token token) {
            switch (token.text) {
                case "==": return ArgCondition.Op.EQ;
                case "!=": return ArgCondition.Op.NE;
                case "<": return ArgCondition.Op.LT;
                case "<=": return ArgCondition.Op.LE;
                case ">": return ArgCondition.Op.GT;
                case ">=": return ArgCondition.Op.GE;
                default: throw error(token, "unknown operator '" + token.text + "'; expected == != < <= > >= or &");
            }
        }

        private Token token(int i, String expected) {
            if (i >= tokens.size()) {
                Token last = tokens.get(tokens.size() - 1);
                throw new PolicyParseException(source, number, last.column + last.text.length(),
                        "expected " + expected + " at the end of the line", null);
            }
            return tokens.get(i);
        }

        /** Parses an unsigned 64-bit value, decimal or 0x-hex, in ASCII digits only. */
        private long value(Token token) {
            String text = token.text.toLowerCase(Locale.ROOT);
            boolean hex = text.startsWith("0x");
            String digits = hex ? text.substring(2) : text;
            boolean valid = !digits.isEmpty() && digits.chars().allMatch(c -> isAsciiDigit((char) c)
                    || (hex && c >= 'a' && c <= 'f'));
            try {
                if (!valid) {
                    throw new NumberFormatException(token.text);
                }
                return Long.parseUnsignedLong(digits, hex ? 16 : 10);
            } catch (NumberFormatException e) {
                throw error(token, "invalid number '" + token.text + "'; expected decimal or 0x-hex, at most 64 bits", e);
            }
        }

        <T> T attempt(Token token, java.util.function.Supplier<T> step) {
            try {
                return step.get();
            } catch (PolicyParseException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw error(token, e.getMessage(), e);
            }
        }

        void attemptRun(Token token, Runnable step) {
            attempt(token, () -> {
                step.run();
                return null;
            });
        }

        PolicyParseException error(Token token, String message) {
            return error(token, message, null);
        }

        PolicyParseException error(Token token, String message, Throwable cause) {
            return new PolicyParseException(source, number, token.column, message, cause);
        }
    }
}

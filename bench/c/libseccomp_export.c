/*
 * Builds a policy with libseccomp and writes the BPF program it generates.
 *
 * Usage: libseccomp_export RULES OUTPUT
 *
 * RULES is the text that PolicyExport writes, one directive per line:
 *   default RETVAL                 action for syscalls no rule covers
 *   badarch RETVAL                 action for callers of another arch
 *   rule NR RETVAL [ARG OP MASK VALUE]...
 * RETVAL is a seccomp return value (SECCOMP_RET_*), OP one of eq ne lt le gt
 * ge masked_eq, and MASK is used only by masked_eq. Numbers are C literals.
 *
 * The filter is built for x86_64 only, with SCMP_FLTATR_CTL_OPTIMIZE=2 (the
 * binary tree, libseccomp 2.5.0 and later), and written with
 * seccomp_export_bpf() as struct sock_filter[] in native byte order.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#define MAX_CONDITIONS 6
#define MAX_LINE 1024

static void die(const char *what, int error)
{
    fprintf(stderr, "libseccomp_export: %s failed: %s\n", what, strerror(error));
    exit(1);
}

static enum scmp_compare parse_op(const char *op, int line)
{
    static const struct { const char *name; enum scmp_compare op; } ops[] = {
        { "eq", SCMP_CMP_EQ }, { "ne", SCMP_CMP_NE }, { "lt", SCMP_CMP_LT },
        { "le", SCMP_CMP_LE }, { "gt", SCMP_CMP_GT }, { "ge", SCMP_CMP_GE },
        { "masked_eq", SCMP_CMP_MASKED_EQ },
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(op, ops[i].name) == 0)
            return ops[i].op;
    }
    fprintf(stderr, "libseccomp_export: line %d: unknown operator '%s'\n", line, op);
    exit(1);
}

/* Maps a seccomp return value to the libseccomp action that produces it. */
static uint32_t action_of(unsigned long value)
{
    return (uint32_t) value;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: libseccomp_export RULES OUTPUT\n");
        return 2;
    }
    FILE *rules = fopen(argv[1], "r");
    if (rules == NULL)
        die(argv[1], errno);

    char line[MAX_LINE];
    int line_number = 0;
    scmp_filter_ctx ctx = NULL;
    unsigned long bad_arch = SCMP_ACT_KILL_PROCESS;
    while (fgets(line, sizeof line, rules) != NULL) {
        line_number++;
        char *save = NULL;
        char *word = strtok_r(line, " \t\n", &save);
        if (word == NULL || word[0] == '#')
            continue;

        if (strcmp(word, "badarch") == 0) {
            bad_arch = strtoul(strtok_r(NULL, " \t\n", &save), NULL, 0);
        } else if (strcmp(word, "default") == 0) {
            ctx = seccomp_init(action_of(strtoul(strtok_r(NULL, " \t\n", &save), NULL, 0)));
            if (ctx == NULL)
                die("seccomp_init", EINVAL);
            int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, action_of(bad_arch));
            if (rc < 0)
                die("seccomp_attr_set(SCMP_FLTATR_ACT_BADARCH)", -rc);
            rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
            if (rc < 0)
                die("seccomp_attr_set(SCMP_FLTATR_CTL_OPTIMIZE, 2)", -rc);
        } else if (strcmp(word, "rule") == 0) {
            if (ctx == NULL) {
                fprintf(stderr, "libseccomp_export: line %d: rule before default\n", line_number);
                return 1;
            }
            int nr = (int) strtol(strtok_r(NULL, " \t\n", &save), NULL, 0);
            uint32_t action = action_of(strtoul(strtok_r(NULL, " \t\n", &save), NULL, 0));
            struct scmp_arg_cmp conditions[MAX_CONDITIONS];
            unsigned int count = 0;
            char *arg;
            while ((arg = strtok_r(NULL, " \t\n", &save)) != NULL) {
                if (count == MAX_CONDITIONS) {
                    fprintf(stderr, "libseccomp_export: line %d: more than %d conditions\n", line_number,
                            MAX_CONDITIONS);
                    return 1;
                }
                char *op = strtok_r(NULL, " \t\n", &save);
                char *mask = strtok_r(NULL, " \t\n", &save);
                char *value = strtok_r(NULL, " \t\n", &save);
                if (op == NULL || mask == NULL || value == NULL) {
                    fprintf(stderr, "libseccomp_export: line %d: incomplete condition\n", line_number);
                    return 1;
                }
                enum scmp_compare compare = parse_op(op, line_number);
                conditions[count].arg = (unsigned int) strtoul(arg, NULL, 0);
                conditions[count].op = compare;
                /* For SCMP_CMP_MASKED_EQ, datum_a is the mask and datum_b the value. */
                conditions[count].datum_a = compare == SCMP_CMP_MASKED_EQ
                        ? strtoull(mask, NULL, 0) : strtoull(value, NULL, 0);
                conditions[count].datum_b = compare == SCMP_CMP_MASKED_EQ ? strtoull(value, NULL, 0) : 0;
                count++;
            }
            int rc = seccomp_rule_add_array(ctx, action, nr, count, conditions);
            if (rc < 0) {
                char what[64];
                snprintf(what, sizeof what, "seccomp_rule_add_array(nr %d, line %d)", nr, line_number);
                die(what, -rc);
            }
        } else {
            fprintf(stderr, "libseccomp_export: line %d: unknown directive '%s'\n", line_number, word);
            return 1;
        }
    }
    fclose(rules);
    if (ctx == NULL) {
        fprintf(stderr, "libseccomp_export: %s has no default line\n", argv[1]);
        return 1;
    }

    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0)
        die(argv[2], errno);
    int rc = seccomp_export_bpf(ctx, out);
    if (rc < 0)
        die("seccomp_export_bpf", -rc);
    if (close(out) < 0)
        die("close", errno);
    seccomp_release(ctx);
    return 0;
}

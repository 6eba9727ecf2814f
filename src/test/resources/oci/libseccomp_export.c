/*
 * Builds a filter with libseccomp the way runc 1.x adds a profile's rules, and writes the program
 * that seccomp_export_bpf produces to stdout. The tests compare its verdicts with seccomp4j's.
 *
 * Input on stdin, numbers in decimal, one item per line:
 *   default ACTION
 *   rule SYSCALL ACTION COUNT [INDEX OP DATUM_A DATUM_B]...
 * ACTION is the SECCOMP_RET value (SCMP_ACT_ERRNO(e) is 0x50000 | e), OP an enum scmp_compare
 * value, and for SCMP_CMP_MASKED_EQ DATUM_A is the mask and DATUM_B the expected bits.
 *
 * As runc's matchCall does, a rule whose action is the default is skipped, and a rule that
 * compares one argument twice is added as one rule per comparison.
 *
 * Exit status: 0 on success, 2 for malformed input, 1 when libseccomp fails (message on stderr).
 */
#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_CONDITIONS 6

static int add_rule(scmp_filter_ctx filter, uint32_t action, int syscall, unsigned count,
                    const struct scmp_arg_cmp *conditions) {
    int seen[MAX_CONDITIONS] = {0};
    int repeated = 0;
    for (unsigned i = 0; i < count; i++) {
        if (seen[conditions[i].arg]++) {
            repeated = 1;
        }
    }
    if (!repeated) {
        return seccomp_rule_add_array(filter, action, syscall, count, conditions);
    }
    for (unsigned i = 0; i < count; i++) {
        int rc = seccomp_rule_add_array(filter, action, syscall, 1, &conditions[i]);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

int main(void) {
    unsigned long long default_action;
    if (scanf(" default %llu", &default_action) != 1) {
        fprintf(stderr, "libseccomp_export: missing 'default ACTION' line\n");
        return 2;
    }
    scmp_filter_ctx filter = seccomp_init((uint32_t)default_action);
    if (filter == NULL) {
        fprintf(stderr, "libseccomp_export: seccomp_init(%llu) failed\n", default_action);
        return 1;
    }

    int syscall;
    unsigned long long action;
    unsigned count;
    while (scanf(" rule %d %llu %u", &syscall, &action, &count) == 3) {
        struct scmp_arg_cmp conditions[MAX_CONDITIONS];
        if (count > MAX_CONDITIONS) {
            fprintf(stderr, "libseccomp_export: rule for syscall %d has %u conditions\n", syscall, count);
            return 2;
        }
        for (unsigned i = 0; i < count; i++) {
            unsigned index, op;
            unsigned long long datum_a, datum_b;
            if (scanf(" %u %u %llu %llu", &index, &op, &datum_a, &datum_b) != 4 || index >= MAX_CONDITIONS) {
                fprintf(stderr, "libseccomp_export: malformed condition for syscall %d\n", syscall);
                return 2;
            }
            conditions[i] = (struct scmp_arg_cmp){index, (enum scmp_compare)op, datum_a, datum_b};
        }
        if ((uint32_t)action == (uint32_t)default_action) {
            continue;
        }
        int rc = add_rule(filter, (uint32_t)action, syscall, count, conditions);
        if (rc < 0) {
            fprintf(stderr, "libseccomp_export: seccomp_rule_add(syscall %d) failed: %s\n", syscall, strerror(-rc));
            return 1;
        }
    }
    if (!feof(stdin)) {
        fprintf(stderr, "libseccomp_export: malformed line after the rules\n");
        return 2;
    }

    int rc = seccomp_export_bpf(filter, 1);
    if (rc < 0) {
        fprintf(stderr, "libseccomp_export: seccomp_export_bpf failed: %s\n", strerror(-rc));
        return 1;
    }
    seccomp_release(filter);
    return 0;
}

package org.seccomp4j;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What the filter of one job denied, per syscall and action, in the order of the first call; in
 * AUDIT mode, what it would have denied. {@link SeccompProcess#denials()} returns a snapshot.
 *
 * <p>Calls that the policy fails with ENOSYS are not listed, because that errno makes the C library
 * fall back to an older syscall, and the job does not fail (see the README, "Denial reports").
 * Neither are kills of a caller of another arch or of the x32 ABI, and, in ENFORCE mode,
 * {@code kill-thread} and {@code trap} actions, which the kernel carries out alone.
 */
public final class DenialReport {

    private final List<Denial> denials;
    private final boolean complete;

    DenialReport(List<Denial> denials, boolean complete) {
        this.denials = List.copyOf(denials);
        this.complete = complete;
    }

    /** Returns one entry per denied syscall and action, in the order of their first calls. */
    public List<Denial> denials() {
        return denials;
    }

    public boolean isEmpty() {
        return denials.isEmpty();
    }

    /** Returns the number of denied calls, over all syscalls. */
    public long totalCount() {
        return denials.stream().mapToLong(Denial::count).sum();
    }

    /**
     * Returns true once no process of the job is left, so no denial can be added. Before that,
     * processes that the job left running when its leader exited may still add to later snapshots.
     */
    public boolean isComplete() {
        return complete;
    }

    /** Returns the calls per syscall in the order of their first calls, such as {@code unshare x1, mount x2}. */
    public String summary() {
        return denials.stream().map(denial -> denial.syscall() + " x" + denial.count()).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return "DenialReport[" + totalCount() + " calls" + (denials.isEmpty() ? "" : ": " + summary())
                + (complete ? "" : ", incomplete") + "]";
    }
}

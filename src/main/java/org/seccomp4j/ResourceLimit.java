package org.seccomp4j;

/** Resource limits a job can be started with, by their {@code RLIMIT_*} numbers on Linux x86_64. */
public enum ResourceLimit {
    CPU(0),
    FSIZE(1),
    DATA(2),
    STACK(3),
    CORE(4),
    RSS(5),
    NPROC(6),
    NOFILE(7),
    MEMLOCK(8),
    AS(9);

    /** RLIM_INFINITY: no limit. */
    public static final long INFINITY = -1L;

    final int resource;

    ResourceLimit(int resource) {
        this.resource = resource;
    }

    static ResourceLimit of(int resource) {
        for (ResourceLimit limit : values()) {
            if (limit.resource == resource) {
                return limit;
            }
        }
        throw new IllegalArgumentException("unknown resource " + resource);
    }
}

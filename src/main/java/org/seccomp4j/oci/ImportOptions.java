package org.seccomp4j.oci;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Options for reading a profile with {@link OciProfiles}: the capabilities and kernel version that
 * Docker's {@code includes} and {@code excludes} are evaluated for, whether unknown syscall names
 * are errors, and the name of the resulting policy. The options are immutable, and each
 * {@code with} method returns a copy.
 */
public final class ImportOptions {

    private static final Pattern KERNEL_VERSION = Pattern.compile("(\\d+)\\.(\\d+)(?:[.\\-+].*)?");

    private final Set<String> capabilities;
    private final int[] kernelVersion;
    private final boolean strict;
    private final String name;

    private ImportOptions(Set<String> capabilities, int[] kernelVersion, boolean strict, String name) {
        this.capabilities = capabilities;
        this.kernelVersion = kernelVersion;
        this.strict = strict;
        this.name = name;
    }

    /**
     * Returns the defaults: no capabilities, the running kernel's version (from {@code os.version}),
     * unknown syscall names skipped, and the policy named after the file.
     */
    public static ImportOptions defaults() {
        return new ImportOptions(Set.of(), parseKernelVersion(System.getProperty("os.version", "")), false, null);
    }

    /**
     * Sets the capabilities the job is taken to hold, such as {@code CAP_SYS_ADMIN}, for Docker's
     * {@code includes.caps} and {@code excludes.caps}. Docker uses the container's bounding set; a
     * job started by seccomp4j has no container, so the default is none. The {@code CAP_} prefix may
     * be left out.
     */
    public ImportOptions withCapabilities(Collection<String> names) {
        Set<String> normalized = new TreeSet<>();
        for (String capability : names) {
            String name = normalizeCapability(capability);
            if (!name.matches("CAP_[A-Z_]+")) {
                throw new IllegalArgumentException("invalid capability name '" + capability
                        + "'; expected a name such as CAP_SYS_ADMIN");
            }
            normalized.add(name);
        }
        return new ImportOptions(Set.copyOf(normalized), kernelVersion, strict, name);
    }

    public ImportOptions withCapabilities(String... names) {
        return withCapabilities(Arrays.asList(names));
    }

    /** Sets the kernel version, such as "6.1", that Docker's {@code minKernel} is compared with. */
    public ImportOptions withKernelVersion(String version) {
        int[] parsed = parseKernelVersion(version);
        if (parsed == null) {
            throw new IllegalArgumentException("invalid kernel version '" + version + "'; expected MAJOR.MINOR such as 6.1");
        }
        return new ImportOptions(capabilities, parsed, strict, name);
    }

    /**
     * Sets whether a syscall name missing from the x86_64 table is an error. When not strict (the
     * default) such names are skipped, as runc does, because shared profiles list the syscalls of
     * every architecture.
     */
    public ImportOptions withStrict(boolean strict) {
        return new ImportOptions(capabilities, kernelVersion, strict, name);
    }

    /** Sets the policy's name; by default it is the file name without {@code .json}. */
    public ImportOptions withName(String name) {
        return new ImportOptions(capabilities, kernelVersion, strict, Objects.requireNonNull(name, "name"));
    }

    public Set<String> capabilities() {
        return capabilities;
    }

    /** Returns the kernel version as {major, minor}, or null when {@code os.version} could not be parsed. */
    int[] kernelVersion() {
        return kernelVersion == null ? null : kernelVersion.clone();
    }

    public boolean strict() {
        return strict;
    }

    /** Returns the chosen policy name, or null for the default. */
    public String name() {
        return name;
    }

    /** Returns a capability name in upper case with the {@code CAP_} prefix, as Docker writes it. */
    static String normalizeCapability(String capability) {
        String upper = capability.trim().toUpperCase(Locale.ROOT);
        return upper.startsWith("CAP_") ? upper : "CAP_" + upper;
    }

    /** Parses "6.18", "6.18.4" or "6.18.44-generic" to {6, 18}; returns null for anything else. */
    static int[] parseKernelVersion(String version) {
        Matcher matcher = KERNEL_VERSION.matcher(version.trim());
        if (!matcher.matches()) {
            return null;
        }
        try {
            return new int[] {Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))};
        } catch (NumberFormatException tooLong) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "ImportOptions[capabilities=" + capabilities + ", kernel="
                + (kernelVersion == null ? "unknown" : kernelVersion[0] + "." + kernelVersion[1])
                + ", strict=" + strict + (name == null ? "" : ", name=" + name) + "]";
    }
}

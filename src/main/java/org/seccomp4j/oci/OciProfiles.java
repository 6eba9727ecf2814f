package org.seccomp4j.oci;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.seccomp4j.SyscallPolicy;

/**
 * Reads OCI runtime-spec and Docker seccomp profiles as policies, and writes policies as OCI
 * profiles, so that sites can run jobs under the profiles of their containers and the other way
 * round.
 *
 * <pre>{@code
 * SyscallPolicy docker = OciProfiles.read(Path.of("docker-default.json"));
 * Process job = new SeccompProcessBuilder("make", "check").policy(docker).start();
 *
 * OciProfiles.write(SyscallPolicy.jobDefault(), Path.of("job-default.json"));
 * }</pre>
 *
 * <p>This package needs jackson-databind, which seccomp4j declares as an optional dependency:
 * add it to an application that uses this class. The rest of seccomp4j never loads it.
 *
 * <h2>Reading</h2>
 *
 * A profile gets the verdicts that runc with libseccomp 2.5 gives it on x86_64:
 * <ul>
 *   <li>{@code defaultAction} with {@code defaultErrnoRet}, and each entry's {@code action} with
 *       {@code errnoRet}, become actions. SCMP_ACT_ERRNO without an errno means EPERM; an errno
 *       with another action is an error, as the runtime spec requires. SCMP_ACT_KILL is
 *       SCMP_ACT_KILL_THREAD, SCMP_ACT_NOTIFY is user-notif, and SCMP_ACT_TRACE is rejected.
 *   <li>Each name of an entry gets the entry's rule. Names missing from the x86_64 table, such as
 *       {@code chown32} or arm's {@code set_tls}, are skipped with a DEBUG log, or rejected by a
 *       {@linkplain ImportOptions#withStrict strict} import.
 *   <li>The comparisons of {@code args} are ANDed. When two test the same argument, runc makes
 *       each a rule of its own, so they are ORed; this reader does the same. SCMP_CMP_MASKED_EQ
 *       takes the mask in {@code value} and the expected bits in {@code valueTwo}.
 *   <li>An entry whose action is the default action is dropped, as runc drops it.
 *   <li>For one syscall, the first unconditional rule decides every call; without one, the
 *       conditional rules apply in the order listed, and other calls get the default action.
 * </ul>
 * Docker's {@code includes} and {@code excludes} are evaluated for amd64, the capabilities of
 * {@link ImportOptions#withCapabilities} (none unless set) and the kernel version of
 * {@link ImportOptions#withKernelVersion} (the running kernel unless set). {@code architectures},
 * {@code archMap} and {@code flags} are checked and otherwise ignored, as is {@code listenerPath}.
 * A whole OCI {@code config.json} is accepted too: its {@code linux.seccomp} is read.
 *
 * <h2>Writing</h2>
 *
 * The profile lists {@code SCMP_ARCH_X86_64} only. Syscalls with one unconditional rule share an
 * entry per action. Where a syscall has conditional rules and an unconditional one, which
 * libseccomp cannot order, the unconditional rule is written as conditions over the calls that the
 * others do not match (see {@link ProfileWriter}). Reading the profile back gives an equal policy.
 * The exception is rules that had to be rewritten as MASKED_EQ regions: rules with different
 * actions that overlap, and rules that compare one argument twice. Those read back as a policy
 * that gives the same verdicts.
 *
 * <h2>Where a container runtime differs</h2>
 * <ul>
 *   <li>seccomp4j's programs kill callers of other architectures and of the x32 ABI. A runtime
 *       whose profile lists SCMP_ARCH_X86 or SCMP_ARCH_X32, as Docker's does through
 *       {@code archMap}, applies the rules to them instead.
 *   <li>Syscall numbers above seccomp4j's table get ENOSYS unless the default action lets
 *       syscalls run. runc gives ENOSYS to numbers above the highest syscall the profile names.
 *   <li>Docker evaluates {@code caps} against the container's capabilities. Its default container
 *       holds CAP_SYS_CHROOT, for example, so it allows {@code chroot}, which a job read with no
 *       capabilities does not get.
 * </ul>
 */
public final class OciProfiles {

    private OciProfiles() {
    }

    /** Reads a profile file with the {@linkplain ImportOptions#defaults default options}. */
    public static SyscallPolicy read(Path file) throws IOException {
        return read(file, ImportOptions.defaults());
    }

    /**
     * Reads a profile file. The policy is named after the file unless the options name it.
     *
     * @throws InvalidProfileException naming the file, the JSON location and the fault
     */
    public static SyscallPolicy read(Path file, ImportOptions options) throws IOException {
        String json = withoutByteOrderMark(Files.readString(file, StandardCharsets.UTF_8));
        String fileName = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        String name = fileName.endsWith(".json") ? fileName.substring(0, fileName.length() - ".json".length()) : fileName;
        return ProfileReader.read(json, file.toString(), name, Objects.requireNonNull(options, "options"));
    }

    /**
     * Parses a profile given as text; the policy is named "oci-profile" unless the options name it.
     *
     * @throws InvalidProfileException naming the JSON location and the fault
     */
    public static SyscallPolicy parse(String json, ImportOptions options) {
        return ProfileReader.read(json, "<profile>", "oci-profile", Objects.requireNonNull(options, "options"));
    }

    /** Parses a profile given as text, with the default options. */
    public static SyscallPolicy parse(String json) {
        return parse(json, ImportOptions.defaults());
    }

    /**
     * Returns the policy as an OCI seccomp profile: the object that Docker's
     * {@code --security-opt seccomp=FILE} takes and that a runtime-spec {@code config.json} contains
     * in {@code linux.seccomp}.
     *
     * @throws InvalidProfileException when a syscall's rules would need more than 256 entries
     */
    public static String toJson(SyscallPolicy policy) {
        return ProfileWriter.write(Objects.requireNonNull(policy, "policy"));
    }

    /** Writes {@link #toJson} to a file, replacing it. */
    public static void write(SyscallPolicy policy, Path file) throws IOException {
        Files.writeString(file, toJson(policy), StandardCharsets.UTF_8);
    }

    /**
     * Returns true when a policy file looks like a JSON profile rather than seccomp4j's text format:
     * its name ends in {@code .json}, or its first character other than white space is '{'.
     */
    public static boolean isProfile(Path file) throws IOException {
        if (file.toString().endsWith(".json")) {
            return true;
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(1024);
        }
        String start = withoutByteOrderMark(new String(head, StandardCharsets.UTF_8)).stripLeading();
        return start.startsWith("{");
    }

    private static String withoutByteOrderMark(String text) {
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }
}

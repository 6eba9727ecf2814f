package org.seccomp4j.oci;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.seccomp4j.Action;
import org.seccomp4j.ArgCondition;
import org.seccomp4j.Rule;
import org.seccomp4j.SyscallPolicy;
import org.seccomp4j.SyscallTable;

/**
 * Reads an OCI or Docker seccomp profile into a {@link SyscallPolicy}, judging it as runc 1.x with
 * libseccomp 2.5 would on x86_64. See {@link OciProfiles} for the rules this follows.
 */
final class ProfileReader {

    private static final System.Logger LOG = System.getLogger("org.seccomp4j.oci");

    /** Duplicate keys are rejected: Go keeps the last one and Jackson the first, so they are ambiguous. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** The runtime spec's errno when errnoRet and defaultErrnoRet are absent. */
    private static final int EPERM = 1;
    private static final BigInteger UINT64_END = BigInteger.ONE.shiftLeft(64);
    /** Go's name for x86_64, which Docker's includes.arches and excludes.arches use. */
    private static final String GO_ARCH = "amd64";

    /** One rule as the profile lists it, after includes, excludes and runc's splitting. */
    private static final class ListedRule {
        final Action action;
        final List<ArgCondition> conditions;
        /** The JSON location of the syscalls[] entry, for messages. */
        final String location;

        ListedRule(Action action, List<ArgCondition> conditions, String location) {
            this.action = action;
            this.conditions = conditions;
            this.location = location;
        }

        boolean isConditional() {
            return !conditions.isEmpty();
        }

        boolean sameAs(ListedRule other) {
            return action.equals(other.action) && new HashSet<>(conditions).equals(new HashSet<>(other.conditions));
        }
    }

    private final String source;
    private final ImportOptions options;
    private String prefix = "";

    private ProfileReader(String source, ImportOptions options) {
        this.source = source;
        this.options = options;
    }

    /**
     * Parses a profile.
     *
     * @param source the file name or other label that messages start with
     * @param defaultName the policy name unless the options set one
     */
    static SyscallPolicy read(String json, String source, String defaultName, ImportOptions options) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new InvalidProfileException(source + ": invalid JSON" + where + ": " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidProfileException(source + ": the file is empty; expected a seccomp profile");
        }
        String name = options.name() != null ? options.name() : defaultName;
        return new ProfileReader(source, options).read(root, name);
    }

    private SyscallPolicy read(JsonNode root, String name) {
        JsonNode profile = root;
        if (root.isObject() && !root.has("defaultAction") && root.has("linux")) {
            // A whole OCI config.json: its profile is linux.seccomp.
            profile = root.path("linux").path("seccomp");
            prefix = "linux.seccomp.";
            if (!profile.isObject()) {
                throw invalid("linux.seccomp", "missing; the OCI configuration has no seccomp profile");
            }
        }
        if (!profile.isObject()) {
            throw new InvalidProfileException(source + ": expected a JSON object with defaultAction and syscalls");
        }

        Action defaultAction = action(profile, "defaultAction", "defaultErrnoRet", "");
        checkArchitectures(profile);
        checkOtherFields(profile);

        SortedMap<Integer, List<ListedRule>> listedBySyscall = new TreeMap<>();
        Map<String, String> unknownNames = new LinkedHashMap<>();
        JsonNode syscalls = profile.get("syscalls");
        if (syscalls != null && !syscalls.isNull()) {
            requireArray(syscalls, "syscalls");
            for (int i = 0; i < syscalls.size(); i++) {
                readEntry(syscalls.get(i), "syscalls[" + i + "]", defaultAction, listedBySyscall, unknownNames);
            }
        }
        reportUnknownNames(unknownNames);

        SyscallPolicy.Builder builder = SyscallPolicy.builder().name(name).defaultAction(defaultAction);
        for (Map.Entry<Integer, List<ListedRule>> entry : listedBySyscall.entrySet()) {
            resolve(entry.getKey(), entry.getValue(), defaultAction).forEach(builder::rule);
        }
        SyscallPolicy policy;
        try {
            policy = builder.build();
        } catch (IllegalArgumentException e) {
            throw new InvalidProfileException(source + ": " + e.getMessage(), e);
        }
        LOG.log(Level.DEBUG, () -> source + ": read " + policy + " for x86_64 with " + options);
        return policy;
    }

    // ---- One syscalls[] entry ----

    private void readEntry(JsonNode entry, String location, Action defaultAction,
            SortedMap<Integer, List<ListedRule>> listedBySyscall, Map<String, String> unknownNames) {
        requireObject(entry, location);
        List<String> names = names(entry, location);
        Action action = action(entry, "action", "errnoRet", location + ".");
        List<ArgCondition> conditions = conditions(entry.get("args"), location + ".args");
        if (!applies(entry, location)) {
            LOG.log(Level.DEBUG, () -> source + ": " + location + " " + names + " does not apply to x86_64 with "
                    + (options.capabilities().isEmpty() ? "no capabilities" : options.capabilities()));
            return;
        }
        // runc skips rules whose action is the default before libseccomp sees them, which would
        // reject them. They are kept here only to recover an unconditional rule; see resolve.
        List<List<ArgCondition>> rules = splitLikeRunc(conditions);
        for (int n = 0; n < names.size(); n++) {
            String syscallName = names.get(n);
            Optional<Integer> number = SyscallTable.number(syscallName);
            if (number.isEmpty()) {
                unknownNames.putIfAbsent(syscallName, location + ".names[" + n + "]");
                continue;
            }
            for (List<ArgCondition> ruleConditions : rules) {
                listedBySyscall.computeIfAbsent(number.get(), nr -> new ArrayList<>())
                        .add(new ListedRule(action, ruleConditions, location));
            }
        }
    }

    /**
     * Splits an entry as runc does: if two comparisons test the same argument, each comparison
     * becomes a rule of its own, so they are ORed (libseccomp rejects two on one argument in a
     * rule). Docker's profile lists one personality value per entry, so it does not depend on this.
     */
    private static List<List<ArgCondition>> splitLikeRunc(List<ArgCondition> conditions) {
        long distinctArguments = conditions.stream().mapToInt(ArgCondition::index).distinct().count();
        if (distinctArguments == conditions.size()) {
            return List.of(conditions);
        }
        return conditions.stream().map(List::of).collect(Collectors.toList());
    }

    private List<String> names(JsonNode entry, String location) {
        JsonNode names = entry.get("names");
        JsonNode single = entry.get("name");
        boolean hasNames = names != null && !names.isNull();
        boolean hasSingle = single != null && !single.isNull();
        if (hasNames && hasSingle) {
            throw invalid(location, "has both 'name' and 'names'; use 'names' only");
        }
        if (hasSingle) {
            // Docker's older single-name form.
            return List.of(text(single, location + ".name"));
        }
        if (!hasNames) {
            throw invalid(location + ".names", "missing; each syscalls[] entry needs at least one name");
        }
        requireArray(names, location + ".names");
        if (names.isEmpty()) {
            throw invalid(location + ".names", "empty; each syscalls[] entry needs at least one name");
        }
        List<String> result = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            result.add(text(names.get(i), location + ".names[" + i + "]"));
        }
        return result;
    }

    /**
     * Reads an action and its errno field. The runtime spec makes an errno with an action that
     * takes none an error, and its default errno EPERM.
     */
    private Action action(JsonNode object, String actionField, String errnoField, String location) {
        JsonNode actionNode = object.get(actionField);
        if (actionNode == null || actionNode.isNull()) {
            throw invalid(location + actionField, "missing");
        }
        String name = text(actionNode, location + actionField);
        JsonNode errnoNode = object.get(errnoField);
        boolean hasErrno = errnoNode != null && !errnoNode.isNull();
        if (name.equals(ScmpNames.ACT_ERRNO)) {
            long errno = hasErrno ? unsigned(errnoNode, location + errnoField, 32) : EPERM;
            try {
                return Action.errno((int) Math.min(errno, Integer.MAX_VALUE));
            } catch (IllegalArgumentException e) {
                throw invalid(location + errnoField, e.getMessage());
            }
        }
        if (name.equals(ScmpNames.ACT_TRACE)) {
            throw invalid(location + actionField, "SCMP_ACT_TRACE is not supported: it hands the syscall to a"
                    + " ptrace tracer, and seccomp4j jobs have none; use SCMP_ACT_ERRNO or SCMP_ACT_LOG");
        }
        Action action = ScmpNames.action(name);
        if (action == null) {
            throw invalid(location + actionField, "unknown action '" + name + "'; expected one of "
                    + String.join(", ", ScmpNames.ACTION_NAMES));
        }
        if (hasErrno) {
            throw invalid(location + errnoField, "only valid with SCMP_ACT_ERRNO, not with " + name);
        }
        return action;
    }

    private List<ArgCondition> conditions(JsonNode args, String location) {
        if (args == null || args.isNull()) {
            return List.of();
        }
        requireArray(args, location);
        List<ArgCondition> conditions = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            conditions.add(condition(args.get(i), location + "[" + i + "]"));
        }
        return conditions;
    }

    private ArgCondition condition(JsonNode arg, String location) {
        requireObject(arg, location);
        long index = unsigned(required(arg, "index", location), location + ".index", 32);
        if (index >= ArgCondition.MAX_ARGS) {
            throw invalid(location + ".index", "argument index " + index + " is out of range 0-5");
        }
        long value = unsigned(required(arg, "value", location), location + ".value", 64);
        JsonNode valueTwoNode = arg.get("valueTwo");
        long valueTwo = valueTwoNode == null || valueTwoNode.isNull() ? 0 : unsigned(valueTwoNode, location + ".valueTwo", 64);
        String opName = text(required(arg, "op", location), location + ".op");
        ArgCondition.Op op = ScmpNames.operator(opName);
        if (op == null) {
            throw invalid(location + ".op", "unknown operator '" + opName + "'; expected one of "
                    + String.join(", ", ScmpNames.OPERATOR_NAMES));
        }
        if (op == ArgCondition.Op.MASKED_EQ) {
            // value is the mask and valueTwo the expected bits; libseccomp drops expected bits
            // outside the mask rather than making the comparison always false.
            if ((valueTwo & ~value) != 0) {
                LOG.log(Level.DEBUG, () -> source + ": " + location + ": bits of valueTwo outside the mask are"
                        + " ignored, as libseccomp does");
            }
            return ArgCondition.maskedEquals((int) index, value, valueTwo & value);
        }
        if (valueTwo != 0) {
            LOG.log(Level.DEBUG, () -> source + ": " + location + ": valueTwo is ignored with " + opName);
        }
        return ArgCondition.of((int) index, op, value);
    }

    // ---- Docker's includes and excludes ----

    /**
     * Evaluates includes and excludes as Docker does for a container on amd64. An entry is skipped
     * if its excludes name this arch, a capability the job holds, or a minKernel that the running
     * kernel reaches. It is also skipped unless its includes name this arch (when they name any),
     * the job holds all their capabilities, and the kernel reaches their minKernel.
     */
    private boolean applies(JsonNode entry, String location) {
        JsonNode excludes = entry.get("excludes");
        if (excludes != null && !excludes.isNull()) {
            requireObject(excludes, location + ".excludes");
            if (strings(excludes, "arches", location + ".excludes").contains(GO_ARCH)) {
                return false;
            }
            for (String capability : strings(excludes, "caps", location + ".excludes")) {
                if (holds(capability)) {
                    return false;
                }
            }
            String minKernel = optionalText(excludes, "minKernel", location + ".excludes");
            if (minKernel != null && kernelAtLeast(minKernel, location + ".excludes.minKernel")) {
                return false;
            }
        }
        JsonNode includes = entry.get("includes");
        if (includes != null && !includes.isNull()) {
            requireObject(includes, location + ".includes");
            List<String> arches = strings(includes, "arches", location + ".includes");
            if (!arches.isEmpty() && !arches.contains(GO_ARCH)) {
                return false;
            }
            for (String capability : strings(includes, "caps", location + ".includes")) {
                if (!holds(capability)) {
                    return false;
                }
            }
            String minKernel = optionalText(includes, "minKernel", location + ".includes");
            if (minKernel != null && !kernelAtLeast(minKernel, location + ".includes.minKernel")) {
                return false;
            }
        }
        return true;
    }

    private boolean holds(String capability) {
        return options.capabilities().contains(ImportOptions.normalizeCapability(capability));
    }

    private boolean kernelAtLeast(String minKernel, String location) {
        int[] wanted = ImportOptions.parseKernelVersion(minKernel);
        if (wanted == null) {
            throw invalid(location, "invalid kernel version '" + minKernel + "'; expected MAJOR.MINOR such as 4.8");
        }
        int[] running = options.kernelVersion();
        if (running == null) {
            throw invalid(location, "cannot compare with the running kernel: os.version '"
                    + System.getProperty("os.version") + "' is not MAJOR.MINOR; set it with ImportOptions.withKernelVersion");
        }
        return running[0] != wanted[0] ? running[0] > wanted[0] : running[1] >= wanted[1];
    }

    // ---- Top-level fields that do not become rules ----

    private void checkArchitectures(JsonNode profile) {
        List<String> architectures = strings(profile, "architectures", "");
        for (int i = 0; i < architectures.size(); i++) {
            checkArchitecture(architectures.get(i), "architectures[" + i + "]");
        }
        JsonNode archMap = profile.get("archMap");
        if (archMap != null && !archMap.isNull()) {
            requireArray(archMap, "archMap");
            if (!architectures.isEmpty() && !archMap.isEmpty()) {
                // Docker rejects this combination too.
                throw invalid("archMap", "a profile may give architectures or archMap, not both");
            }
            for (int i = 0; i < archMap.size(); i++) {
                String location = "archMap[" + i + "]";
                requireObject(archMap.get(i), location);
                checkArchitecture(text(required(archMap.get(i), "architecture", location), location + ".architecture"), location);
                List<String> subArchitectures = strings(archMap.get(i), "subArchitectures", location);
                for (int s = 0; s < subArchitectures.size(); s++) {
                    checkArchitecture(subArchitectures.get(s), location + ".subArchitectures[" + s + "]");
                }
            }
        }
        // NOTE: a runtime that adds SCMP_ARCH_X86 or SCMP_ARCH_X32 applies the rules to i386 and x32
        // callers too. seccomp4j's programs kill those callers, which is stricter.
        LOG.log(Level.DEBUG, () -> source + ": rules apply to " + ScmpNames.ARCH_X86_64
                + " only; callers of other architectures and of the x32 ABI are killed");
    }

    private void checkArchitecture(String name, String location) {
        if (!ScmpNames.ARCHITECTURES.contains(name)) {
            throw invalid(location, "unknown architecture '" + name + "'; expected a name such as " + ScmpNames.ARCH_X86_64);
        }
    }

    private void checkOtherFields(JsonNode profile) {
        List<String> flags = strings(profile, "flags", "");
        for (int i = 0; i < flags.size(); i++) {
            if (!ScmpNames.FLAGS.contains(flags.get(i))) {
                throw invalid("flags[" + i + "]", "unknown flag '" + flags.get(i) + "'; expected one of "
                        + String.join(", ", new TreeSet<>(ScmpNames.FLAGS)));
            }
        }
        if (!flags.isEmpty()) {
            // TSYNC is moot for a job that has one thread at exec; LOG and SPEC_ALLOW only log more
            // or weaken a mitigation; WAIT_KILLABLE_RECV matters only with a listener.
            LOG.log(Level.DEBUG, () -> source + ": flags " + flags + " are ignored; seccomp4j installs its program without flags");
        }
        String listener = optionalText(profile, "listenerPath", "");
        if (listener != null) {
            LOG.log(Level.DEBUG, () -> source + ": listenerPath " + listener + " is ignored; seccomp4j does not"
                    + " connect to seccomp agents");
        }
        optionalText(profile, "listenerMetadata", "");
    }

    private void reportUnknownNames(Map<String, String> unknownNames) {
        if (unknownNames.isEmpty()) {
            return;
        }
        Map.Entry<String, String> first = unknownNames.entrySet().iterator().next();
        if (options.strict()) {
            String more = unknownNames.size() == 1 ? "" : " (and " + (unknownNames.size() - 1) + " more: "
                    + unknownNames.keySet().stream().skip(1).limit(10).collect(Collectors.joining(", "))
                    + (unknownNames.size() > 11 ? ", ..." : "") + ")";
            throw invalid(first.getValue(), "unknown syscall '" + first.getKey() + "' on x86_64" + more
                    + "; a strict import rejects names that are not in the x86_64 syscall table");
        }
        LOG.log(Level.DEBUG, () -> source + ": skipped " + unknownNames.size()
                + " syscall names that x86_64 does not have: " + String.join(", ", unknownNames.keySet()));
    }

    // ---- From listed rules to the rules of one syscall ----

    /**
     * Turns the rules a profile lists for one syscall into the policy's rules, as libseccomp merges
     * them. A comparison that tests no bit is dropped. The first unconditional rule whose action is
     * not the default decides every call, and the other rules have no effect. Without one, the
     * conditional rules apply, and calls they do not match get the default.
     *
     * <p>When the conditional rules match every call, the trailing run of rules with one action
     * becomes an unconditional rule and rules with the default action before it stay. This is
     * what {@link ProfileWriter} emits for a policy with conditional rules and an unconditional
     * one, so such policies read back equal.
     */
    private List<Rule> resolve(int syscall, List<ListedRule> listed, Action defaultAction) {
        List<ListedRule> rules = new ArrayList<>();
        for (ListedRule rule : listed) {
            List<ArgCondition> tested = rule.conditions.stream()
                    .filter(c -> !(c.op() == ArgCondition.Op.MASKED_EQ && c.mask() == 0))
                    .collect(Collectors.toList());
            rules.add(new ListedRule(rule.action, tested, rule.location));
        }

        for (ListedRule rule : rules) {
            if (!rule.isConditional() && !rule.action.equals(defaultAction)) {
                logShadowed(syscall, rules, rule, defaultAction);
                return List.of(new Rule(syscall, rule.action, List.of()));
            }
        }

        List<ListedRule> conditional = new ArrayList<>();
        for (ListedRule rule : rules) {
            if (rule.isConditional() && conditional.stream().noneMatch(rule::sameAs)) {
                conditional.add(rule);
            }
        }
        List<ListedRule> effective = conditional.stream()
                .filter(rule -> !rule.action.equals(defaultAction))
                .collect(Collectors.toList());
        checkOverlaps(syscall, effective);

        List<Rule> withFallback = recoverUnconditional(syscall, conditional, defaultAction);
        if (withFallback != null) {
            return withFallback;
        }
        return effective.stream().map(rule -> new Rule(syscall, rule.action, rule.conditions)).collect(Collectors.toList());
    }

    private void logShadowed(int syscall, List<ListedRule> rules, ListedRule decider, Action defaultAction) {
        for (ListedRule rule : rules) {
            if (rule != decider && !rule.action.equals(decider.action) && !rule.action.equals(defaultAction)) {
                LOG.log(Level.DEBUG, () -> source + ": " + rule.location + " has no effect on "
                        + SyscallTable.nameOrNumber(syscall) + ": the unconditional rule of " + decider.location
                        + " decides every call, as in libseccomp");
            }
        }
    }

    /**
     * Reports conditional rules with different actions that can match the same call. seccomp4j
     * applies the one listed first; libseccomp orders them by its own rules, so the outcome for
     * such calls may differ. A strict import rejects them.
     */
    private void checkOverlaps(int syscall, List<ListedRule> rules) {
        for (int i = 0; i < rules.size(); i++) {
            for (int j = i + 1; j < rules.size(); j++) {
                ListedRule first = rules.get(i);
                ListedRule second = rules.get(j);
                if (first.action.equals(second.action) || !overlap(first.conditions, second.conditions)) {
                    continue;
                }
                String message = "the rules of " + first.location + " (" + first.action + ") and " + second.location
                        + " (" + second.action + ") both match some calls of " + SyscallTable.nameOrNumber(syscall)
                        + "; seccomp4j applies the one listed first, and libseccomp may not";
                if (options.strict()) {
                    throw invalid(second.location, message + "; make their conditions disjoint");
                }
                LOG.log(Level.DEBUG, () -> source + ": " + message);
            }
        }
    }

    /** Returns true unless the two can be shown never to match the same call. */
    private static boolean overlap(List<ArgCondition> first, List<ArgCondition> second) {
        try {
            return Regions.overlap(first, second);
        } catch (Regions.TooManyRegionsException e) {
            return true;
        }
    }

    /**
     * Returns the rules with the trailing run turned into an unconditional rule, or null when that
     * would change a verdict or the builder would reject the result. The conditions: the rules
     * match every call, no earlier rule has the run's action, and each rule with the default action
     * is disjoint from the other rules, because runc drops it.
     */
    private static List<Rule> recoverUnconditional(int syscall, List<ListedRule> conditional, Action defaultAction) {
        if (conditional.isEmpty()) {
            return null;
        }
        Action fallback = conditional.get(conditional.size() - 1).action;
        if (fallback.equals(defaultAction)) {
            return null;
        }
        int start = conditional.size();
        while (start > 0 && conditional.get(start - 1).action.equals(fallback)) {
            start--;
        }

        List<ListedRule> before = conditional.subList(0, start);
        for (ListedRule rule : before) {
            if (rule.action.equals(fallback)) {
                return null;
            }
            if (rule.action.equals(defaultAction)) {
                for (ListedRule other : conditional) {
                    if (!other.action.equals(defaultAction) && overlap(rule.conditions, other.conditions)) {
                        return null;
                    }
                }
            }
        }

        try {
            List<Region> union = new ArrayList<>();
            for (ListedRule rule : conditional) {
                union.addAll(Regions.of(rule.conditions));
                if (union.size() > Regions.LIMIT) {
                    return null;
                }
            }
            if (!Regions.coversAll(union)) {
                return null;
            }
        } catch (Regions.TooManyRegionsException e) {
            return null;
        }

        List<Rule> result = new ArrayList<>();
        for (ListedRule rule : before) {
            result.add(new Rule(syscall, rule.action, rule.conditions));
        }
        result.add(new Rule(syscall, fallback, List.of()));
        return result;
    }

    // ---- JSON helpers ----

    private JsonNode required(JsonNode object, String field, String location) {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            throw invalid(location + "." + field, "missing");
        }
        return node;
    }

    private String text(JsonNode node, String location) {
        if (!node.isTextual() || node.textValue().isEmpty()) {
            throw invalid(location, "expected a non-empty string, found " + describe(node));
        }
        return node.textValue();
    }

    private String optionalText(JsonNode object, String field, String location) {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        return text(node, join(location, field));
    }

    /** Returns a string array field, or an empty list when it is absent or null. */
    private List<String> strings(JsonNode object, String field, String location) {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            return List.of();
        }
        String at = join(location, field);
        requireArray(node, at);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            values.add(text(node.get(i), at + "[" + i + "]"));
        }
        return values;
    }

    private long unsigned(JsonNode node, String location, int bits) {
        if (!node.isIntegralNumber()) {
            throw invalid(location, "expected an unsigned integer, found " + describe(node));
        }
        BigInteger value = node.bigIntegerValue();
        if (value.signum() < 0 || value.bitLength() > bits || value.compareTo(UINT64_END) >= 0) {
            throw invalid(location, value + " is out of range for a uint" + bits);
        }
        return value.longValue();
    }

    private void requireObject(JsonNode node, String location) {
        if (node == null || !node.isObject()) {
            throw invalid(location, "expected an object, found " + describe(node));
        }
    }

    private void requireArray(JsonNode node, String location) {
        if (!node.isArray()) {
            throw invalid(location, "expected an array, found " + describe(node));
        }
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        String text = node.toString();
        return node.getNodeType().name().toLowerCase(Locale.ROOT) + " "
                + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
    }

    private static String join(String location, String field) {
        return location.isEmpty() ? field : location.endsWith(".") ? location + field : location + "." + field;
    }

    private InvalidProfileException invalid(String location, String problem) {
        return new InvalidProfileException(source + ": " + prefix + location + ": " + problem);
    }
}

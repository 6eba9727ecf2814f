package org.seccomp4j;

import static java.lang.System.Logger.Level.DEBUG;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Loader of the JNI shim {@code libseccomp4j.so}.
 *
 * <p>It tries two copies in order and keeps the first that loads:
 *
 * <ol>
 *   <li>The copy bundled in the jar at {@value #RESOURCE}. It is extracted to
 *       {@code -Dseccomp4j.native.dir} if that is set, else to
 *       {@code ${java.io.tmpdir}/seccomp4j-${user.name}}, under a name that contains its SHA-256.
 *       The directory must belong to the current user and must not be writable by group or
 *       others, because a user who can replace the file there can run code in this JVM.
 *   <li>{@code libseccomp4j.so} on {@code java.library.path}, through
 *       {@link System#loadLibrary}.
 * </ol>
 *
 * <p>On JDK 24 and later (JEP 472) the JVM prints a warning when the library is loaded, unless
 * the application runs with {@code --enable-native-access=ALL-UNNAMED}, or with the name of the
 * module that contains seccomp4j.
 *
 * <p>NOTE: like any JNI library, the shim can be loaded by only one class loader per JVM. A second
 * class loader that loads these classes gets an UnsatisfiedLinkError from both attempts.
 */
final class NativeLibrary {

    /** Path of the bundled copy inside the jar. */
    static final String RESOURCE = "/native/linux-x86_64/libseccomp4j.so";

    /** System property that sets the directory the bundled copy is extracted to. */
    static final String DIRECTORY_PROPERTY = "seccomp4j.native.dir";

    private static final String LIBRARY_NAME = "seccomp4j";

    /** Number of leading hex digits of the SHA-256 in the extracted file's name. */
    private static final int NAME_DIGEST_HEX_DIGITS = 16;

    private static final Set<PosixFilePermission> OWNER_ONLY =
            PosixFilePermissions.fromString("rwx------");

    private static final Logger LOGGER = System.getLogger("org.seccomp4j");

    /** Guarded by the class lock. */
    private static boolean loaded;

    private NativeLibrary() {
    }

    /**
     * Loads the shim unless it is already loaded. Later calls return at once.
     *
     * @throws UnsatisfiedLinkError if neither copy loads; its message lists each attempt with
     *     its reason, and each failure is attached as a suppressed exception
     */
    static synchronized void load() {
        if (loaded) {
            return;
        }
        List<String> attempts = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();

        Path directory = null;
        try {
            directory = extractionDirectory();
            Path extracted = loadBundledCopy(directory);
            LOGGER.log(DEBUG, "Loaded the bundled copy of libseccomp4j.so from {0}", extracted);
            loaded = true;
            return;
        } catch (IOException | UnsatisfiedLinkError | InvalidPathException
                | UnsupportedOperationException e) {
            attempts.add("bundled copy " + RESOURCE + " extracted to "
                    + (directory == null ? "-D" + DIRECTORY_PROPERTY : directory));
            failures.add(e);
            LOGGER.log(DEBUG, "Cannot load the bundled copy of libseccomp4j.so", e);
        }

        String libraryPath = System.getProperty("java.library.path");
        try {
            System.loadLibrary(LIBRARY_NAME);
            LOGGER.log(DEBUG, "Loaded libseccomp4j.so from java.library.path={0}", libraryPath);
            loaded = true;
            return;
        } catch (UnsatisfiedLinkError e) {
            // The JDK's message already lists java.library.path.
            attempts.add("System.loadLibrary(\"" + LIBRARY_NAME + "\")");
            failures.add(e);
        }

        throw newLoadError(attempts, failures);
    }

    /** Returns the directory the bundled copy is extracted to. */
    static Path extractionDirectory() {
        String configured = System.getProperty(DIRECTORY_PROPERTY);
        if (configured != null && !configured.isEmpty()) {
            return Path.of(configured).toAbsolutePath();
        }
        // user.name goes into a file name, so anything but a plain name character becomes '_'.
        String user = System.getProperty("user.name", "unknown").replaceAll("[^A-Za-z0-9._-]", "_");
        return Path.of(System.getProperty("java.io.tmpdir"), "seccomp4j-" + user).toAbsolutePath();
    }

    /** Extracts the bundled copy into the directory, loads it and returns its path. */
    private static Path loadBundledCopy(Path directory) throws IOException {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.toLowerCase(Locale.ROOT).equals("linux")
                || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new UnsatisfiedLinkError(
                    "the jar contains libseccomp4j.so only for Linux on x86_64, not for " + os + " on "
                    + arch);
        }

        byte[] library;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("resource " + RESOURCE + " is missing from the jar");
            }
            library = in.readAllBytes();
        }
        Path target = extract(library, directory);
        System.load(target.toString());
        return target;
    }

    /**
     * Writes the library into the directory, creating it with mode 0700 if it is missing, and
     * returns the path of the file. The file name contains the start of the library's SHA-256.
     * An existing file with the right SHA-256 is kept. Otherwise the bytes go to a temporary
     * file in the same directory, which is then renamed over the target. So a concurrent loader
     * in another JVM loads either the old file or the complete new one.
     *
     * @throws IOException if the directory is a symbolic link, is writable by group or others,
     *     or belongs to another user, or if writing fails
     */
    static Path extract(byte[] library, Path directory) throws IOException {
        byte[] digest = sha256(library);
        String hex = HexFormat.of().formatHex(digest);
        Path target = directory.resolve(
                "libseccomp4j-" + hex.substring(0, NAME_DIGEST_HEX_DIGITS) + ".so");

        FileAttribute<Set<PosixFilePermission>> ownerOnly =
                PosixFilePermissions.asFileAttribute(OWNER_ONLY);
        try {
            Files.createDirectory(directory, ownerOnly);
        } catch (FileAlreadyExistsException e) {
            // It was made earlier or by a concurrent loader. checkDirectory decides whether to use it.
        }
        checkDirectory(directory);

        Path temporary = Files.createTempFile(directory, "libseccomp4j-", ".tmp", ownerOnly);
        try {
            // A new file belongs to the user this process creates files as, which the directory
            // must belong to as well.
            checkOwner(directory, Files.getOwner(temporary));

            if (hasDigest(target, digest)) {
                LOGGER.log(DEBUG, "Reusing {0}, whose SHA-256 matches the bundled copy", target);
                return target;
            }
            Files.write(temporary, library);
            // rename(2) replaces an existing target, so ATOMIC_MOVE needs no REPLACE_EXISTING here.
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Rejects a directory that is a symbolic link or that group or others can write to. */
    private static void checkDirectory(Path directory) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(
                directory, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attributes.isSymbolicLink()) {
            throw new IOException(directory + " is a symbolic link; set -D" + DIRECTORY_PROPERTY
                    + " to a real directory");
        }
        if (!attributes.isDirectory()) {
            throw new IOException(directory + " is not a directory");
        }
        Set<PosixFilePermission> permissions = attributes.permissions();
        if (permissions.contains(PosixFilePermission.GROUP_WRITE)
                || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(directory + " is writable by group or others ("
                    + PosixFilePermissions.toString(permissions) + "); run chmod go-w on it or set -D"
                    + DIRECTORY_PROPERTY + " to a private directory");
        }
    }

    private static void checkOwner(Path directory, UserPrincipal currentUser) throws IOException {
        UserPrincipal owner = Files.getOwner(directory, LinkOption.NOFOLLOW_LINKS);
        if (!owner.equals(currentUser)) {
            throw new IOException(directory + " is owned by " + owner.getName()
                    + ", not by the current user " + currentUser.getName() + "; set -D"
                    + DIRECTORY_PROPERTY + " to a directory of your own");
        }
    }

    /** Returns whether path is a regular file, not a link, whose SHA-256 equals digest. */
    private static boolean hasDigest(Path path, byte[] digest) throws IOException {
        if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        return MessageDigest.isEqual(sha256(Files.readAllBytes(path)), digest);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (MessageDigest javadoc).
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    static UnsatisfiedLinkError newLoadError(List<String> attempts, List<Throwable> failures) {
        StringBuilder message = new StringBuilder("Cannot load libseccomp4j.so, the JNI library of seccomp4j.");
        for (int i = 0; i < attempts.size(); i++) {
            message.append("\n  ").append(i + 1).append(". ").append(attempts.get(i)).append(": ")
                    .append(failures.get(i));
        }
        message.append("\nIf the bundled copy failed with \"failed to map segment\" or \"Operation not"
                + " permitted\", its directory is probably on a noexec mount: set -D")
                .append(DIRECTORY_PROPERTY)
                .append("=DIR to a directory on a mount that allows executables.");

        UnsatisfiedLinkError error = new UnsatisfiedLinkError(message.toString());
        failures.forEach(error::addSuppressed);
        return error;
    }
}

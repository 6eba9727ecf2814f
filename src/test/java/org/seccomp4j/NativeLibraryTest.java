package org.seccomp4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Tests of the extraction rules of {@link NativeLibrary}, on stand-in bytes instead of the shim. */
@EnabledOnOs(OS.LINUX)
class NativeLibraryTest {

    private static final byte[] LIBRARY = "stand-in for libseccomp4j.so".getBytes(UTF_8);

    @TempDir
    Path temporaryDirectory;

    @Test
    void extractWritesPrivateCopyNamedByDigest() throws Exception {
        Path directory = temporaryDirectory.resolve("native");

        Path extracted = NativeLibrary.extract(LIBRARY, directory);

        String expectedName = "libseccomp4j-" + sha256Hex(LIBRARY).substring(0, 16) + ".so";
        assertEquals(directory.resolve(expectedName), extracted);
        assertArrayEquals(LIBRARY, Files.readAllBytes(extracted));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)));
        assertEquals(List.of(extracted), listDirectory(directory), "no temporary file is left");
    }

    @Test
    void extractKeepsMatchingCopy() throws IOException {
        Path directory = temporaryDirectory.resolve("native");
        Path first = NativeLibrary.extract(LIBRARY, directory);
        Object firstInode = fileKey(first);

        Path second = NativeLibrary.extract(LIBRARY, directory);

        assertEquals(first, second);
        assertEquals(firstInode, fileKey(second), "the file was not rewritten");
    }

    @Test
    void extractReplacesTamperedCopy() throws IOException {
        Path directory = temporaryDirectory.resolve("native");
        Path target = NativeLibrary.extract(LIBRARY, directory);
        Files.writeString(target, "tampered");

        Path replaced = NativeLibrary.extract(LIBRARY, directory);

        assertEquals(target, replaced);
        assertArrayEquals(LIBRARY, Files.readAllBytes(replaced));
    }

    @Test
    void extractRejectsGroupWritableDirectory() throws IOException {
        Path directory = Files.createDirectory(temporaryDirectory.resolve("shared"));
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwx---"));

        IOException error = assertThrows(IOException.class, () -> NativeLibrary.extract(LIBRARY, directory));

        assertTrue(error.getMessage().contains("writable by group or others"), error.getMessage());
    }

    @Test
    void extractRejectsSymbolicLink() throws IOException {
        Path real = Files.createDirectory(temporaryDirectory.resolve("real"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(temporaryDirectory.resolve("link"), real);

        IOException error = assertThrows(IOException.class, () -> NativeLibrary.extract(LIBRARY, link));

        assertTrue(error.getMessage().contains("symbolic link"), error.getMessage());
        assertEquals(List.of(), listDirectory(real), "nothing was written through the link");
    }

    @Test
    void extractRejectsDirectoryOfAnotherUser() throws IOException {
        assumeTrue(Files.getAttribute(temporaryDirectory, "unix:uid").equals(0), "requires root");
        Path directory = Files.createDirectory(temporaryDirectory.resolve("nobody"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setAttribute(directory, "unix:uid", 65534);

        IOException error = assertThrows(IOException.class, () -> NativeLibrary.extract(LIBRARY, directory));

        assertTrue(error.getMessage().contains("is owned by"), error.getMessage());
    }

    @Test
    void extractionDirectoryFollowsProperty() {
        String previous = System.getProperty(NativeLibrary.DIRECTORY_PROPERTY);
        try {
            System.setProperty(NativeLibrary.DIRECTORY_PROPERTY, temporaryDirectory.toString());
            assertEquals(temporaryDirectory.toAbsolutePath(), NativeLibrary.extractionDirectory());

            System.clearProperty(NativeLibrary.DIRECTORY_PROPERTY);
            Path fallback = NativeLibrary.extractionDirectory();
            assertEquals(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath(), fallback.getParent());
            assertTrue(fallback.getFileName().toString().startsWith("seccomp4j-"), fallback.toString());
        } finally {
            if (previous == null) {
                System.clearProperty(NativeLibrary.DIRECTORY_PROPERTY);
            } else {
                System.setProperty(NativeLibrary.DIRECTORY_PROPERTY, previous);
            }
        }
    }

    @Test
    void loadErrorListsAttemptsAndNoexecHint() {
        IOException first = new IOException("first reason");
        UnsatisfiedLinkError second = new UnsatisfiedLinkError("second reason");

        UnsatisfiedLinkError error = NativeLibrary.newLoadError(
                List.of("bundled copy", "System.loadLibrary"), List.of(first, second));

        String message = error.getMessage();
        assertTrue(message.contains("1. bundled copy: java.io.IOException: first reason"), message);
        assertTrue(message.contains("2. System.loadLibrary: java.lang.UnsatisfiedLinkError: second reason"),
                message);
        assertTrue(message.contains("-Dseccomp4j.native.dir=DIR"), message);
        assertArrayEquals(new Throwable[] {first, second}, error.getSuppressed());
    }

    @Test
    void loadTwiceIsHarmless() {
        NativeLibrary.load();
        NativeLibrary.load();

        assertNotEquals("", NativeSpawn.strerror(1), "a native method is bound");
    }

    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    private static List<Path> listDirectory(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            return entries.sorted().toList();
        }
    }

    private static String sha256Hex(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}

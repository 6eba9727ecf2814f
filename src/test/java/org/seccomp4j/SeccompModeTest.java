package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class SeccompModeTest {

    @ParameterizedTest
    @ValueSource(strings = {"1", "true", "TRUE", " 1 "})
    void enforceValues(String value) {
        assertEquals(SeccompMode.ENFORCE, SeccompMode.parse(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"audit", "AUDIT", " Audit "})
    void auditValues(String value) {
        assertEquals(SeccompMode.AUDIT, SeccompMode.parse(value));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "0", "false", "False"})
    void offValues(String value) {
        assertEquals(SeccompMode.OFF, SeccompMode.parse(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "2", "on", "enforce", "1x"})
    void otherValuesAreRejected(String value) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> SeccompMode.parse(value));
        assertTrue(error.getMessage().contains("SPUR_SECCOMP"), error.getMessage());
        assertTrue(error.getMessage().contains("'" + value + "'"), error.getMessage());
        assertTrue(error.getMessage().contains("1 or true"), error.getMessage());
    }
}

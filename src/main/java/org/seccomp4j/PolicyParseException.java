package org.seccomp4j;

/** An error in a policy file, with the line and column (both from 1) where it was found. */
public final class PolicyParseException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final int column;

    PolicyParseException(String source, int line, int column, String message, Throwable cause) {
        super(source + ":" + line + ":" + column + ": " + message, cause);
        this.source = source;
        this.line = line;
        this.column = column;
    }

    /** The file name, or {@code <policy>} for text parsed from a string. */
    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}

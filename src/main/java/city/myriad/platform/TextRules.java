package city.myriad.platform;

/**
 * The rules every text the service accepts must keep, wherever it comes from (JSON, CSV, path, query):
 * no NUL or other control character (PostgreSQL cannot store NUL, and none is ever meant), no lone UTF-16
 * surrogate (it cannot be stored as UTF-8 and would come back as '?'), and lengths counted in Unicode code
 * points, as a person counts characters and as JSON Schema's {@code maxLength} does. Identifiers that end up in
 * CSV exports or spreadsheets may not start like a formula (OWASP CSV injection).
 */
public final class TextRules {

    private TextRules() {}

    /** C0 controls and DEL; tab, line feed and carriage return too, except where {@link #problem} allows them. */
    public static boolean isControl(char c) {
        return c < 0x20 || c == 0x7f;
    }

    /**
     * What is wrong with a text, or null: a NUL or control character (line breaks and tabs are allowed where
     * {@code multiline}), or a lone surrogate.
     */
    public static String problem(String s, boolean multiline) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (isControl(c) && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) {
                return c == 0 ? "must not contain a NUL character (\\u0000)"
                        : String.format("must not contain the control character \\u%04x", (int) c);
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "must not contain a lone UTF-16 surrogate (\\u" + Integer.toHexString(c) + ")";
            }
            if (Character.isLowSurrogate(c)) {
                return "must not contain a lone UTF-16 surrogate (\\u" + Integer.toHexString(c) + ")";
            }
        }
        return null;
    }

    /** The length as people count it: Unicode code points (an emoji is one). */
    public static int length(CharSequence s) {
        return Character.codePointCount(s, 0, s.length());
    }

    /** True when a spreadsheet would read the value as a formula: it starts with = + - @, a tab or a CR. */
    public static boolean looksLikeFormula(String s) {
        if (s.isEmpty()) {
            return false;
        }
        char c = s.charAt(0);
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
    }

    /**
     * A value made safe for a CSV cell that a spreadsheet may open: one that would be read as a formula gets a
     * leading apostrophe, which spreadsheets show as text and do not evaluate (OWASP's advice). Every CSV the
     * service writes (inventory, FOCUS and other billing exports) passes its text cells through here.
     */
    public static String csvSafe(String value) {
        return value != null && looksLikeFormula(value) ? "'" + value : value;
    }
}

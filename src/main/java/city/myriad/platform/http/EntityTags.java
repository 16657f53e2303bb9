package city.myriad.platform.http;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Entity tags (RFC 9110, section 8.8.3) of JSON representations: a strong tag, the first 128 bits of the SHA-256 of
 * the exact bytes sent, so that two answers carry one tag exactly when their bodies are equal, whatever changed
 * underneath. One function for the tag a GET answers with ({@link ConditionalGet}) and the tag a conditional write
 * compares {@code If-Match} against ({@link Preconditions}).
 */
public final class EntityTags {

    private EntityTags() {}

    /** The strong entity tag of these representation bytes, quoted: {@code "<22 base64url characters>"}. */
    public static String of(byte[] representation) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(representation);
            return '"' + Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(digest, 16)) + '"';
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * Whether a list of entity tags, as {@code If-Match} or {@code If-None-Match} carry it ({@code *}, or tags
     * separated by commas), names {@code tag}. {@code weak}: the weak comparison of If-None-Match, where
     * {@code W/"x"} matches {@code "x"}; otherwise strong (If-Match), where a weak tag matches nothing. {@code *}
     * matches any current representation.
     */
    public static boolean listMatches(String header, String tag, boolean weak) {
        if (header == null) {
            return false;
        }
        String list = header.strip();
        if (list.equals("*")) {
            return true;
        }
        int i = 0;
        while (i < list.length()) {
            char c = list.charAt(i);
            if (c == ',' || c == ' ' || c == '\t') {
                i++;
                continue;
            }
            boolean isWeak = list.startsWith("W/", i);
            int open = isWeak ? i + 2 : i;
            if (open >= list.length() || list.charAt(open) != '"') {
                return false;  // not a list of entity tags: matches nothing
            }
            int close = list.indexOf('"', open + 1);
            if (close < 0) {
                return false;
            }
            String candidate = list.substring(open, close + 1);
            if ((weak || !isWeak) && candidate.equals(tag)) {
                return true;
            }
            i = close + 1;
        }
        return false;
    }
}

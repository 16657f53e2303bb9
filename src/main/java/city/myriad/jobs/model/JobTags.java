package city.myriad.jobs.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A job's tags: the tenant's own labels (team, experiment, cost centre) as string keys and values, stored as a JSON
 * object with its keys sorted, shown in the job's view, matched by the list's {@code tag} filter, and written into the
 * FOCUS export's Tags column beside the provider's own tags. Rules (FOCUS 1.2, Tags): at most {@link #MOST} tags; a key
 * is 1-63 letters, digits or {@code _ . : / -}, starting with a letter or digit; a value at most
 * {@link #VALUE_CHARS} characters, no control characters; keys beginning {@link #RESERVED_PREFIX} are the provider's
 * (FOCUS: a user-defined key may not use a provider's reserved prefix).
 */
public final class JobTags {

    public static final int MOST = 20;
    public static final int VALUE_CHARS = 256;
    public static final String RESERVED_PREFIX = "myriad/";
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:/-]{0,62}");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private JobTags() {}

    /** A broken rule: the tag it is about ({@code null}: the tags as a whole) and why. */
    public record Broken(String key, String reason) {}

    /** The rules {@code tags} breaks; empty when it keeps them all (null: no tags). */
    public static List<Broken> broken(Map<String, String> tags) {
        List<Broken> broken = new ArrayList<>();
        if (tags == null) {
            return broken;
        }
        if (tags.size() > MOST) {
            broken.add(new Broken(null, "at most " + MOST + " tags, got " + tags.size()));
        }
        tags.forEach((key, value) -> {
            if (key == null || !KEY.matcher(key).matches()) {
                broken.add(new Broken(key, "a key is 1-63 letters, digits or _ . : / -, starting with a letter or "
                        + "digit"));
            } else if (key.toLowerCase(java.util.Locale.ROOT).startsWith(RESERVED_PREFIX)) {
                broken.add(new Broken(key, "keys beginning " + RESERVED_PREFIX + " are Myriad's own"));
            }
            if (value == null) {
                broken.add(new Broken(key, "a value is a string (it may be empty)"));
            } else if (value.length() > VALUE_CHARS || CONTROL.matcher(value).find()) {
                broken.add(new Broken(key, "a value is at most " + VALUE_CHARS + " characters, none of them control "
                        + "characters"));
            }
        });
        return broken;
    }

    /** The tags as stored: a JSON object with its keys sorted; null for none (null or empty). */
    public static String json(Map<String, String> tags) {
        if (tags == null || tags.isEmpty()) {
            return null;
        }
        try {
            return JSON.writeValueAsString(new TreeMap<>(tags));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("tags of strings always serialise", e);
        }
    }

    /** The stored tags as a map, keys sorted; empty for none. */
    public static Map<String, String> read(String json) {
        if (json == null) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, new TypeReference<TreeMap<String, String>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored tags are a JSON object of strings: " + json, e);
        }
    }

    /**
     * The list filter's {@code key=value} terms (the first {@code =} ends the key; {@code key=} matches an empty value)
     * as a JSON object for containment; empty when a term has no {@code =} or an empty key, or names a key again with
     * another value.
     */
    public static Optional<String> filter(List<String> terms) {
        Map<String, String> wanted = new TreeMap<>();
        for (String term : terms) {
            int eq = term.indexOf('=');
            if (eq <= 0) {
                return Optional.empty();
            }
            String before = wanted.put(term.substring(0, eq), term.substring(eq + 1));
            if (before != null && !before.equals(term.substring(eq + 1))) {
                return Optional.empty();
            }
        }
        return Optional.ofNullable(json(wanted));
    }
}

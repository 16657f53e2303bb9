package city.myriad.platform;

/**
 * The rule for slugs, the immutable human-readable keys of tenants, projects, operators and clusters (they travel
 * in tokens and URLs). The database checks the same pattern.
 */
public final class Slugs {

    public static final String PATTERN = "^[a-z][a-z0-9-]{1,38}[a-z0-9]$";
    public static final String RULE = "3-40 characters: lower-case letters, digits and '-', starting with a letter";

    private Slugs() {}
}

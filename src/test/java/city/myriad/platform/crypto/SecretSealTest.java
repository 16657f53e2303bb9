package city.myriad.platform.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SecretSealTest {

    static final String KEY = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
    static final String OTHER_KEY = Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes());
    static final String SECRET = "whsec_Q2xlYXJseS1ub3QtYS1yZWFsLXNlY3JldC0xMjM0";

    @Test
    void a_sealed_secret_opens_for_its_place_only_and_never_shows_the_secret() {
        SecretSeal seal = new SecretSeal(Optional.of(KEY), Optional.empty());
        String sealed = seal.seal(SECRET, "webhook/a");
        assertTrue(sealed.startsWith(SecretSeal.PREFIX), sealed);
        assertFalse(sealed.contains(SECRET.substring(6)), sealed);
        assertFalse(sealed.contains(",") || sealed.contains(" "), "fits the column's list format: " + sealed);
        assertEquals(SECRET, seal.open(sealed, "webhook/a"));
        assertNotEquals(sealed, seal.seal(SECRET, "webhook/a"), "a fresh nonce each time");
        IllegalStateException moved = assertThrows(IllegalStateException.class, () -> seal.open(sealed, "webhook/b"));
        assertTrue(moved.getMessage().contains("webhook/b"), moved.getMessage());
    }

    @Test
    void a_sealed_secret_does_not_open_under_another_key_or_when_altered_or_without_a_key() {
        String sealed = new SecretSeal(Optional.of(KEY), Optional.empty()).seal(SECRET, "webhook/a");
        assertThrows(IllegalStateException.class, () -> new SecretSeal(Optional.of(OTHER_KEY), Optional.empty())
                .open(sealed, "webhook/a"));
        char last = sealed.charAt(sealed.length() - 2);
        String altered = sealed.substring(0, sealed.length() - 2) + (last == 'A' ? 'B' : 'A')
                + sealed.charAt(sealed.length() - 1);
        assertThrows(IllegalStateException.class, () -> new SecretSeal(Optional.of(KEY), Optional.empty())
                .open(altered, "webhook/a"));
        IllegalStateException noKey = assertThrows(IllegalStateException.class,
                () -> new SecretSeal(Optional.empty(), Optional.empty()).open(sealed, "webhook/a"));
        assertTrue(noKey.getMessage().contains("myriad.secrets.key"), noKey.getMessage());
    }

    @Test
    void without_a_key_secrets_stay_as_given_and_a_clear_one_from_before_the_key_is_read_as_it_is() {
        SecretSeal none = new SecretSeal(Optional.empty(), Optional.empty());
        assertFalse(none.sealing());
        assertEquals(SECRET, none.seal(SECRET, "webhook/a"));
        assertEquals(SECRET, new SecretSeal(Optional.of(KEY), Optional.empty()).open(SECRET, "webhook/a"));
        assertEquals(SECRET, new SecretSeal(Optional.of("  "), Optional.empty()).seal(SECRET, "webhook/a"),
                "blank: no key");
    }

    @Test
    void after_a_rotation_values_sealed_under_the_previous_key_open_and_are_known_as_not_current() {
        String old = new SecretSeal(Optional.of(KEY), Optional.empty()).seal(SECRET, "webhook/a");
        SecretSeal rotated = new SecretSeal(Optional.of(OTHER_KEY), Optional.of(List.of(KEY)));
        assertEquals(SECRET, rotated.open(old, "webhook/a"));
        assertFalse(rotated.current(old));
        String resealed = rotated.seal(rotated.open(old, "webhook/a"), "webhook/a");
        assertTrue(rotated.current(resealed));
        assertNotEquals(old.substring(0, 19), resealed.substring(0, 19), "another key id: " + old + " " + resealed);
        assertEquals(SECRET, new SecretSeal(Optional.of(OTHER_KEY), Optional.empty()).open(resealed, "webhook/a"),
                "once sealed again the previous key is no longer needed");
        // Without the previous key configured, the old value names the key it needs.
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> new SecretSeal(Optional.of(OTHER_KEY), Optional.empty()).open(old, "webhook/a"));
        assertTrue(missing.getMessage().contains(old.substring(10, 18))
                && missing.getMessage().contains("myriad.secrets.previous-keys"), missing.getMessage());
        // A clear value is not current once there is a key; with no key, it is.
        assertFalse(rotated.current(SECRET));
        assertTrue(new SecretSeal(Optional.empty(), Optional.empty()).current(SECRET));
    }

    @Test
    void a_value_of_the_first_format_without_a_key_id_opens_under_any_configured_key() {
        String v2 = new SecretSeal(Optional.of(KEY), Optional.empty()).seal(SECRET, "webhook/a");
        String v1 = SecretSeal.PREFIX_V1 + v2.substring(v2.indexOf(':', SecretSeal.PREFIX.length()) + 1);
        assertEquals(SECRET, new SecretSeal(Optional.of(KEY), Optional.empty()).open(v1, "webhook/a"));
        SecretSeal rotated = new SecretSeal(Optional.of(OTHER_KEY), Optional.of(List.of(KEY)));
        assertEquals(SECRET, rotated.open(v1, "webhook/a"));
        assertFalse(rotated.current(v1));
        assertThrows(IllegalStateException.class, () -> rotated.open(v1, "webhook/b"), "bound to its place");
        assertThrows(IllegalStateException.class,
                () -> new SecretSeal(Optional.of(OTHER_KEY), Optional.empty()).open(v1, "webhook/a"));
    }

    @Test
    void previous_keys_without_a_current_key_stop_the_start() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new SecretSeal(Optional.empty(), Optional.of(List.of(KEY))));
        assertTrue(e.getMessage().contains("myriad.secrets.key"), e.getMessage());
    }

    @Test
    void a_key_that_is_not_32_bytes_of_base64_stops_the_start_with_the_reason() {
        for (String bad : new String[] {"c2hvcnQ=", "not base64 at all!", KEY + KEY}) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new SecretSeal(Optional.of(bad), Optional.empty()));
            assertTrue(e.getMessage().contains("32 bytes"), e.getMessage());
        }
        assertTrue(new SecretSeal(Optional.of(KEY.replace('+', '-').replace('/', '_')), Optional.empty())
                .sealing(), "base64url too");
    }
}

package city.myriad.platform.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SecretSealTest {

    static final String KEY = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
    static final String OTHER_KEY = Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes());
    static final String SECRET = "whsec_Q2xlYXJseS1ub3QtYS1yZWFsLXNlY3JldC0xMjM0";

    @Test
    void a_sealed_secret_opens_for_its_place_only_and_never_shows_the_secret() {
        SecretSeal seal = new SecretSeal(Optional.of(KEY));
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
        String sealed = new SecretSeal(Optional.of(KEY)).seal(SECRET, "webhook/a");
        assertThrows(IllegalStateException.class, () -> new SecretSeal(Optional.of(OTHER_KEY)).open(sealed,
                "webhook/a"));
        char last = sealed.charAt(sealed.length() - 2);
        String altered = sealed.substring(0, sealed.length() - 2) + (last == 'A' ? 'B' : 'A')
                + sealed.charAt(sealed.length() - 1);
        assertThrows(IllegalStateException.class, () -> new SecretSeal(Optional.of(KEY)).open(altered, "webhook/a"));
        IllegalStateException noKey = assertThrows(IllegalStateException.class,
                () -> new SecretSeal(Optional.empty()).open(sealed, "webhook/a"));
        assertTrue(noKey.getMessage().contains("myriad.secrets.key"), noKey.getMessage());
    }

    @Test
    void without_a_key_secrets_stay_as_given_and_a_clear_one_from_before_the_key_is_read_as_it_is() {
        SecretSeal none = new SecretSeal(Optional.empty());
        assertFalse(none.sealing());
        assertEquals(SECRET, none.seal(SECRET, "webhook/a"));
        assertEquals(SECRET, new SecretSeal(Optional.of(KEY)).open(SECRET, "webhook/a"));
        assertEquals(SECRET, new SecretSeal(Optional.of("  ")).seal(SECRET, "webhook/a"), "blank: no key");
    }

    @Test
    void a_key_that_is_not_32_bytes_of_base64_stops_the_start_with_the_reason() {
        for (String bad : new String[] {"c2hvcnQ=", "not base64 at all!", KEY + KEY}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new SecretSeal(Optional.of(bad)));
            assertTrue(e.getMessage().contains("32 bytes"), e.getMessage());
        }
        assertTrue(new SecretSeal(Optional.of(KEY.replace('+', '-').replace('/', '_'))).sealing(), "base64url too");
    }
}

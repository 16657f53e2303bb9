package city.myriad.metering.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SigningSecretsTest {

    static final Instant T0 = Instant.parse("2026-12-03T12:00:00Z");
    static final Duration DAY = Duration.ofDays(1);

    @Test
    void after_a_roll_the_old_secret_signs_beside_the_new_one_until_its_end_and_no_longer() {
        SigningSecrets rolled = SigningSecrets.of("A").rolled("B", T0, DAY);
        assertEquals(List.of("B", "A"), rolled.inForce(T0));
        assertEquals(List.of("B", "A"), rolled.inForce(T0.plus(DAY).minusMillis(1)));
        assertEquals(List.of("B"), rolled.inForce(T0.plus(DAY)), "ends at its end");
        assertEquals(Optional.of(T0.plus(DAY)), rolled.earlierEndAt(T0));
        assertEquals(Optional.empty(), rolled.earlierEndAt(T0.plus(DAY)));
    }

    @Test
    void a_roll_kept_for_zero_stops_every_earlier_secret_at_once() {
        SigningSecrets twice = SigningSecrets.of("A").rolled("B", T0, DAY).rolled("C", T0.plusSeconds(60), Duration.ZERO);
        assertEquals(List.of("C"), twice.inForce(T0.plusSeconds(60)));
        assertEquals(List.of(), twice.earlier());
    }

    @Test
    void a_second_roll_in_the_overlap_keeps_the_first_ones_old_secret_until_its_own_end() {
        // A retry after a lost answer: B was never seen; the receiver still holds A.
        SigningSecrets first = SigningSecrets.of("A").rolled("B", T0, DAY);
        SigningSecrets retried = first.rolled("C", T0.plusSeconds(5), DAY);
        assertEquals(List.of("C", "B", "A"), retried.inForce(T0.plusSeconds(5)));
        assertEquals(List.of("C", "B"), retried.inForce(T0.plus(DAY)), "A ends when the first roll said");
        assertEquals(Optional.of(T0.plusSeconds(5).plus(DAY)), retried.earlierEndAt(T0.plusSeconds(5)));
    }

    @Test
    void a_shorter_overlap_cuts_every_earlier_secret_to_it() {
        SigningSecrets rolled = SigningSecrets.of("A").rolled("B", T0, DAY).rolled("C", T0, Duration.ofHours(1));
        assertEquals(List.of("C", "B", "A"), rolled.inForce(T0));
        assertEquals(List.of("C"), rolled.inForce(T0.plus(Duration.ofHours(1))));
    }

    @Test
    void at_most_three_earlier_secrets_sign_those_that_end_last() {
        SigningSecrets s = SigningSecrets.of("A");
        for (int i = 0; i < 5; i++) {
            s = s.rolled("S" + i, T0.plusSeconds(i), DAY);
        }
        assertEquals(List.of("S4", "S3", "S2", "S1"), s.inForce(T0.plusSeconds(5)));
        assertEquals(SigningSecrets.MAX_EARLIER, s.earlier().size());
    }

    @Test
    void the_header_carries_one_signature_per_secret_in_force_the_current_one_first() {
        SigningSecrets rolled = SigningSecrets.of("A").rolled("B", T0, DAY);
        String body = "{\"id\":\"e\"}";
        long t = T0.getEpochSecond();
        assertEquals("t=" + t + ",v1=" + SigningSecrets.sign("B", t, body) + ",v1=" + SigningSecrets.sign("A", t, body),
                rolled.header(t, body, T0));
        assertEquals("t=" + t + ",v1=" + SigningSecrets.sign("B", t, body), rolled.header(t, body, T0.plus(DAY)));
        assertTrue(!SigningSecrets.sign("A", t, body).equals(SigningSecrets.sign("B", t, body)));
    }

    @Test
    void an_overlap_longer_than_a_week_or_negative_is_refused() {
        SigningSecrets s = SigningSecrets.of("A");
        assertThrows(IllegalArgumentException.class, () -> s.rolled("B", T0, Duration.ofDays(7).plusSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> s.rolled("B", T0, Duration.ofSeconds(-1)));
        assertEquals(List.of("B", "A"), s.rolled("B", T0, Duration.ofDays(7)).inForce(T0));
    }
}

package city.myriad.metering.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** At most five test events a minute per tenant: a sliding minute, not a calendar one. */
class WebhookTestEventsTest {

    @Test
    void the_sixth_test_event_within_a_minute_waits_until_the_first_leaves_it() {
        Webhooks.TestEvents events = new Webhooks.TestEvents();
        UUID tenant = UUID.randomUUID();
        Instant t0 = Instant.parse("2026-12-02T10:00:00Z");
        for (int i = 0; i < Webhooks.TESTS_PER_MINUTE; i++) {
            events.take(tenant, t0.plusSeconds(10L * i));  // at 0, 10, 20, 30 and 40 s
        }
        MyriadProblem.TooManyRequests refused = assertThrows(MyriadProblem.TooManyRequests.class,
                () -> events.take(tenant, t0.plusSeconds(45)));
        assertEquals(ProblemCode.WEBHOOK_TEST_RATE_LIMITED, refused.code());
        assertEquals(429, refused.status());
        assertEquals(16, refused.retryAfterSeconds(), "the first leaves the minute at 60 s: 15 s on, rounded up");
        events.take(UUID.randomUUID(), t0.plusSeconds(45));  // another tenant is not held back
        events.take(tenant, t0.plusSeconds(60));  // the first has left the minute
        assertThrows(MyriadProblem.TooManyRequests.class, () -> events.take(tenant, t0.plusSeconds(61)));
    }
}

package city.myriad.platform.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** An account's allowance: a burst at once, then the refill rate; a refusal says when to come back. */
class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void a_burst_goes_through_at_once_and_the_next_request_is_told_when_to_retry() {
        TokenBucket bucket = new TokenBucket(2, 3, 0);
        assertEquals(new TokenBucket.Take(true, 2, 1, 0), bucket.take(0));
        assertEquals(new TokenBucket.Take(true, 1, 1, 0), bucket.take(0));
        assertEquals(new TokenBucket.Take(true, 0, 2, 0), bucket.take(0), "3 tokens at 2 a second: full in 1.5 s");
        TokenBucket.Take refused = bucket.take(0);
        assertFalse(refused.allowed());
        assertEquals(0, refused.remaining());
        assertEquals(1, refused.retryAfterSeconds(), "half a second rounds up: the client finds a token then");
    }

    @Test
    void tokens_come_back_at_the_rate_and_never_past_the_burst() {
        TokenBucket bucket = new TokenBucket(2, 3, 0);
        for (int i = 0; i < 3; i++) {
            bucket.take(0);
        }
        assertFalse(bucket.take(SECOND / 4).allowed(), "half a token after a quarter second");
        assertTrue(bucket.take(SECOND / 2).allowed(), "one token after half a second");
        assertFalse(bucket.take(SECOND / 2).allowed());
        assertFalse(bucket.full(SECOND));
        assertTrue(bucket.full(10 * SECOND), "idle for long: full, not more");
        assertEquals(2, bucket.take(10 * SECOND).remaining());
    }

    @Test
    void a_refusal_spends_nothing() {
        TokenBucket bucket = new TokenBucket(1, 1, 0);
        assertTrue(bucket.take(0).allowed());
        for (int i = 0; i < 100; i++) {
            assertFalse(bucket.take(SECOND / 2).allowed());
        }
        assertTrue(bucket.take(SECOND).allowed(), "the refused requests did not push the next token back");
    }

    @Test
    void a_slow_refill_says_how_many_seconds_until_a_token() {
        TokenBucket bucket = new TokenBucket(0.1, 1, 0);
        bucket.take(0);
        assertEquals(10, bucket.take(0).retryAfterSeconds());
        assertEquals(7, bucket.take(3 * SECOND).retryAfterSeconds());
    }

    @Test
    void a_client_that_waits_retry_after_is_taken() {
        java.util.Random random = new java.util.Random(7);
        for (int trial = 0; trial < 1_000; trial++) {
            double rate = 0.01 + random.nextDouble() * 50;
            TokenBucket bucket = new TokenBucket(rate, 1 + random.nextInt(20), 0);
            long now = 0;
            TokenBucket.Take take;
            do {
                now += (long) (random.nextDouble() * SECOND / rate / 4);
                take = bucket.take(now);
            } while (take.allowed());
            assertTrue(take.retryAfterSeconds() >= 1);
            assertTrue(bucket.take(now + take.retryAfterSeconds() * SECOND).allowed(),
                    "rate " + rate + ", told to wait " + take.retryAfterSeconds() + " s");
        }
    }

    @Test
    void an_allowance_refills_and_holds_something() {
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, 0, 0));
    }
}

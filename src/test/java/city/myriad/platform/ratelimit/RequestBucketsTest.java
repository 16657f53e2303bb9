package city.myriad.platform.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** One bucket per account, an account's own allowance, no limit at 0, and idle accounts forgotten. */
class RequestBucketsTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void accounts_spend_from_their_own_buckets() {
        RequestBuckets buckets = new RequestBuckets(new RequestBuckets.Allowance(1, 2), Map.of());
        assertTrue(buckets.take("tenant:a", 0).allowed());
        assertTrue(buckets.take("tenant:a", 0).allowed());
        assertFalse(buckets.take("tenant:a", 0).allowed());
        assertTrue(buckets.take("tenant:b", 0).allowed(), "another tenant is not slowed by the first");
    }

    @Test
    void an_account_with_its_own_allowance_gets_it() {
        RequestBuckets buckets = new RequestBuckets(new RequestBuckets.Allowance(1, 1),
                Map.of("tenant:big", new RequestBuckets.Allowance(100, 50), "tenant:free", new RequestBuckets.Allowance(0, 1)));
        for (int i = 0; i < 50; i++) {
            assertTrue(buckets.take("tenant:big", 0).allowed());
        }
        assertFalse(buckets.take("tenant:big", 0).allowed());
        assertNull(buckets.take("tenant:free", 0), "0 a second: not limited, not metered");
        assertEquals("\"account\";q=50;w=1", buckets.allowance("tenant:big").policy());
        assertEquals("\"account\";q=1;w=1", buckets.allowance("tenant:other").policy());
        assertEquals("\"account\";q=4000;w=2", new RequestBuckets.Allowance(2000, 4000).policy());
    }

    @Test
    void idle_accounts_are_forgotten_once_there_are_many() {
        RequestBuckets buckets = new RequestBuckets(new RequestBuckets.Allowance(1, 1), Map.of());
        for (int i = 0; i < RequestBuckets.MAX_ACCOUNTS; i++) {
            buckets.take("user:" + i, 0);
        }
        assertEquals(RequestBuckets.MAX_ACCOUNTS, buckets.accounts());
        assertFalse(buckets.take("user:0", 0).allowed(), "a busy account keeps its state");
        buckets.take("user:new", 2 * SECOND);
        assertEquals(1, buckets.accounts(), "all others refilled: forgotten, as if never seen");
    }

    @Test
    void an_allowance_is_a_rate_of_zero_or_more_and_a_burst_of_one_or_more() {
        assertThrows(IllegalArgumentException.class, () -> new RequestBuckets.Allowance(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> new RequestBuckets.Allowance(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new RequestBuckets.Allowance(Double.NaN, 1));
    }
}

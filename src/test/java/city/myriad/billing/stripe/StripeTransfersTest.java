package city.myriad.billing.stripe;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.ApiException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.RateLimitException;
import org.junit.jupiter.api.Test;

/** Which failures end a payout's transfer: only Stripe's refusal, never a failure that may have made it. */
class StripeTransfersTest {

    @Test
    void a_4xx_answer_is_a_refusal() {
        assertTrue(StripeTransfers.refusal(new InvalidRequestException("Insufficient funds", null, "req_1", null, 400,
                null)));
        assertTrue(StripeTransfers.refusal(new InvalidRequestException("No such destination", "destination", "req_2",
                "resource_missing", 404, null)));
    }

    @Test
    void no_answer_a_5xx_a_429_or_the_key_in_use_may_have_made_the_transfer() {
        assertFalse(StripeTransfers.refusal(new ApiConnectionException("Read timed out")));
        assertFalse(StripeTransfers.refusal(new ApiException("An unknown error occurred", "req_3", null, 500, null)));
        assertFalse(StripeTransfers.refusal(new RateLimitException("Too many requests", null, "req_4", null, 429,
                null)));
        assertFalse(StripeTransfers.refusal(new InvalidRequestException("Conflict", null, "req_5", null, 409, null)));
        assertFalse(StripeTransfers.refusal(new IdempotencyException("Keys for idempotent requests can only be used "
                + "with the same parameters", "req_6", "idempotency_key_in_use", 400)));
        assertFalse(StripeTransfers.refusal(new IllegalStateException("a bug of ours")));
    }
}

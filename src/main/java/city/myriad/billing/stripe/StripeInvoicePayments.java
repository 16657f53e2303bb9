package city.myriad.billing.stripe;

import com.stripe.exception.CardException;
import com.stripe.exception.StripeException;
import com.stripe.model.Invoice;
import com.stripe.net.RequestOptions;
import com.stripe.param.InvoicePayParams;
import jakarta.enterprise.context.ApplicationScoped;

/** Asks Stripe to charge an open invoice now, with the customer's default payment method. Blocking (stripe-java). */
@ApplicationScoped
public class StripeInvoicePayments {

    /** What Stripe answered. */
    public sealed interface Attempt {
        /** Stripe took the payment: the invoice is paid there. */
        /** Paid; {@code collectedMinor} is what Stripe says it collected ({@code amount_paid}), null if not said. */
        record Paid(Long collectedMinor) implements Attempt {}

        /** The payment method was refused (a decline, insufficient funds, none on file, ...): Stripe's words. */
        record Declined(String message, String code) implements Attempt {}

        /** Stripe answered something else, or could not be reached. */
        record Failed(String message) implements Attempt {}
    }

    private static final String REQUIRES_ACTION = "invoice_payment_intent_requires_action";

    private final StripeApi api;

    StripeInvoicePayments(StripeApi api) {
        this.api = api;
    }

    public boolean configured() {
        return api.configured();
    }

    /**
     * One attempt to charge the Stripe invoice, under {@code idempotencyKey}: a retry of the same request (a lost
     * answer) is that attempt again, never a second charge; a new attempt needs a new key.
     */
    public Attempt pay(String stripeInvoiceId, String idempotencyKey) {
        try {
            Invoice paid = api.client().orElseThrow().invoices().pay(stripeInvoiceId, InvoicePayParams.builder().build(),
                    RequestOptions.builder().setIdempotencyKey(idempotencyKey).build());
            return "paid".equals(paid.getStatus()) ? new Attempt.Paid(paid.getAmountPaid())
                    : new Attempt.Failed("Stripe answered the invoice " + paid.getStatus());
        } catch (StripeException e) {
            String message = e.getStripeError() == null ? e.getMessage() : e.getStripeError().getMessage();
            // 3-D Secure and the like: the bank wants the card holder, who is not at Stripe's API. Stripe sends it as
            // a card error (402) with this code; the customer confirms on the invoice's Stripe page.
            if (REQUIRES_ACTION.equals(e.getCode())) {
                return new Attempt.Declined("the payment needs the card holder's confirmation (3-D Secure): pay on "
                        + "the invoice's Stripe page (hostedInvoiceUrl)", e.getCode());
            }
            return e instanceof CardException ? new Attempt.Declined(message, e.getCode())
                    : new Attempt.Failed(message);
        }
    }
}

package city.myriad.billing.rest;

import city.myriad.billing.stripe.StripeWebhooks;
import city.myriad.billing.stripe.StripeWebhooks.Outcome;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/stripe/webhooks")
@PermitAll
@Tag(name = "billing")
public class StripeWebhookResource {

    private final StripeWebhooks webhooks;

    StripeWebhookResource(StripeWebhooks webhooks) {
        this.webhooks = webhooks;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @SecurityRequirements
    @Extension(name = "x-problem-codes", value = "INVALID_SIGNATURE")
    @Operation(operationId = "receiveStripeWebhook", summary = "Stripe's webhook endpoint (signed by Stripe)",
            description = "No bearer token: the Stripe-Signature header (HMAC-SHA256 of the timestamp and the raw "
                    + "body with the endpoint's secret, at most 5 minutes old) is verified; an unsigned or forged "
                    + "call is 400 INVALID_SIGNATURE and changes nothing. Handles invoice.paid, "
                    + "invoice.payment_failed and charge.refunded; notes invoice.marked_uncollectible and "
                    + "invoice.voided (the invoice's `stripeStatus`: Myriad's own state is a platform admin's "
                    + "decision); each event once (a repeat answers its first outcome), safe out of order.")
    public Uni<Outcome> receive(@HeaderParam("Stripe-Signature") String signature,
            @RequestBody(description = "A Stripe event, as Stripe sends it") String payload) {
        return webhooks.receive(payload == null ? "" : payload, signature);
    }
}

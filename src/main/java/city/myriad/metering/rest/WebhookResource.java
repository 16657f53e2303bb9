package city.myriad.metering.rest;

import city.myriad.metering.mapping.MeteringApi.DeliveryView;
import city.myriad.metering.mapping.MeteringApi.SetWebhook;
import city.myriad.metering.mapping.MeteringApi.WebhookStatusView;
import city.myriad.metering.mapping.MeteringApi.WebhookTestView;
import city.myriad.metering.mapping.MeteringApi.WebhookView;
import city.myriad.metering.service.Webhooks;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.Paging;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/tenants/{tenantId}/webhook")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "metering")
public class WebhookResource {

    private final Webhooks webhooks;
    private final CurrentCaller callers;
    private final Paging paging;

    WebhookResource(Webhooks webhooks, CurrentCaller callers, Paging paging) {
        this.webhooks = webhooks;
        this.callers = callers;
        this.paging = paging;
    }

    @PUT
    @Extension(name = "x-problem-codes", value = UsageResource.TENANT_CODES + ", VALIDATION_FAILED")
    @Operation(operationId = "setWebhook", summary = "Set where the tenant's events go, and which (tenant-admin)",
            description = "Generates a new signing secret and shows it once, in this answer (setting the webhook "
                    + "again rotates it at once, unless `keepSecret` is true; rollWebhookSecret rotates it with an "
                    + "overlap). Each delivery is signed: Myriad-Signature: t=<unix seconds>,v1=<hex "
                    + "HMAC-SHA256 of \"<t>.<body>\">; Myriad-Event-Id is the event's id on every try. `events` "
                    + "chooses the event types (left out: alerts and reservation events; jobs' lifecycle events only "
                    + "when named). With `If-Match` (the `ETag` of `getWebhook`), only if it has not changed since.")
    public Uni<WebhookView> set(@PathParam("tenantId") UUID tenantId, @Valid @NotNull SetWebhook body,
            @HeaderParam("If-Match") String ifMatch) {
        return webhooks.set(callers.get(), tenantId, body.url(), body.events(), Boolean.TRUE.equals(body.keepSecret()),
                ifMatch);
    }

    @POST
    @Path("/roll-secret")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = UsageResource.TENANT_CODES
            + ", VALIDATION_FAILED, WEBHOOK_NOT_FOUND")
    @Operation(operationId = "rollWebhookSecret", summary = "Replace the webhook's signing secret, the old one still "
            + "signing for a while (tenant-admin)",
            description = "A new secret, shown once in this answer. Until `previousSecretExpiresAt` every delivery (and "
                    + "test event) is signed by the new secret and by the secrets from before the roll: "
                    + "Myriad-Signature: t=<unix seconds>,v1=<new>,v1=<old>, so a receiver that accepts any matching "
                    + "`v1` goes on accepting while the new secret is deployed. `previousSecretExpiresIn=0` stops the "
                    + "old secrets at once (a leaked secret). A second roll inside the overlap keeps the secret from "
                    + "before the first signing until its own end (at most three earlier secrets sign, those that end "
                    + "last), so a retry after a lost answer does not cut off the receiver; with `If-Match` (the "
                    + "`ETag` of `getWebhook`) a retry rolls no second time (412).")
    public Uni<WebhookView> roll(@PathParam("tenantId") UUID tenantId,
            @Parameter(description = "Seconds the secrets from before the roll keep signing beside the new one: "
                    + "0 to 604800 (a week), 86400 (a day) when left out; 0 stops them at once",
                    schema = @Schema(type = SchemaType.INTEGER, minimum = "0", maximum = "604800",
                            defaultValue = "86400"))
            @QueryParam("previousSecretExpiresIn") String previousSecretExpiresIn,
            @HeaderParam("If-Match") String ifMatch) {
        return webhooks.roll(callers.get(), tenantId, previousSecretExpiresIn, ifMatch);
    }

    @GET
    @Extension(name = "x-problem-codes", value = UsageResource.TENANT_CODES + ", WEBHOOK_NOT_FOUND")
    @Operation(operationId = "getWebhook", summary = "The tenant's webhook, without its secret (tenant-admin)")
    public Uni<WebhookView> get(@PathParam("tenantId") UUID tenantId) {
        return webhooks.get(callers.get(), tenantId);
    }

    @GET
    @Path("/status")
    @Extension(name = "x-problem-codes", value = UsageResource.TENANT_CODES + ", WEBHOOK_NOT_FOUND")
    @Operation(operationId = "getWebhookStatus", summary = "How the webhook's receiver has been answering, and what "
            + "waits for it (tenant-admin)", description = "From the tries sent to the webhook's address now: the "
            + "latest, the latest delivered, the failures since, the latest failure with the receiver's answer, and "
            + "the deliveries still PENDING. The same answer from every replica. A receiver FAILING with a backlog: "
            + "fix it, then send a test event (testWebhook) to have the backlog sent at once.")
    public Uni<WebhookStatusView> status(@PathParam("tenantId") UUID tenantId) {
        return webhooks.status(callers.get(), tenantId);
    }

    @DELETE
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = UsageResource.TENANT_CODES + ", WEBHOOK_NOT_FOUND")
    @Operation(operationId = "deleteWebhook", summary = "Stop sending alerts to a webhook (tenant-admin)",
            description = "Removes the webhook and its secret. Alerts are still raised and listed (listAlerts), with no "
                    + "delivery; a delivery still PENDING ends FAILED at its next try, its reason logged, and can be "
                    + "sent again (redeliverWebhookDelivery) once a webhook is set. With `If-Match`, only if it has "
                    + "not changed since it was read.")
    @APIResponse(responseCode = "204", description = "Removed")
    public Uni<Response> delete(@PathParam("tenantId") UUID tenantId, @HeaderParam("If-Match") String ifMatch) {
        return webhooks.delete(callers.get(), tenantId, ifMatch).map(v -> Response.noContent().build());
    }

    @POST
    @Path("/test")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = UsageResource.TENANT_CODES
            + ", WEBHOOK_NOT_FOUND, WEBHOOK_TEST_RATE_LIMITED")
    @Operation(operationId = "testWebhook", summary = "Send a signed test event to the webhook now (tenant-admin)",
            description = "Posts {\"id\", \"type\": \"webhook.test\", \"createdAt\", \"data\": {\"tenantId\"}} signed as "
                    + "every delivery is, and answers how the receiver answered: its HTTP status, or why it could not "
                    + "be reached, and the time it took. Nothing is stored or retried. 200 whatever the receiver "
                    + "answered: `delivered` says whether it took it. At most 5 a minute per tenant (429 with Retry-After).")
    public Uni<WebhookTestView> test(@PathParam("tenantId") UUID tenantId) {
        return webhooks.test(callers.get(), tenantId);
    }

    @GET
    @Path("/deliveries")
    @Extension(name = "x-problem-codes", value = UsageResource.TENANT_CODES + ", VALIDATION_FAILED")
    @Operation(operationId = "listWebhookDeliveries", summary = "The delivery log, newest first, optionally in one "
            + "state or of one event type (tenant-admin)",
            description = "Each event's delivery: PENDING (with its next attempt), DELIVERED or FAILED, and every "
                    + "attempt with its HTTP status or error and duration. Retries back off exponentially.")
    public Uni<Page<DeliveryView>> deliveries(@PathParam("tenantId") UUID tenantId,
            @QueryParam("cursor") String cursor, @QueryParam("limit") String limit,
            @Parameter(description = "FAILED: the deliveries that gave up, to look into", schema = @Schema(
                    type = SchemaType.STRING, enumeration = {"PENDING", "DELIVERED", "FAILED"}))
            @QueryParam("state") String state,
            @Parameter(description = "Only the deliveries of this event type", schema = @Schema(
                    implementation = city.myriad.metering.mapping.MeteringApi.EventType.class))
            @QueryParam("eventType") String eventType) {
        return webhooks.deliveries(callers.get(), tenantId, paging.request(cursor, limit), state, eventType);
    }

    @POST
    @Path("/deliveries/{deliveryId}/redeliver")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = UsageResource.TENANT_CODES
            + ", WEBHOOK_NOT_FOUND, WEBHOOK_DELIVERY_NOT_FOUND")
    @Operation(operationId = "redeliverWebhookDelivery", summary = "Send a delivery again (tenant-admin)",
            description = "A FAILED delivery (once the receiver is fixed) or a DELIVERED one the receiver lost goes back "
                    + "to PENDING, due now, with a new round of tries and back-off; its attempt log goes on. "
                    + "Myriad-Event-Id stays the alert's id, so a receiver that deduplicates sees one event. A PENDING "
                    + "delivery is already on its way and is answered as it is: asking again changes nothing. The "
                    + "tenant needs a webhook (404 WEBHOOK_NOT_FOUND otherwise).")
    public Uni<DeliveryView> redeliver(@PathParam("tenantId") UUID tenantId,
            @PathParam("deliveryId") UUID deliveryId) {
        return webhooks.redeliver(callers.get(), tenantId, deliveryId);
    }
}

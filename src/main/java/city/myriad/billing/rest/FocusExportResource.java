package city.myriad.billing.rest;

import city.myriad.billing.service.FocusExport;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.vertx.core.buffer.Buffer;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

// Not @Authenticated: the security interceptor would wrap the stream and lose its content type. The identity is
// resolved (401 if anonymous) before the first row, as @Authenticated would.
@Path("/api/v1/exports/focus")
@Tag(name = "billing")
public class FocusExportResource {

    private final FocusExport export;
    private final CurrentIdentityAssociation identities;

    FocusExportResource(FocusExport export, CurrentIdentityAssociation identities) {
        this.export = export;
        this.identities = identities;
    }

    @GET
    // No @Produces: a stream may declare one media type or none; the format parameter picks CSV or JSON and the
    // Content-Type header says which (the contract lists both).
    @Extension(name = "x-problem-codes", value = InvoiceResource.TENANT_CODES + ", VALIDATION_FAILED, "
            + "INVALID_EXPORT_FORMAT, PLATFORM_ADMIN_REQUIRED, OPERATOR_IDENTITY_UNKNOWN")
    @Operation(operationId = "exportFocus", summary = "Billing data as FOCUS 1.3 rows, streamed",
            description = "One row per job, run and hour of rated usage whose hour is in [from, to) (ResourceId: the "
                    + "job; CapacityReservationId for a reserved job), a Credit row beside a credited run, and one "
                    + "row per invoice-level line (reservations, cancellations, commitments, prepaid credit) of the "
                    + "issued invoices of the billing periods starting in [from, to). ConsumedQuantity and "
                    + "PricingQuantity in GPU-Hours; the project is the tag myriad/project. The sum of BilledCost per "
                    + "InvoiceId is the invoice's total. A tenant gets its own rows, an operator the rows of its "
                    + "clusters, platform admins everyone's (tenantId: one tenant's). Streamed: memory stays flat.")
    @APIResponse(responseCode = "200", description = "The rows", content = {
            @Content(mediaType = "text/csv", schema = @Schema(type = SchemaType.STRING)),
            @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY,
                    implementation = Object.class))})
    public RestMulti<Buffer> export(
            @Parameter(required = true, example = "2026-11-01T00:00:00Z") @QueryParam("from") String from,
            @Parameter(required = true, example = "2026-12-01T00:00:00Z") @QueryParam("to") String to,
            @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"csv", "json"}),
                    description = "Default csv") @QueryParam("format") String format,
            @Parameter(description = "Platform admins: one tenant's rows") @QueryParam("tenantId") UUID tenantId,
            @jakarta.ws.rs.core.Context io.vertx.core.http.HttpServerResponse response) {
        // The server marks every answer "Content-Encoding: identity" unless the REST layer finds its declared media
        // type compressible; a stream declares none, so the mark is lifted here: the export is gzipped as it
        // streams for a client that asks (CompressionTest), and sent as it is to one that does not.
        response.headers().remove("Content-Encoding");
        FocusExport.Request request = FocusExport.request(from, to, format);
        String type = request.csv() ? "text/csv; charset=utf-8" : "application/json";
        // The caller's scope is resolved before the first row: a refusal is a problem answer, not a broken stream.
        return RestMulti.fromMultiData(identities.getDeferredIdentity().map(CurrentCaller::of)
                        .chain(caller -> export.scope(caller, tenantId)).toMulti()
                        .onItem().transformToMultiAndConcatenate(scope -> export.stream(scope, request)))
                // Up to four chunks ahead: the next chunks are read while one is written (at most four chunks'
                // text in memory).
                .withDemand(4).status(200).header("Content-Type", type)
                .header("Content-Disposition", "attachment; filename=\"myriad-focus." + (request.csv() ? "csv" : "json")
                        + "\"").encodeAsJsonArray(false).build();
    }
}

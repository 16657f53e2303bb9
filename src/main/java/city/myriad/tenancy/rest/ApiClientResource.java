package city.myriad.tenancy.rest;

import city.myriad.platform.idempotency.Creations;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.Paging;
import city.myriad.platform.security.Caller;
import city.myriad.platform.security.CurrentCaller;
import city.myriad.tenancy.mapping.TenancyApi.ApiClientView;
import city.myriad.tenancy.mapping.TenancyApi.CreateApiClient;
import city.myriad.tenancy.service.ApiClientService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A tenant's API clients (machine credentials for the client-credentials grant), for its tenant-admins. */
@Path("/api/v1/tenants/{tenantId}/api-clients")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "tenancy")
public class ApiClientResource {

    static final String CODES = "TENANT_NOT_FOUND, TENANT_ROLE_REQUIRED, UNKNOWN_TENANT";

    private final ApiClientService clients;
    private final CurrentCaller callers;
    private final Paging paging;
    private final Creations creations;

    ApiClientResource(ApiClientService clients, CurrentCaller callers, Paging paging, Creations creations) {
        this.clients = clients;
        this.callers = callers;
        this.paging = paging;
        this.creations = creations;
    }

    @POST
    @Extension(name = "x-problem-codes", value = CODES + ", UNKNOWN_ROLE, API_CLIENT_LIMIT, "
            + "IDENTITY_PROVISIONING_OFF, IDENTITY_PROVIDER_FAILED")
    @Operation(operationId = "createApiClient", summary = "Create an API client (tenant admin)",
            description = "A confidential client of the identity provider for the client-credentials grant "
                    + "(`POST tokenUrl` with `grant_type=client_credentials`, `client_id`, `client_secret`): its "
                    + "tokens act for this tenant with the given roles, like a member's. The answer carries the "
                    + "`secret` once; it is stored by the identity provider alone. Takes `Idempotency-Key`: a replay "
                    + "answers the client without its secret (rotate to get one). At most 25 per tenant.")
    @APIResponse(responseCode = "201", description = "Created, with its secret",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = ApiClientView.class)))
    public Uni<Response> create(@PathParam("tenantId") UUID tenantId, @HeaderParam(Creations.KEY) String key,
            @Valid @NotNull CreateApiClient body) {
        return creations.create(caller(), key, body, () -> clients.create(caller(), tenantId, body));
    }

    @GET
    @Extension(name = "x-problem-codes", value = CODES)
    @Operation(operationId = "listApiClients", summary = "List the tenant's API clients (tenant admin)",
            description = "Without their secrets, which only their creation and rotations show.")
    public Uni<Page<ApiClientView>> list(@PathParam("tenantId") UUID tenantId, @QueryParam("cursor") String cursor,
            @QueryParam("limit") String limit) {
        return clients.list(caller(), tenantId, paging.request(cursor, limit));
    }

    @GET
    @Path("/{apiClientId}")
    @Extension(name = "x-problem-codes", value = CODES + ", API_CLIENT_NOT_FOUND")
    @Operation(operationId = "getApiClient", summary = "One API client of the tenant (tenant admin)")
    public Uni<ApiClientView> get(@PathParam("tenantId") UUID tenantId, @PathParam("apiClientId") UUID id) {
        return clients.get(caller(), tenantId, id);
    }

    @POST
    @Path("/{apiClientId}/rotate-secret")
    @Consumes(MediaType.WILDCARD)
    @Extension(name = "x-problem-codes", value = CODES + ", API_CLIENT_NOT_FOUND, IDENTITY_PROVISIONING_OFF, "
            + "IDENTITY_PROVIDER_FAILED")
    @Operation(operationId = "rotateApiClientSecret", summary = "Replace an API client's secret (tenant admin)",
            description = "A new secret, shown once in this answer; the one before is refused by the token endpoint "
                    + "from now on, and the tokens issued before this second are refused by the API (401). For a "
                    + "leaked secret, or a retried creation whose answer was lost.")
    public Uni<ApiClientView> rotate(@PathParam("tenantId") UUID tenantId, @PathParam("apiClientId") UUID id) {
        return clients.rotateSecret(caller(), tenantId, id);
    }

    @DELETE
    @Path("/{apiClientId}")
    @Extension(name = "x-problem-codes", value = CODES + ", API_CLIENT_NOT_FOUND, IDENTITY_PROVIDER_FAILED")
    @Operation(operationId = "deleteApiClient", summary = "Delete an API client (tenant admin)",
            description = "Deletes it in the identity provider: it gets no new token, and the tokens it holds are "
                    + "refused by the API (401) from now on.")
    @APIResponse(responseCode = "204", description = "Deleted")
    public Uni<Response> delete(@PathParam("tenantId") UUID tenantId, @PathParam("apiClientId") UUID id) {
        return clients.delete(caller(), tenantId, id).map(v -> Response.noContent().build());
    }

    private Caller caller() {
        return callers.get();
    }
}

package city.myriad.platform.audit;

import city.myriad.platform.audit.AuditApi.AuditEventView;
import city.myriad.platform.audit.AuditTrail.Filter;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.paging.Paging;
import city.myriad.platform.security.Caller;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Every tenant's and operator's audit trail in one list, for platform admins: what one account did everywhere (an
 * admin token suspected stolen, a contractor leaving), which no tenant's or operator's own trail shows.
 */
@Path("/api/v1/audit-events")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "tenancy")
public class PlatformAuditResource {

    private final AuditTrail trail;
    private final Scoped scoped;
    private final CurrentCaller callers;
    private final Paging paging;

    PlatformAuditResource(AuditTrail trail, Scoped scoped, CurrentCaller callers, Paging paging) {
        this.trail = trail;
        this.scoped = scoped;
        this.callers = callers;
        this.paging = paging;
    }

    @GET
    @Extension(name = "x-problem-codes", value = "PLATFORM_ADMIN_REQUIRED, VALIDATION_FAILED")
    @Operation(operationId = "listPlatformAuditEvents", summary = "Every audit trail, newest first (platform admin)",
            description = "The events of every tenant's trail (`listAuditEvents`) and every operator's "
                    + "(`listOperatorAuditEvents`) in one list, with the same filters: what one account did "
                    + "everywhere (`actor`), or every use of one call (`action`).")
    public Uni<Page<AuditEventView>> list(@QueryParam("cursor") String cursor, @QueryParam("limit") String limit,
            @BeanParam AuditQuery query) {
        Caller caller = callers.get();
        if (!caller.isPlatformAdmin()) {
            throw new MyriadProblem.Forbidden(ProblemCode.PLATFORM_ADMIN_REQUIRED,
                    "Only a platform admin reads every audit trail; a tenant's admins read theirs (listAuditEvents), "
                            + "an operator its own (listOperatorAuditEvents)");
        }
        Filter filter = query.filter();
        PageRequest page = paging.request(cursor, limit);
        return scoped.asPlatform(() -> trail.platformPage(page.afterUuid(), filter, page.limit() + 1))
                .map(rows -> page.page(rows, e -> e.id().toString()).map(trail::view));
    }
}

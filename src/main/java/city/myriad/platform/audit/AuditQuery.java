package city.myriad.platform.audit;

import city.myriad.platform.audit.AuditTrail.Filter;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/**
 * The filters every audit-trail list takes (a tenant's, an operator's, the platform's), as query parameters: a
 * {@code @BeanParam} of each route, so that the three lists cannot drift apart.
 */
public class AuditQuery {

    @Parameter(description = "Only this call's events: an operationId", example = "setProjectQuotas")
    @QueryParam("action")
    public String action;

    @Parameter(description = "Only this username's changes", example = "alice")
    @QueryParam("actor")
    public String actor;

    @Parameter(description = "Only the events of this target (a project's, member's, cluster's ... id; a node's "
            + "`<clusterId>/<name>`)")
    @QueryParam("targetId")
    public String targetId;

    @Parameter(description = "From this instant on (inclusive)", example = "2026-11-01T00:00:00Z")
    @QueryParam("from")
    public String from;

    @Parameter(description = "Before this instant", example = "2026-12-01T00:00:00Z")
    @QueryParam("to")
    public String to;

    /** The filters, checked: 400 VALIDATION_FAILED naming the first one wrong. */
    public Filter filter() {
        return Filter.parse(action, actor, targetId, from, to);
    }
}

package city.myriad.metering.rest;

import city.myriad.metering.mapping.MeteringApi.JobUsageView;
import city.myriad.metering.service.UsageReports;
import city.myriad.platform.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/jobs/{jobId}/usage")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "metering")
public class JobUsageResource {

    private final UsageReports reports;
    private final CurrentCaller callers;

    JobUsageResource(UsageReports reports, CurrentCaller callers) {
        this.reports = reports;
        this.callers = callers;
    }

    @GET
    @Extension(name = "x-problem-codes", value = UsageResource.TENANT_CODES + ", JOB_NOT_FOUND, "
            + "OPERATOR_ROLE_REQUIRED, OPERATOR_IDENTITY_UNKNOWN")
    @Operation(operationId = "getJobUsage", summary = "One job's usage, lifecycle and measured side by side",
            description = "Card-seconds of each run from the job lifecycle (what bills) and from its usage events, "
                    + "with eventCount, and the reconciliation: PENDING, UNMEASURED, MATCHED or DISCREPANT. For the "
                    + "job's tenant, its cluster's operator and platform admins; 404 for anyone else.")
    public Uni<JobUsageView> usage(@PathParam("jobId") UUID jobId) {
        return reports.jobUsage(callers.get(), jobId);
    }
}

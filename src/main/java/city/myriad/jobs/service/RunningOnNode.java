package city.myriad.jobs.service;

import city.myriad.catalog.service.NodeRemovalCheck;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A node on which jobs still run is not removed (409 NODE_IN_USE): their runs would lose their cards. The node is out
 * of service by then (DRAINING or DOWN), so the scheduling loop starts nothing new on it: once its jobs end, or are
 * cancelled, it may go. Read across tenants, as counts only.
 */
@ApplicationScoped
public class RunningOnNode implements NodeRemovalCheck {

    private final Scoped scoped;
    private final JobRepository jobs;

    RunningOnNode(Scoped scoped, JobRepository jobs) {
        this.scoped = scoped;
        this.jobs = jobs;
    }

    @Override
    public Uni<Void> check(Removal r) {
        return scoped.asPlatform(() -> jobs.runningOnNode(r.clusterId(), r.node())).invoke(running -> {
            if (running > 0) {
                throw new MyriadProblem.Conflict(ProblemCode.NODE_IN_USE, running + " job(s) still run on node '"
                        + r.node() + "': remove it once they have ended (it takes no new work while "
                        + r.state() + ")");
            }
        }).replaceWithVoid();
    }
}

package city.myriad.jobs.service;

import city.myriad.catalog.service.ClusterNodes;
import city.myriad.jobs.repository.ClusterFeedRepository;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.jobs.repository.LoopStatements;
import city.myriad.platform.db.OwnPool;
import city.myriad.market.service.JobPricing;
import city.myriad.platform.db.Scoped;
import city.myriad.quota.service.QuotaLimits;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What a cluster's scheduling loop works with; and the one way its thread waits for the database. A singleton, not
 * a client proxy: the loop reads its fields directly.
 */
@Singleton
public class LoopParts {

    final Scoped scoped;
    final JobRepository jobs;
    final ClusterFeedRepository feed;
    final JobRuns runs;
    final ClusterNodes nodes;
    final JobPricing pricing;
    final QuotaLimits quotas;
    final city.myriad.tenancy.service.TenantProjects tenants;
    final city.myriad.jobs.repository.JobArrayRepository arrays;
    final ObjectMapper json;
    final Clock clock;
    final MeterRegistry meters;
    /** The loops' queue, running jobs and allocated share, per cluster, at /q/metrics. */
    final LoopGauges gauges;
    /** The loops' own pool and the cycle's statements on it (take, and commits without run ends). */
    final OwnPool own;
    final LoopStatements statements;
    /** The start estimates planned on the clusters' queues, forgotten when a cycle commits starts or ends. */
    final QueuePlans plans;
    /**
     * How far ahead a reservation keeps the nodes it will hold: from then on, other tenants' non-preemptible jobs
     * declared to run past its start are not placed on them (docs/market.md, "Reservations").
     */
    final Duration lookahead;

    LoopParts(Scoped scoped, JobRepository jobs, ClusterFeedRepository feed, JobRuns runs, ClusterNodes nodes,
            JobPricing pricing, QuotaLimits quotas, ObjectMapper json, Clock clock, MeterRegistry meters, OwnPool own,
            LoopStatements statements, city.myriad.tenancy.service.TenantProjects tenants, QueuePlans plans,
            city.myriad.jobs.repository.JobArrayRepository arrays, @ConfigProperty(name = "myriad.scheduler.reservation-lookahead", defaultValue = "P7D") Duration lookahead) {
        this.plans = plans;
        this.arrays = arrays;
        this.lookahead = lookahead;
        this.tenants = tenants;
        this.own = own;
        this.statements = statements;
        this.meters = meters;
        this.gauges = new LoopGauges(meters);
        this.scoped = scoped;
        this.jobs = jobs;
        this.feed = feed;
        this.runs = runs;
        this.nodes = nodes;
        this.pricing = pricing;
        this.quotas = quotas;
        this.json = json;
        this.clock = clock;
    }

    /**
     * Submission to decision: from a job's submission until the cycle that started it has committed (first runs
     * only). Published with its 0.5, 0.95 and 0.99 quantiles over the last 10 minutes, per cluster, at /q/metrics.
     */
    Timer decisions(java.util.UUID clusterId) {
        return Timer.builder("myriad.scheduler.decision").description("Job submission to committed start")
                .tag("cluster", clusterId.toString()).publishPercentiles(0.5, 0.95, 0.99)
                .distributionStatisticExpiry(Duration.ofMinutes(10)).register(meters);
    }

    /** One scheduling cycle with writes: from its start until its transaction committed. */
    Timer cycles(java.util.UUID clusterId) {
        return Timer.builder("myriad.scheduler.cycle").description("Scheduling cycle, start to commit")
                .tag("cluster", clusterId.toString()).publishPercentiles(0.5, 0.99)
                .distributionStatisticExpiry(Duration.ofMinutes(10)).register(meters);
    }

    /**
     * Cycles (or rebuilds) that failed and made the loop rebuild its scheduler from the database: any increase is
     * worth a look, a steady one means the cluster schedules nothing (docs/deployment.md).
     */
    io.micrometer.core.instrument.Counter cycleFailures(java.util.UUID clusterId) {
        return io.micrometer.core.instrument.Counter.builder("myriad.scheduler.cycle.failures")
                .description("Scheduling cycles that failed, each followed by a rebuild from the database")
                .tag("cluster", clusterId.toString()).register(meters);
    }

    /** Runs reactive work from the loop's own (blocking) thread, on a Vert.x context, and waits for it. */
    <T> T await(Supplier<Uni<T>> work) {
        return city.myriad.platform.db.Blocking.await(work);
    }
}

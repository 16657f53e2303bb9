package city.myriad.jobs.service;

import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.platform.db.PlainTx;
import city.myriad.tenancy.service.TenantProjects;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Group commit for plain submissions (no Idempotency-Key, no money or GPU-hour limit): the jobs of one tenant that
 * arrive while earlier transactions are still open are written together, in one transaction of that tenant that
 * reads their projects once and inserts them with one prepared statement (docs/design/submission-batches.md).
 *
 * <p>Rules: at most {@code inFlight} such transactions are open at once; a submission that finds a free slot
 * starts one at once, alone or with whatever waits, so batching adds no wait of its own, only under load. A batch
 * is one tenant's (row-level security scopes a transaction to one tenant), taken in arrival order from the head of
 * the queue. A submission's answer comes when its transaction has committed. If a batch fails for any reason (a
 * project that is not the tenant's, a suspended tenant, a database error), nothing of it is written and each of
 * its jobs is tried again alone, so each gets its own answer (404, 403) and no job is written twice: a job's id is
 * fixed before its first try.
 */
@ApplicationScoped
public class SubmissionBatches {

    /** The most jobs in one transaction. */
    static final int MAX_BATCH = 64;

    private final PlainTx plain;
    private final TenantProjects projects;
    private final JobRepository jobs;
    private final int inFlightLimit;

    private final DistributionSummary sizes;
    private final AtomicLong jobsTogether = new AtomicLong();
    private final AtomicLong retriedAlone = new AtomicLong();

    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    private int inFlight;

    SubmissionBatches(PlainTx plain, TenantProjects projects, JobRepository jobs, MeterRegistry meters,
            @ConfigProperty(name = "myriad.jobs.submission-transactions", defaultValue = "2") int inFlightLimit) {
        this.plain = plain;
        this.projects = projects;
        this.jobs = jobs;
        this.inFlightLimit = Math.max(1, inFlightLimit);
        this.sizes = DistributionSummary.builder("myriad_jobs_submission_batch_jobs")
                .description("Jobs written per submission transaction (group commit)").register(meters);
    }

    /** Jobs committed in a transaction shared with others, and jobs tried again alone after a failed batch. */
    public record Counts(long together, long retriedAlone) {}

    public Counts counts() {
        return new Counts(jobsTogether.get(), retriedAlone.get());
    }

    /** A job waiting for its transaction, with the context its answer goes back to. */
    private record Waiting(JobRow row, Context context, UniEmitter<? super Void> answer) {

        void succeed() {
            onContext(() -> answer.complete(null));
        }

        void fail(Throwable failure) {
            onContext(() -> answer.fail(failure));
        }

        private void onContext(Runnable r) {
            if (context == null || context == Vertx.currentContext()) {
                r.run();
            } else {
                context.runOnContext(ignored -> r.run());
            }
        }
    }

    /** Writes the QUEUED job (its row, first transition and inbox entry) once its project is checked; see above. */
    public Uni<Void> insert(JobRow row) {
        return Uni.createFrom().emitter(answer -> {
            List<Waiting> batch;
            synchronized (this) {
                queue.add(new Waiting(row, Vertx.currentContext(), answer));
                batch = nextBatch();
            }
            if (batch != null) {
                run(batch);
            }
        });
    }

    /** Under the lock: the next batch if a slot is free (and taken), else null. */
    private List<Waiting> nextBatch() {
        if (inFlight >= inFlightLimit || queue.isEmpty()) {
            return null;
        }
        Waiting head = queue.poll();
        List<Waiting> batch = new ArrayList<>();
        batch.add(head);
        UUID tenant = head.row().tenantId();
        for (Iterator<Waiting> it = queue.iterator(); it.hasNext() && batch.size() < MAX_BATCH; ) {
            Waiting w = it.next();
            if (w.row().tenantId().equals(tenant)) {
                batch.add(w);
                it.remove();
            }
        }
        inFlight++;
        return batch;
    }

    private void run(List<Waiting> batch) {
        Uni<Void> tx = batch.size() == 1 ? alone(batch.get(0).row()) : together(batch);
        tx.subscribe().with(ok -> {
            finished();
            sizes.record(batch.size());
            if (batch.size() > 1) {
                jobsTogether.addAndGet(batch.size());
            }
            batch.forEach(Waiting::succeed);
        }, failure -> {
            finished();
            if (batch.size() == 1) {
                batch.get(0).fail(failure);
            } else {
                retriedAlone.addAndGet(batch.size());
                batch.forEach(w -> alone(w.row()).subscribe().with(ok -> w.succeed(), w::fail));
            }
        });
    }

    private void finished() {
        List<Waiting> next;
        synchronized (this) {
            inFlight--;
            next = nextBatch();
        }
        if (next != null) {
            run(next);
        }
    }

    /** One job in its own transaction: the project's own answer (404, 403) if it is not runnable. */
    private Uni<Void> alone(JobRow row) {
        return plain.asTenant(row.tenantId(), c -> projects.runnableWith(c, row.tenantId(), row.projectId(),
                project -> jobs.insertQueued(c, row, Reasons.SUBMITTED)));
    }

    /** Jobs of one tenant in one transaction: all written, or none. */
    private Uni<Void> together(List<Waiting> batch) {
        UUID tenant = batch.get(0).row().tenantId();
        List<JobRow> rows = batch.stream().map(Waiting::row).toList();
        Set<UUID> projectIds = new LinkedHashSet<>();
        rows.forEach(r -> projectIds.add(r.projectId()));
        return plain.asTenant(tenant, c -> projects.allRunnableWith(c, tenant, projectIds,
                () -> jobs.insertQueued(c, rows, Reasons.SUBMITTED)));
    }
}

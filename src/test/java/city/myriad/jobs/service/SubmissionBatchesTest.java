package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.Reasons;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.support.World;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Group commit of plain submissions against the real database: many jobs handed over at once are written in
 * shared transactions, each exactly once, each tenant's under its own scope; a job for a project that is not its
 * tenant's fails alone, with its own problem, and takes none of its batch down with it.
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class SubmissionBatchesTest {

    @Inject
    SubmissionBatches batches;

    @Inject
    Pool pool;

    @Test
    void jobs_handed_over_together_are_written_together_once_each_and_a_bad_project_fails_only_its_own_job() {
        UUID cluster = UUID.fromString(World.cluster(1));
        World.Tenant a = World.tenant();
        World.Tenant b = World.tenant();
        List<JobRow> rows = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            World.Tenant t = i % 3 == 2 ? b : a;
            // Two jobs of tenant a name a project a does not have: one unknown, one of tenant b.
            UUID project = i == 40 ? UUID.randomUUID() : i == 43 ? UUID.fromString(b.projectId())
                    : UUID.fromString(t.projectId());
            rows.add(row(UUID.fromString(t.id()), project, cluster));
        }
        SubmissionBatches.Counts before = batches.counts();

        // Handed over in one go: the first two start transactions of their own, the rest wait and go in batches.
        List<Uni<Throwable>> outcomes = rows.stream()
                .map(r -> batches.insert(r).onItemOrFailure().transform((ok, failure) -> failure)).toList();
        List<Throwable> failures = Uni.join().all(outcomes).andFailFast().await().atMost(Duration.ofSeconds(60));

        Map<UUID, Long> written = jobsWritten(rows);
        for (int i = 0; i < rows.size(); i++) {
            UUID id = rows.get(i).id();
            if (i == 40 || i == 43) {
                MyriadProblem p = assertInstanceOf(MyriadProblem.class, failures.get(i), "job " + i);
                assertEquals(ProblemCode.PROJECT_NOT_FOUND, p.code());
                assertEquals(0L, written.getOrDefault(id, 0L), "job " + i + " must not be written");
            } else {
                assertNull(failures.get(i), "job " + i);
                assertEquals(2L, written.get(id), "job " + i + ": its row and its first transition, once each");
            }
        }
        SubmissionBatches.Counts after = batches.counts();
        assertTrue(after.together() - before.together() > 0, "some jobs shared a transaction");
        assertTrue(after.retriedAlone() - before.retriedAlone() > 0, "the bad projects' batch was tried job by job");
    }

    private static JobRow row(UUID tenant, UUID project, UUID cluster) {
        Instant now = Instant.now();
        return new JobRow(UUID.randomUUID(), tenant, project, cluster, "ASCEND-910B", 1000, JobClass.ON_DEMAND, null,
                60, false, null, "CNY", 1200, null, 20, JobState.QUEUED, Reasons.CAPACITY, 0, null, null, null, 0, 0,
                false, "test", now, now, 0, 0, null, null, now, 0, null, null, 0, false);
    }

    /** Per job id: its rows in jobs plus its transitions numbered 1 (read across tenants). */
    private Map<UUID, Long> jobsWritten(List<JobRow> rows) {
        UUID[] ids = rows.stream().map(JobRow::id).toArray(UUID[]::new);
        Map<UUID, Long> written = new HashMap<>();
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery("select id, count(*) from (select id from jobs where id = any($1)"
                        + " union all select job_id from job_transitions where seq = 1 and job_id = any($1)) x"
                        + " group by id").execute(Tuple.of(ids))))
                .await().atMost(Duration.ofSeconds(30))
                .forEach((Row r) -> written.put(r.getUUID(0), r.getLong(1)));
        return written;
    }
}

package city.myriad.jobs.service;

import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.service.CycleWrites.EndQueued;
import city.myriad.jobs.service.CycleWrites.EndRun;
import city.myriad.jobs.service.CycleWrites.Outcome;
import city.myriad.jobs.service.CycleWrites.Write;
import city.myriad.platform.db.PlainTx;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The writes of one cluster's loop, each fenced by its leader epoch: the lease is renewed in the same transaction, and
 * a replica that no longer holds it rolls the write back and gets {@link ClusterLoop.LostLeadership}. So a replica that
 * lost the cluster (a partition, a long pause) never writes over the new leader's decisions.
 */
final class LeaderWrites {

    private final UUID clusterId;
    private final long epoch;
    private final LoopParts parts;

    LeaderWrites(UUID clusterId, long epoch, LoopParts parts) {
        this.clusterId = clusterId;
        this.epoch = epoch;
        this.parts = parts;
    }

    /** Runs {@code work} on the loop's own pool in one transaction, sent together with the lease check. */
    <T> T fenced(Instant now, Function<SqlConnection, Uni<T>> work) {
        return parts.own.platform(c -> PlainTx.pipelined(leaseOn(c, now), () -> work.apply(c)));
    }

    /**
     * Commits a cycle's writes in one transaction. A start holds only if the job is still as the decision saw it
     * (QUEUED at that attempt, eligible from that time: a patch that moved its notBefore meanwhile wins, and the loop
     * reads the job again); an end through {@link JobRuns} likewise. The common cycle (starts and wait reasons only)
     * is two statements on the loop's own pool; one with ends goes through Hibernate, where {@link JobRuns} writes.
     */
    Outcome commit(CycleWrites writes, Instant now) {
        String startBatch = batch(writes.starts().stream().map(s -> Map.<String, Object>of("id", s.t().row.id(),
                "attempt", s.t().row.attempt(), "placement", s.placement(), "borrowed", s.borrowed(), "eligibleAt",
                s.t().row.eligibleAt().toString())).toList());
        String reasonBatch = batch(writes.reasons().stream().map(r -> Map.<String, Object>of("id", r.t().row.id(),
                "reason", r.reason())).toList());
        boolean starts = !writes.starts().isEmpty();
        boolean reasons = !writes.reasons().isEmpty();
        if (writes.ends().isEmpty()) {
            return fenced(now, c -> {
                Uni<List<UUID>> started = starts ? parts.statements.startAll(c, startBatch, now)
                        : Uni.createFrom().item(List.<UUID>of());
                Uni<Void> waiting = reasons ? parts.statements.waitReasons(c, reasonBatch)
                        : Uni.createFrom().voidItem();
                return Uni.combine().all().unis(started, waiting)
                        .with((ids, ignored) -> new Outcome(new HashSet<>(ids), List.of()));
            });
        }
        return parts.await(() -> parts.scoped.asPlatform(() -> leader(now)
                .chain(() -> {
                    Uni<List<JobRow>> all = Uni.createFrom().item(new ArrayList<>());
                    for (Write w : writes.ends()) {
                        all = all.chain(list -> end(w, now).map(r -> {
                            list.add(r);
                            return list;
                        }));
                    }
                    return all;
                })
                .chain(ended -> (starts ? parts.runs.startAll(startBatch, now) : Uni.createFrom().item(List.<UUID>of()))
                        .call(() -> reasons ? parts.jobs.waitReasons(reasonBatch) : Uni.createFrom().voidItem())
                        .map(started -> new Outcome(new HashSet<>(started), ended)))));
    }

    /**
     * HELD jobs (held by their tenant, or waiting for other jobs) of reservations that closed for good end as queued
     * ones do, FAILED with reason {@code RESERVATION_ENDED}, in one transaction; their dependents are settled as after
     * any end.
     */
    void endHeld(List<UUID> closedReservations, Instant now) {
        parts.await(() -> parts.scoped.asPlatform(() -> leader(now)
                .chain(() -> parts.jobs.lockHeld(clusterId, closedReservations))
                .chain(held -> {
                    Uni<Void> all = Uni.createFrom().voidItem();
                    for (JobRow j : held) {
                        all = all.chain(() -> parts.runs.endQueued(j, JobState.FAILED, Reasons.RESERVATION_ENDED,
                                now, false).replaceWithVoid());
                    }
                    return all;
                })));
    }

    /** One end, through JobRuns; null if the job had moved. */
    private Uni<JobRow> end(Write w, Instant now) {
        if (w instanceof EndRun e) {
            return parts.runs.endRun(e.t().row, e.end(), now);
        }
        EndQueued q = (EndQueued) w;
        return parts.runs.endQueued(q.t().row, q.to(), q.reason(), now, false);
    }

    /** The lease check in Hibernate's transaction (the one JobRuns writes in). */
    private Uni<Void> leader(Instant now) {
        return parts.feed.stillLeader(clusterId, epoch, now).invoke(this::orFail).replaceWithVoid();
    }

    /** The lease check on {@code c}. */
    private Uni<Void> leaseOn(SqlConnection c, Instant now) {
        return parts.statements.stillLeader(c, clusterId, epoch, now).invoke(this::orFail).replaceWithVoid();
    }

    private void orFail(boolean leader) {
        if (!leader) {
            throw new ClusterLoop.LostLeadership(clusterId);
        }
    }

    private String batch(List<Map<String, Object>> rows) {
        try {
            return parts.json.writeValueAsString(rows);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

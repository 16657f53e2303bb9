package city.myriad.metering.repository;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What a cluster's cards were and what they were given to, by bucket and model: the cards of its nodes in each state
 * (V71's history; a node's cards out of service, V72, counted down whatever its state), the runs on them (closed segments, and the runs going on to now) by class, and the reservations'
 * holds. Each interval adds at most four rows to a hashed sum, whatever its length: its part of its first bucket, its
 * part of its last, and its cards on from the first whole bucket and off from the last (a difference array, summed
 * over the bucket numbers at the end); so a query costs its intervals plus its buckets, never their product, and
 * sorts nothing big (design/cluster-occupancy.md). Card-milli-seconds to the microsecond, floored once per bucket.
 */
@ApplicationScoped
public class OccupancyRepository {

    /**
     * The report in one query, with named parameters (:cluster, :model, :from, :to, :end, :now, :step, :buckets):
     * public for
     * its benchmark ({@code metering.bench.OccupancyQueryLoad}), which runs this very text at scale.
     */
    public static final String SQL = """
                        with history as (
                            select gpu_model as model, cards, cards_out, state, at as since,
                                   least(coalesce(lead(at) over (partition by node order by at, id), :end), :end)
                                       as until
                              from node_state_history where cluster_id = :cluster
                        ),
                        spans as (
                            select h.model, part.kind, cast(sum(part.cards) as bigint) * 1000 as milli, h.since, h.until
                              from history h
                             cross join lateral (values (h.state, h.cards - h.cards_out),
                                                        ('DOWN', h.cards_out)) as part(kind, cards)
                             where h.state <> 'REMOVED' and h.since < h.until and h.until > :from and part.cards > 0
                             group by h.model, part.kind, h.since, h.until
                        ),
                        parts as (
                            select model, kind, milli, since, until from spans
                            union all
                            select model, 'RUN_' || price_class, cast(cards_milli as bigint), started_at, ended_at
                              from job_segments
                             where cluster_id = :cluster and ended_at > :from and started_at < :to
                            union all
                            select model, 'RUN_' || price_class, cast(cards_milli as bigint), started_at, :now
                              from jobs
                             where cluster_id = :cluster and state = 'RUNNING' and started_at < :to and :now > :from
                            union all
                            select model, 'HOLD', cast(cards as bigint) * 1000, start_at,
                                   least(end_at, coalesce(cancelled_at, end_at), :end)
                              from reservations
                             where cluster_id = :cluster and start_at < :end and end_at > :from
                        ),
                        clipped as (
                            select model collate "C" as model, kind collate "C" as kind, cast(milli as double precision)
                                       as milli,
                                   date_part('epoch', greatest(since, :from) - :from) as s,
                                   date_part('epoch', least(until, :end) - :from) as u
                              from parts
                             where until > since and until > :from and since < :end
                               and (cast(:model as text) is null or model = :model)
                        ),
                        indexed as materialized (
                            select model, kind, milli, s, u, cast(floor(s / :step) as bigint) as i0,
                                   cast(floor(u / :step) as bigint) as i1
                              from clipped
                        ),
                        parts4 as (
                            select model, kind, i0 as i, milli * (u - s) as direct, cast(0 as double precision) as delta
                              from indexed where i0 = i1
                            union all
                            select model, kind, i0, milli * ((i0 + 1) * :step - s), 0 from indexed where i0 < i1
                            union all
                            select model, kind, i1, milli * (u - i1 * :step), 0 from indexed where i0 < i1
                            union all
                            select model, kind, i0 + 1, 0, milli from indexed where i1 > i0 + 1
                            union all
                            select model, kind, i1, 0, -milli from indexed where i1 > i0 + 1
                        ),
                        sums as materialized (
                            select model, kind, i, sum(direct) as direct, sum(delta) as delta
                              from parts4 group by model, kind, i
                        ),
                        levels as (
                            select model, kind, i, direct, sum(delta) over w as level, lead(i) over w as next
                              from sums
                            window w as (partition by model, kind order by i)
                        ),
                        buckets as (
                            select model, kind, i, direct + :step * level as cms from levels
                            union all
                            select model, kind, g.i, :step * level
                              from levels
                             cross join lateral generate_series(i + 1, coalesce(next, cast(:buckets as bigint)) - 1)
                                   as g(i)
                             where level > 0
                        )
                        select cast(:from as timestamptz) + make_interval(secs => i * :step) as bucket, model, kind,
                               cast(floor(cms) as bigint)
                          from buckets
                         where cms >= 1 and i < :buckets
                         order by 1, 2, 3""";

    /** The card models the cluster has had, now or before (its nodes' history): what a report may name. */
    public Uni<List<String>> modelsEver(UUID clusterId) {
        return SessionSql.select("""
                        select distinct gpu_model from node_state_history
                         where cluster_id = :cluster and gpu_model is not null order by 1""")
                .setParameter("cluster", clusterId).column(String.class);
    }

    /** How many buckets of {@code step} from {@code from} reach {@code end} (the last one may be cut short). */
    public static long buckets(Instant from, Instant end, Duration step) {
        long seconds = Duration.between(from, end).toSeconds();
        return seconds <= 0 ? 0 : (seconds + step.toSeconds() - 1) / step.toSeconds();
    }

    /** Card-milli-seconds of one kind in one bucket and model. */
    public record Amount(Instant bucket, String model, Kind kind, long cardMilliSeconds) {}

    /** What the card-milli-seconds are. */
    public enum Kind {
        AVAILABLE, DRAINING, DOWN, RUN_ON_DEMAND, RUN_SPOT, RUN_RESERVED, HOLD
    }

    /**
     * Every amount over [from, to) cut at now (nothing is counted ahead of its time), in buckets of {@code step}
     * from {@code from}; of one model if {@code model}.
     */
    public Uni<List<Amount>> amounts(UUID clusterId, String model, Instant from, Instant to, Duration step,
            Instant now) {
        return SessionSql.select(SQL)
                .setParameter("cluster", clusterId).setParameter("model", model)
                .setParameter("from", SqlTimes.utc(from)).setParameter("to", SqlTimes.utc(to))
                .setParameter("end", SqlTimes.utc(to.isBefore(now) ? to : now))
                .setParameter("now", SqlTimes.utc(now)).setParameter("step", (double) step.toSeconds())
                .setParameter("buckets", buckets(from, to.isBefore(now) ? to : now, step))
                .getResultList()
                .map(rows -> rows.stream().map(r -> new Amount(SqlTimes.instant(r[0]), (String) r[1],
                        Kind.valueOf((String) r[2]), ((Number) r[3]).longValue())).toList());
    }
}

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
 * (V71's history), the runs on them (closed segments, and the runs going on to now) by class, and the reservations'
 * holds. Each interval is cut into the buckets it touches (aligned on {@code from}), so a row costs the buckets of its
 * own interval, not every bucket of the range.
 */
@ApplicationScoped
public class OccupancyRepository {

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
        return SessionSql.select("""
                        with history as (
                            select gpu_model as model, cards, state, at as since,
                                   lead(at) over (partition by node order by at, id) as next
                              from node_state_history where cluster_id = :cluster
                        ),
                        spans as (
                            select model, state as kind, cast(sum(cards) as bigint) * 1000 as milli, since,
                                   least(coalesce(next, :end), :end) as until
                              from history
                             where state <> 'REMOVED' and since < :end and coalesce(next, :end) > :from
                             group by model, state, since, least(coalesce(next, :end), :end)
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
                        )
                        select b.bucket, p.model, p.kind,
                               cast(sum(p.milli * floor(extract(epoch from
                                   least(p.until, b.bucket + make_interval(secs => cast(:step as double precision)), :end)
                                   - greatest(p.since, b.bucket, :from)))) as bigint)
                          from parts p
                         cross join lateral generate_series(
                               date_bin(make_interval(secs => cast(:step as double precision)), greatest(p.since, :from), :from),
                               least(p.until, :end) - interval '1 microsecond', make_interval(secs => cast(:step as double precision))) as b(bucket)
                         where p.until > p.since and (cast(:model as text) is null or p.model = :model)
                         group by b.bucket, p.model, p.kind
                         order by b.bucket, p.model, p.kind""")
                .setParameter("cluster", clusterId).setParameter("model", model)
                .setParameter("from", SqlTimes.utc(from)).setParameter("to", SqlTimes.utc(to))
                .setParameter("end", SqlTimes.utc(to.isBefore(now) ? to : now))
                .setParameter("now", SqlTimes.utc(now)).setParameter("step", (double) step.toSeconds())
                .getResultList()
                .map(rows -> rows.stream().map(r -> new Amount(SqlTimes.instant(r[0]), (String) r[1],
                        Kind.valueOf((String) r[2]), ((Number) r[3]).longValue())).toList());
    }
}

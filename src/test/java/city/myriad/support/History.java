package city.myriad.support;

import city.myriad.platform.money.Charges;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Usage that happened before the test: a job that ran (and SUCCEEDED) over a given past interval, written as the
 * scheduling loop writes an ended run (the job, its run segment, not yet metered), in a platform transaction. The
 * emulator runs jobs in the present only, so late usage, closed periods and spend near a budget start here.
 */
public final class History {

    private History() {}

    /** A run on the cluster's first node ({@code <slug>-n1}), cards 0..cards-1; returns the job id. */
    public static UUID ran(Pool pool, String tenantId, String projectId, String clusterId, String node, int cards,
            Instant start, Instant end, long unitPriceMinor) {
        return ran(pool, tenantId, projectId, clusterId, node, cards, start, end, unitPriceMinor, "ON_DEMAND", false);
    }

    /**
     * A run of that class; {@code credited}: it ended FAILED on a node that went down and was credited whole, as
     * the scheduling loop credits such runs.
     */
    public static UUID ran(Pool pool, String tenantId, String projectId, String clusterId, String node, int cards,
            Instant start, Instant end, long unitPriceMinor, String priceClass, boolean credited) {
        UUID id = UUID.randomUUID();
        int milli = cards * 1000;
        long charge = Charges.of(unitPriceMinor, milli, Duration.between(start, end));
        long credit = credited ? charge : 0;
        String state = credited ? "FAILED" : "SUCCEEDED";
        String reason = credited ? "NODE_DOWN" : "COMPLETED";
        StringBuilder indices = new StringBuilder();
        for (int i = 0; i < cards; i++) {
            indices.append(i == 0 ? "" : ",").append(i);
        }
        String placement = "{\"nodes\":[{\"node\":\"" + node + "\",\"cards\":[" + indices + "]}],\"shareMilli\":1000}";
        OffsetDateTime s = OffsetDateTime.ofInstant(start, ZoneOffset.UTC);
        OffsetDateTime e = OffsetDateTime.ofInstant(end, ZoneOffset.UTC);
        int maxRun = (int) Math.max(1, Duration.between(start, end).getSeconds());
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery("""
                        insert into jobs (id, tenant_id, project_id, cluster_id, model, cards_milli, price_class,
                                          max_run_seconds, same_block, currency, unit_price_minor, projected_minor,
                                          state, reason, attempt, placement, started_at, ended_at, charged_minor,
                                          credited_minor, submitted_by, created_at, updated_at, eligible_at)
                        values ($1, $2, $3, $4, 'ASCEND-910B', $5, $12, $6, false, 'CNY', $7, $8,
                                $14, $15, 1, $9, $10, $11, $8, $13, 'history', $10, $11, $10)""")
                        .execute(Tuple.tuple().addValue(id).addValue(UUID.fromString(tenantId))
                                .addValue(UUID.fromString(projectId)).addValue(UUID.fromString(clusterId))
                                .addValue(milli).addValue(maxRun).addValue(unitPriceMinor).addValue(charge)
                                .addValue(placement).addValue(s).addValue(e).addValue(priceClass).addValue(credit)
                                .addValue(state).addValue(reason)))
                .chain(() -> c.preparedQuery("""
                        insert into job_segments (job_id, attempt, tenant_id, project_id, cluster_id, model,
                                                  price_class, cards_milli, started_at, ended_at, outcome, currency,
                                                  unit_price_minor, charge_minor, credit_minor, placement)
                        values ($1, 1, $2, $3, $4, 'ASCEND-910B', $11, $5, $6, $7, $12, 'CNY', $8,
                                $9, $13, $10)""")
                        .execute(Tuple.tuple().addValue(id).addValue(UUID.fromString(tenantId))
                                .addValue(UUID.fromString(projectId)).addValue(UUID.fromString(clusterId))
                                .addValue(milli).addValue(s).addValue(e).addValue(unitPriceMinor).addValue(charge)
                                .addValue(placement).addValue(priceClass).addValue(state).addValue(credit))))
                .await().indefinitely();
        return id;
    }

    /**
     * A reservation bought at {@code boughtAt} for [start, end), at {@code totalMinor} CNY, as the market writes
     * one (its capacity hold aside: billing does not read it); {@code cancelledAt} and {@code feeMinor} if it was
     * cancelled.
     */
    public static UUID reserved(Pool pool, String tenantId, String projectId, String clusterId, int cards,
            Instant start, Instant end, long totalMinor, Instant boughtAt, Instant cancelledAt, Long feeMinor) {
        UUID id = UUID.randomUUID();
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery("""
                        insert into reservations (id, tenant_id, project_id, cluster_id, model, cards, start_at, end_at,
                                                  bought_end_at, same_block, status, price_book_version, currency,
                                                  unit_price_minor, total_minor, cancellation_fee_minor, cancelled_at,
                                                  created_at)
                        values ($1, $2, $3, $4, 'ASCEND-910B', $5, $6, $7, $7, false, $8, 1, 'CNY', 1000, $9, $10, $11,
                                $12)""")
                        .execute(Tuple.tuple().addValue(id).addValue(UUID.fromString(tenantId))
                                .addValue(UUID.fromString(projectId)).addValue(UUID.fromString(clusterId))
                                .addValue(cards).addValue(utc(start)).addValue(utc(end))
                                .addValue(cancelledAt == null ? "CONFIRMED" : "CANCELLED").addValue(totalMinor)
                                .addValue(feeMinor).addValue(utc(cancelledAt)).addValue(utc(boughtAt)))))
                .await().indefinitely();
        return id;
    }

    /**
     * A stretch of a reservation's shortfall, {@code cards} short from {@code from} until {@code to} (null: still
     * open), as the scheduling loop writes one.
     */
    public static void shortOf(Pool pool, UUID reservationId, String tenantId, String clusterId, int cards,
            Instant from, Instant to) {
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery("""
                        insert into reservation_shortfalls (reservation_id, tenant_id, cluster_id, cards, started_at,
                                                            ended_at)
                        values ($1, $2, $3, $4, $5, $6)""")
                        .execute(Tuple.tuple().addValue(reservationId).addValue(UUID.fromString(tenantId))
                                .addValue(UUID.fromString(clusterId)).addValue(cards).addValue(utc(from))
                                .addValue(utc(to)))))
                .await().indefinitely();
    }

    /**
     * An extension of a reservation, bought at {@code boughtAt}, from its end now to {@code to}, for {@code totalMinor}
     * (1000 a card-hour, CNY), as extendReservation writes one: the row, the reservation's new end and the sum of its
     * extensions, the calendar's hold.
     */
    public static UUID extended(Pool pool, UUID reservationId, Instant to, long totalMinor, Instant boughtAt) {
        UUID id = UUID.randomUUID();
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery("""
                        insert into reservation_extensions (id, reservation_id, tenant_id, from_at, to_at, cards,
                                                            price_book_version, currency, unit_price_minor, total_minor,
                                                            created_at)
                        select $1, r.id, r.tenant_id, r.end_at, $3, r.cards, 1, r.currency, 1000, $4, $5
                          from reservations r where r.id = $2""")
                        .execute(Tuple.tuple().addValue(id).addValue(reservationId).addValue(utc(to))
                                .addValue(totalMinor).addValue(utc(boughtAt))))
                .chain(() -> c.preparedQuery("""
                        update reservations set end_at = $2, extended_minor = extended_minor + $3 where id = $1""")
                        .execute(Tuple.of(reservationId, utc(to), totalMinor)))
                .chain(() -> c.preparedQuery("update capacity_holds set end_at = $2 where reservation_id = $1")
                        .execute(Tuple.of(reservationId, utc(to)))))
                .await().indefinitely();
        return id;
    }

    private static OffsetDateTime utc(Instant t) {
        return t == null ? null : OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }
}

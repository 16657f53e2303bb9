package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.jobs.mapping.JobsApi.CardLimitUse;
import city.myriad.jobs.repository.JobRepository.LiveSum;
import city.myriad.market.service.LiveReservations;
import city.myriad.quota.service.QuotaLimits;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What counts against each card limit, as the loop's admission counts it, from the tenant's live jobs summed. */
class QuotaUseTest {

    static final UUID CLUSTER = UUID.randomUUID();
    static final UUID OTHER_CLUSTER = UUID.randomUUID();
    static final UUID P1 = UUID.randomUUID();
    static final UUID P2 = UUID.randomUUID();
    static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    static LiveSum sum(UUID project, UUID cluster, String cls, String state, boolean borrowed, String reason,
            long milli, long jobs) {
        return new LiveSum(project, cluster, "H800", cls, state, borrowed, reason, milli, jobs);
    }

    static final List<LiveSum> SUMS = List.of(
            sum(P1, CLUSTER, "ON_DEMAND", "RUNNING", false, "SCHEDULED", 6000, 2),
            sum(P2, CLUSTER, "SPOT", "RUNNING", false, "SCHEDULED", 500, 1),        // a slice, within the limit
            sum(P2, CLUSTER, "SPOT", "RUNNING", true, "SCHEDULED", 2000, 1),        // borrowed beyond it
            sum(P1, CLUSTER, "ON_DEMAND", "QUEUED", false, "QUOTA", 4000, 1),
            sum(P1, CLUSTER, "RESERVED", "QUEUED", false, "RESERVATION_FULL", 8000, 1),
            sum(P2, CLUSTER, "SPOT", "QUEUED", false, "CAPACITY", 1000, 1),
            sum(P1, OTHER_CLUSTER, "ON_DEMAND", "RUNNING", false, "SCHEDULED", 8000, 1));

    @Test
    void a_classless_limit_counts_every_class_binds_all_but_spot_and_shows_what_spot_borrowed() {
        List<CardLimitUse> use = QuotaUse.use(List.of(new QuotaLimits.Limit(CLUSTER, "H800", null, 8)), SUMS, null, List.of(),
                NOW);
        assertEquals(List.of(new CardLimitUse(CLUSTER, "H800", null, 8, new BigDecimal("6.5"), new BigDecimal("1.5"),
                new BigDecimal("12"), 1, new BigDecimal("2"), 0, 0)), use);
    }

    static LiveReservations.Held held(UUID project, UUID cluster, int cards, int fromHour, int toHour) {
        return new LiveReservations.Held(project, cluster, "H800", cards, NOW.plusSeconds(3600L * fromHour),
                NOW.plusSeconds(3600L * toHour));
    }

    @Test
    void a_limit_on_reserved_work_shows_the_cards_reserved_now_and_at_most_from_now_on() {
        // Held now: 4 (P1) and 2 (P2); later, 6 more of P1 from hour 2 to 4 over the 4 still held: 10 at once (12 in
        // all with P2's 2 until hour 3); another cluster's and an ended window's do not count.
        List<LiveReservations.Held> held = List.of(held(P1, CLUSTER, 4, -1, 4), held(P2, CLUSTER, 2, 0, 3),
                held(P1, CLUSTER, 6, 2, 5), held(P1, OTHER_CLUSTER, 8, -1, 4), held(P1, CLUSTER, 8, -3, 0));
        CardLimitUse tenant = QuotaUse.use(List.of(new QuotaLimits.Limit(CLUSTER, "H800", "RESERVED", 16)), List.of(),
                null, held, NOW).get(0);
        assertEquals(6, tenant.reserved());
        assertEquals(12, tenant.reservedPeak());
        CardLimitUse project = QuotaUse.use(List.of(new QuotaLimits.Limit(CLUSTER, "H800", null, 16)), List.of(), P1,
                held, NOW).get(0);
        assertEquals(4, project.reserved(), "a class-less limit bounds reservations too; the project's own");
        assertEquals(10, project.reservedPeak());
        CardLimitUse onDemand = QuotaUse.use(List.of(new QuotaLimits.Limit(CLUSTER, "H800", "ON_DEMAND", 16)),
                List.of(), null, held, NOW).get(0);
        assertEquals(0, onDemand.reserved());
        assertEquals(0, onDemand.reservedPeak());
    }

    @Test
    void a_limit_of_one_class_counts_that_class_and_a_projects_its_own_jobs() {
        List<CardLimitUse> spot = QuotaUse.use(List.of(new QuotaLimits.Limit(CLUSTER, "H800", "SPOT", 1)), SUMS, P2,
                List.of(), NOW);
        assertEquals(List.of(new CardLimitUse(CLUSTER, "H800", "SPOT", 1, new BigDecimal("0.5"),
                new BigDecimal("0.5"), new BigDecimal("1"), 0, BigDecimal.ZERO, 0, 0)), spot);
        List<CardLimitUse> onDemand = QuotaUse.use(List.of(new QuotaLimits.Limit(CLUSTER, "H800", "ON_DEMAND", 4)),
                SUMS, P1, List.of(), NOW);
        assertEquals(List.of(new CardLimitUse(CLUSTER, "H800", "ON_DEMAND", 4, new BigDecimal("6"),
                BigDecimal.ZERO, new BigDecimal("4"), 1, BigDecimal.ZERO, 0, 0)), onDemand, "lowered below what runs: 0 free");
    }
}

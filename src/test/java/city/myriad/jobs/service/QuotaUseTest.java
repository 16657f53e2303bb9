package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import city.myriad.jobs.mapping.JobsApi.CardLimitUse;
import city.myriad.jobs.repository.JobRepository.LiveSum;
import city.myriad.quota.service.QuotaLimits;
import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What counts against each card limit, as the loop's admission counts it, from the tenant's live jobs summed. */
class QuotaUseTest {

    static final UUID CLUSTER = UUID.randomUUID();
    static final UUID OTHER_CLUSTER = UUID.randomUUID();
    static final UUID P1 = UUID.randomUUID();
    static final UUID P2 = UUID.randomUUID();

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
        List<CardLimitUse> use = QuotaUse.use(List.of(new QuotaLimits.Limit(CLUSTER, "H800", null, 8)), SUMS, null);
        assertEquals(List.of(new CardLimitUse(CLUSTER, "H800", null, 8, new BigDecimal("6.5"), new BigDecimal("1.5"),
                new BigDecimal("12"), 1, new BigDecimal("2"))), use);
    }

    @Test
    void a_limit_of_one_class_counts_that_class_and_a_projects_its_own_jobs() {
        List<CardLimitUse> spot = QuotaUse.use(List.of(new QuotaLimits.Limit(CLUSTER, "H800", "SPOT", 1)), SUMS, P2);
        assertEquals(List.of(new CardLimitUse(CLUSTER, "H800", "SPOT", 1, new BigDecimal("0.5"),
                new BigDecimal("0.5"), new BigDecimal("1"), 0, BigDecimal.ZERO)), spot);
        List<CardLimitUse> onDemand = QuotaUse.use(List.of(new QuotaLimits.Limit(CLUSTER, "H800", "ON_DEMAND", 4)),
                SUMS, P1);
        assertEquals(List.of(new CardLimitUse(CLUSTER, "H800", "ON_DEMAND", 4, new BigDecimal("6"),
                BigDecimal.ZERO, new BigDecimal("4"), 1, BigDecimal.ZERO)), onDemand, "lowered below what runs: 0 free");
    }
}

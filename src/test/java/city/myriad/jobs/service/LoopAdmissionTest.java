package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.Reasons;
import city.myriad.market.service.JobPricing.ReservationRef;
import city.myriad.quota.service.QuotaLimits;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LoopAdmissionTest {

    static final UUID CLUSTER = UUID.fromString("01930000-0000-7000-8000-00000000c001");
    static final UUID TENANT = UUID.fromString("01930000-0000-7000-8000-00000000e001");
    static final UUID PROJECT = UUID.fromString("01930000-0000-7000-8000-00000000e101");
    static final UUID OTHER_PROJECT = UUID.fromString("01930000-0000-7000-8000-00000000e102");
    static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    /** Tenant-wide: 8 ASCEND cards of any class (SPOT may borrow beyond); the project: 2 ON_DEMAND cards. */
    static QuotaLimits.Effective limits(UUID tenant, UUID project) {
        var tenantScope = new QuotaLimits.Scope(List.of(new QuotaLimits.Limit(CLUSTER, "ASCEND-910B", null, 8)), null,
                null, List.of(50, 80, 100), false, null, null, 0);
        var projectScope = new QuotaLimits.Scope(project.equals(PROJECT)
                ? List.of(new QuotaLimits.Limit(CLUSTER, "ASCEND-910B", "ON_DEMAND", 2)) : List.of(), null, null,
                List.of(50, 80, 100), false, null, null, 0);
        return new QuotaLimits.Effective(tenant, project, tenantScope, projectScope);
    }

    static JobRow job(UUID project, JobClass jobClass, int cards, UUID reservation) {
        return new JobRow(UUID.randomUUID(), TENANT, project, CLUSTER, "ASCEND-910B", cards * 1000, jobClass,
                reservation, 600, false, null, "CNY", 1200, null, 20, JobState.QUEUED, Reasons.CAPACITY, 0, null, null,
                null, 0, 0, false, "test", NOW, NOW, 0, 0, null, null, NOW, 0, null, null, 0, false);
    }

    /** An admission whose limits are {@link #limits}, each read's project added to {@code reads}. */
    static LoopAdmission recordingReads(List<UUID> reads) {
        return new LoopAdmission(CLUSTER, (t, p) -> {
            reads.add(p);
            return limits(t, p);
        });
    }

    @Test
    void a_job_starts_only_within_every_card_limit_that_binds_its_model_and_class() {
        List<UUID> reads = new ArrayList<>();
        LoopAdmission admission = recordingReads(reads);
        JobRow first = job(PROJECT, JobClass.ON_DEMAND, 2, null);
        JobRow second = job(PROJECT, JobClass.ON_DEMAND, 1, null);
        JobRow elsewhere = job(OTHER_PROJECT, JobClass.ON_DEMAND, 6, null);
        admission.loadLimits(List.of(first, second, elsewhere), NOW);
        assertEquals(2, reads.size(), "limits are read once per tenant and project");

        assertTrue(admission.admit(first).admitted());
        admission.count(first, +1, false);
        assertEquals(Reasons.QUOTA, admission.admit(second).refusal(), "the project's 2 ON_DEMAND cards are taken");
        assertTrue(admission.admit(elsewhere).admitted(), "2 + 6 cards: within the tenant's 8");
        admission.count(elsewhere, +1, false);
        JobRow ninth = job(OTHER_PROJECT, JobClass.ON_DEMAND, 1, null);
        assertEquals(Reasons.QUOTA, admission.admit(ninth).refusal(), "the tenant's 8 cards are taken");

        admission.count(first, -1, false);
        assertTrue(admission.admit(second).admitted(), "an ended run gives its cards back");
        assertEquals(6000, admission.used(TENANT, "ASCEND-910B", null));
    }

    @Test
    void spot_beyond_a_class_less_limit_runs_borrowed_and_counts_against_no_quota() {
        LoopAdmission admission = new LoopAdmission(CLUSTER, LoopAdmissionTest::limits);
        JobRow onDemand = job(OTHER_PROJECT, JobClass.ON_DEMAND, 8, null);
        JobRow spot = job(OTHER_PROJECT, JobClass.SPOT, 4, null);
        admission.loadLimits(List.of(onDemand, spot), NOW);
        admission.count(onDemand, +1, false);

        LoopAdmission.Verdict v = admission.admit(spot);
        assertTrue(v.admitted());
        assertTrue(v.borrowed(), "beyond the tenant's 8 cards: borrowed");
        admission.count(spot, +1, true);
        assertEquals(8000, admission.used(TENANT, "ASCEND-910B", null), "a borrowed run counts against nobody");

        admission.count(onDemand, -1, false);
        assertFalse(admission.admit(spot).borrowed(), "within the limit again: not borrowed");
    }

    @Test
    void a_job_of_an_array_starts_only_while_fewer_of_its_array_run_than_the_array_allows() {
        UUID throttled = UUID.randomUUID();
        UUID free = UUID.randomUUID();
        List<UUID> reads = new ArrayList<>();
        LoopAdmission admission = new LoopAdmission(CLUSTER, LoopAdmissionTest::limits, array -> {
            reads.add(array);
            return array.equals(throttled) ? 2 : 0;
        });
        List<JobRow> a = List.of(inArray(throttled, 0), inArray(throttled, 1), inArray(throttled, 2));
        List<JobRow> b = List.of(inArray(free, 0), inArray(free, 1), inArray(free, 2));
        List<JobRow> all = new ArrayList<>(a);
        all.addAll(b);
        admission.loadLimits(all, NOW);
        admission.loadLimits(all, NOW.plusSeconds(1));
        assertEquals(List.of(throttled, free), reads, "each array's limit is read once within its time to live");

        for (JobRow row : all.subList(0, 2)) {
            assertTrue(admission.admit(row).admitted());
            admission.count(row, +1, false);
        }
        assertEquals(Reasons.ARRAY_LIMIT, admission.admit(a.get(2)).refusal(), "two of at most two run");
        for (JobRow row : b) {
            assertTrue(admission.admit(row).admitted(), "an array without a limit of its own");
            admission.count(row, +1, false);
        }
        admission.count(a.get(0), -1, false);
        assertTrue(admission.admit(a.get(2)).admitted(), "one ended: room for one more");
        admission.clearRunning();
        assertTrue(admission.admit(a.get(2)).admitted(), "a rebuild counts the runs again from nothing");
        admission.loadLimits(all, NOW.plus(LoopAdmission.ARRAY_LIMIT_TTL).plusSeconds(2));
        assertEquals(List.of(throttled, free, throttled, free), reads, "read again after it: updateJobArray");
    }

    /** A one-card ON_DEMAND job of {@code array} at {@code index}, of the project whose quota leaves room. */
    private static JobRow inArray(UUID array, int index) {
        JobRow j = job(OTHER_PROJECT, JobClass.ON_DEMAND, 1, null);
        return new JobRow(j.id(), j.tenantId(), j.projectId(), j.clusterId(), j.model(), j.cardsMilli(), j.jobClass(),
                j.reservationId(), j.maxRunSeconds(), j.sameBlock(), j.quoteId(), j.currency(), j.unitPriceMinor(),
                j.priceBookVersion(), j.projectedMinor(), j.state(), j.reason(), j.attempt(), j.placement(),
                j.startedAt(), j.endedAt(), j.chargedMinor(), j.creditedMinor(), j.borrowed(), j.submittedBy(),
                j.createdAt(), j.updatedAt(), j.cpuMilli(), j.memoryMib(), j.name(), j.tags(), j.eligibleAt(),
                j.priority(), array, index, 0, false);
    }

    @Test
    void a_reserved_job_starts_only_in_its_reservations_window_and_within_its_cards() {
        LoopAdmission admission = new LoopAdmission(CLUSTER, LoopAdmissionTest::limits);
        UUID reservation = UUID.randomUUID();
        JobRow a = job(PROJECT, JobClass.RESERVED, 3, reservation);
        JobRow b = job(PROJECT, JobClass.RESERVED, 2, reservation);
        admission.loadLimits(List.of(a, b), NOW);
        assertEquals(Reasons.RESERVATION_NOT_STARTED, admission.admit(a).refusal());

        admission.openReservations(Map.of(reservation, new ReservationRef(reservation, TENANT, PROJECT, CLUSTER,
                "ASCEND-910B", 4, NOW, NOW.plusSeconds(3600), "ACTIVE", "CNY", null)));
        assertTrue(admission.admit(a).admitted());
        admission.count(a, +1, false);
        assertEquals(Reasons.RESERVATION_FULL, admission.admit(b).refusal(), "3 + 2 cards of a 4-card reservation");

        admission.openReservations(Map.of());
        assertEquals(Reasons.RESERVATION_NOT_STARTED, admission.admit(b).refusal(), "the window closed");
    }

    @Test
    void limits_are_read_again_once_they_are_older_than_the_ttl() {
        List<UUID> reads = new ArrayList<>();
        LoopAdmission admission = recordingReads(reads);
        List<JobRow> waiting = List.of(job(PROJECT, JobClass.ON_DEMAND, 1, null));
        admission.loadLimits(waiting, NOW);
        admission.loadLimits(waiting, NOW.plus(LoopAdmission.QUOTA_TTL));
        assertEquals(1, reads.size());
        admission.loadLimits(waiting, NOW.plus(LoopAdmission.QUOTA_TTL).plusMillis(1));
        assertEquals(2, reads.size());
    }
}

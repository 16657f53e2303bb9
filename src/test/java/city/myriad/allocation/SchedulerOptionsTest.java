package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Each wither of {@link SchedulerOptions} changes its own components and keeps every other one. */
class SchedulerOptionsTest {

    private final SchedulerOptions base = SchedulerOptions.myriad();

    @Test
    void each_wither_changes_only_what_it_names() {
        assertEquals(new SchedulerOptions(base.fairShare(), base.backfill(), base.preemption(),
                base.fairShareHalfLifeS(), 7, 7, base.agingS(), base.order(), base.areaHalfLifeS(), base.heads(),
                base.agingCapS(), base.wholeNodeReservationS()), base.withScanLimit(7));
        assertEquals(new SchedulerOptions(base.fairShare(), base.backfill(), base.preemption(),
                base.fairShareHalfLifeS(), 7, 3, base.agingS(), base.order(), base.areaHalfLifeS(), base.heads(),
                base.agingCapS(), base.wholeNodeReservationS()), base.withScanLimits(7, 3));
        assertEquals(new SchedulerOptions(base.fairShare(), base.backfill(), base.preemption(),
                base.fairShareHalfLifeS(), base.scanLimit(), base.busyScanLimit(), 60, SchedulerOptions.Order.SUBMISSION,
                120, 4, 30, 90), base.withAging(60).withOrder(SchedulerOptions.Order.SUBMISSION).withAreaHalfLife(120)
                        .withHeads(4).withAgingCap(30).withWholeNodeReservation(90));
    }

    @Test
    void a_wither_is_validated_like_the_constructor() {
        assertThrows(IllegalArgumentException.class, () -> base.withHeads(0));
        assertThrows(IllegalArgumentException.class, () -> base.withScanLimits(5, 0));
        assertThrows(IllegalArgumentException.class, () -> base.withWholeNodeReservation(-1));
    }
}

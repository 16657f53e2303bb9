package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Each wither of {@link Scheduler.Options} changes its own components and keeps every other one. */
class SchedulerOptionsTest {

    private final Scheduler.Options base = Scheduler.Options.myriad();

    @Test
    void each_wither_changes_only_what_it_names() {
        assertEquals(new Scheduler.Options(base.fairShare(), base.backfill(), base.preemption(),
                base.fairShareHalfLifeS(), 7, 7, base.agingS(), base.order(), base.areaHalfLifeS(), base.heads(),
                base.agingCapS(), base.wholeNodeReservationS()), base.withScanLimit(7));
        assertEquals(new Scheduler.Options(base.fairShare(), base.backfill(), base.preemption(),
                base.fairShareHalfLifeS(), 7, 3, base.agingS(), base.order(), base.areaHalfLifeS(), base.heads(),
                base.agingCapS(), base.wholeNodeReservationS()), base.withScanLimits(7, 3));
        assertEquals(new Scheduler.Options(base.fairShare(), base.backfill(), base.preemption(),
                base.fairShareHalfLifeS(), base.scanLimit(), base.busyScanLimit(), 60, Scheduler.Order.SUBMISSION,
                120, 4, 30, 90), base.withAging(60).withOrder(Scheduler.Order.SUBMISSION).withAreaHalfLife(120)
                        .withHeads(4).withAgingCap(30).withWholeNodeReservation(90));
    }

    @Test
    void a_wither_is_validated_like_the_constructor() {
        assertThrows(IllegalArgumentException.class, () -> base.withHeads(0));
        assertThrows(IllegalArgumentException.class, () -> base.withScanLimits(5, 0));
        assertThrows(IllegalArgumentException.class, () -> base.withWholeNodeReservation(-1));
    }
}

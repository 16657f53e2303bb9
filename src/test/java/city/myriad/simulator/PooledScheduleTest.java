package city.myriad.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.allocation.Job;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The pooled reference: the smallest area that fits the free cards starts, passing over wider jobs. */
class PooledScheduleTest {

    @Test
    void the_smallest_area_that_fits_starts_and_a_wide_job_waits_for_the_whole_pool() {
        List<Job> jobs = List.of(
                Job.of(0).runsFor(10).cards(3).build(),                      // the pool, 0 to 10
                Job.of(1).submittedAt(1).runsFor(50).cards(3).build(),       // area 150: waits for all 3 cards
                Job.of(2).submittedAt(1).runsFor(100).cards(1).build(),      // area 100
                Job.of(3).submittedAt(1).runsFor(5).cards(2).build(),        // area 10: first at 10
                Job.of(4).submittedAt(2).runsFor(7).cards(4).build(),        // wider than the pool: never starts
                Job.of(5).submittedAt(3).cards(1).build());                   // no declared end: left out
        PooledSchedule.Result r = PooledSchedule.run(jobs, 3_000);

        double[] waits = r.waits().clone();
        Arrays.sort(waits);
        // At 10 the area-10 job starts and the area-100 one beside it (1 card left); the area-150 job passes until the
        // area-100 one ends at 110 although 2 cards are free from 15.
        assertArrayEquals(new double[] {0, 9, 9, 109}, waits, 1e-9);
        assertEquals(1, r.unstarted());
    }

    @Test
    void slices_share_the_pool_by_milli_cards_and_a_job_of_no_card_never_waits() {
        List<Job> jobs = List.of(
                Job.of(0).runsFor(10).milliPerCard(600).build(),
                Job.of(1).submittedAt(1).runsFor(10).milliPerCard(500).build(),   // 1,100 > 1,000: waits to 10
                Job.of(2).submittedAt(1).runsFor(10).milliPerCard(400).build(),   // fits beside the 600
                Job.of(3).submittedAt(2).runsFor(10).cards(0).build());           // no card: starts at once
        double[] waits = PooledSchedule.run(jobs, 1_000).waits().clone();
        Arrays.sort(waits);
        assertArrayEquals(new double[] {0, 0, 0, 9}, waits, 1e-9);
    }

    @Test
    void it_starts_what_a_walk_over_the_whole_queue_by_area_starts() {
        SplittableRandom random = new SplittableRandom(5);
        for (int round = 0; round < 20; round++) {
            List<Job> jobs = new ArrayList<>();
            double clock = 0;
            for (int i = 0; i < 400; i++) {
                clock += random.nextInt(30);  // ties in submission are frequent
                int cards = new int[] {1, 1, 1, 2, 4, 8, 16}[random.nextInt(7)];
                jobs.add(Job.of(i).submittedAt(clock).runsFor(1 + random.nextInt(6) * 50).cards(cards).build());
            }
            double[] fast = PooledSchedule.run(jobs, 16_000).waits().clone();
            double[] walk = walkOverTheQueue(jobs, 16);
            Arrays.sort(fast);
            Arrays.sort(walk);
            assertArrayEquals(walk, fast, 1e-9, "round " + round);
            assertTrue(walk[walk.length - 1] > 0, "the pool was never full: nothing compared");
        }
    }

    /** The rule written plainly: at every arrival or end, walk the queue by (area, submission) and start what fits. */
    private static double[] walkOverTheQueue(List<Job> jobs, int cards) {
        List<Job> pending = new ArrayList<>();
        List<double[]> running = new ArrayList<>();  // {end, cards}
        List<Double> waits = new ArrayList<>();
        int free = cards;
        int next = 0;
        Comparator<Job> byArea = Comparator.comparingDouble((Job j) -> j.gpus() * j.durationS())
                .thenComparingDouble(Job::submitS).thenComparingInt(Job::id);
        while (next < jobs.size() || !running.isEmpty()) {
            double now = Double.MAX_VALUE;
            if (next < jobs.size()) {
                now = jobs.get(next).submitS();
            }
            for (double[] r : running) {
                now = Math.min(now, r[0]);
            }
            final double t = now;
            for (double[] r : running) {
                if (r[0] <= t) {
                    free += (int) r[1];
                }
            }
            running.removeIf(r -> r[0] <= t);
            while (next < jobs.size() && jobs.get(next).submitS() <= now) {
                pending.add(jobs.get(next++));
            }
            pending.sort(byArea);
            for (var it = pending.iterator(); it.hasNext(); ) {
                Job j = it.next();
                if (j.gpus() <= free) {
                    free -= j.gpus();
                    running.add(new double[] {now + j.durationS(), j.gpus()});
                    waits.add(now - j.submitS());
                    it.remove();
                }
            }
        }
        return waits.stream().mapToDouble(Double::doubleValue).toArray();
    }
}

package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Shapes known not to fit: a job asking at least the CPU and memory (and, with nodes kept for reservations to come,
 * the run time) of one that did not fit does not fit either.
 */
class NotFittingTest {

    private static Job job(int id, long cpu, long memory) {
        return Job.of(id).cards(2).cpu(cpu).memory(memory).build();
    }

    @Test
    void a_job_of_a_shape_that_did_not_fit_is_known_not_to_fit_if_it_asks_as_much_or_more() {
        NotFitting memo = new NotFitting();
        Job failed = job(1, 8_000, 64_000);
        NotFitting.Shape shape = new NotFitting.Shape(failed, HeldNodes.NONE);
        assertFalse(memo.known(shape, failed, false));

        memo.remember(shape, failed, false);
        assertTrue(memo.known(new NotFitting.Shape(job(2, 8_000, 64_000), HeldNodes.NONE), job(2, 8_000, 64_000),
                false));
        assertTrue(memo.known(shape, job(3, 16_000, 64_000), false));
        // Less CPU or less memory may fit where it did not.
        assertFalse(memo.known(shape, job(4, 4_000, 64_000), false));
        assertFalse(memo.known(shape, job(5, 8_000, 32_000), false));
    }

    @Test
    void a_job_short_of_cpu_and_one_short_of_memory_say_nothing_of_a_job_asking_the_lesser_of_both() {
        // A node with 12 cores and 12 GiB free takes neither (8 cores, 16 GiB) nor (16 cores, 8 GiB), but takes
        // (8 cores, 8 GiB): the memo must not combine the least of each resource into a point nobody tried.
        NotFitting memo = new NotFitting();
        NotFitting.Shape shape = new NotFitting.Shape(job(1, 0, 0), HeldNodes.NONE);
        memo.remember(shape, job(1, 8_000, 16_000), false);
        memo.remember(shape, job(2, 16_000, 8_000), false);
        assertFalse(memo.known(shape, job(3, 8_000, 8_000), false));
        assertTrue(memo.known(shape, job(4, 8_000, 16_000), false));
        assertTrue(memo.known(shape, job(5, 16_000, 9_000), false));
        assertFalse(memo.known(shape, job(6, 12_000, 12_000), false));
    }

    @Test
    void a_point_asking_less_replaces_those_asking_more_and_the_oldest_makes_room() {
        NotFitting memo = new NotFitting();
        NotFitting.Shape shape = new NotFitting.Shape(job(1, 0, 0), HeldNodes.NONE);
        for (int i = 0; i < NotFitting.POINTS + 2; i++) {
            // An anti-chain: each asks more CPU and less memory than the one before.
            memo.remember(shape, job(i, 1_000 * (i + 1), 100_000 - 1_000 * i), false);
        }
        assertFalse(memo.known(shape, job(20, 1_000, 100_000), false), "the oldest point made room");
        assertTrue(memo.known(shape, job(21, 3_000, 98_000), false), "the third is still kept");
        memo.remember(shape, job(22, 500, 500), false);
        assertTrue(memo.known(shape, job(23, 500, 500), false));
        assertFalse(memo.known(shape, job(24, 400, 100_000), false));
    }

    @Test
    void with_nodes_kept_for_a_reservation_to_come_a_shorter_job_may_fit_where_a_longer_did_not() {
        NotFitting memo = new NotFitting();
        Job longer = Job.of(1).cards(2).runsFor(7_200).build();
        NotFitting.Shape shape = new NotFitting.Shape(longer, HeldNodes.NONE);
        memo.remember(shape, longer, true);
        assertFalse(memo.known(shape, Job.of(2).cards(2).runsFor(3_600).build(), true));
        assertTrue(memo.known(shape, Job.of(3).cards(2).runsFor(7_200).build(), true));
        assertTrue(memo.known(shape, Job.of(4).cards(2).build(), true), "a job that never ends asks more");
    }

    @Test
    void cards_models_tenant_class_and_the_nodes_kept_from_the_job_each_make_another_shape() {
        NotFitting memo = new NotFitting();
        Job failed = Job.of(1).cards(1).build();
        memo.remember(new NotFitting.Shape(failed, HeldNodes.NONE), failed, false);

        Job[] others = {
            Job.of(2).cards(2).build(),
            Job.of(3).cards(1).milliPerCard(500).build(),
            Job.of(4).cards(1).models(1).build(),
            Job.of(5).cards(1).tenant(7).build(),
            Job.of(6).cards(1).preemptible(true).build(),
            Job.of(7).cards(1).oneBlock(true).build(),
        };
        for (Job other : others) {
            assertFalse(memo.known(new NotFitting.Shape(other, HeldNodes.NONE), other, false), other.toString());
        }
        assertFalse(memo.known(new NotFitting.Shape(failed, HeldNodes.of(3)), failed, false));
        assertTrue(memo.known(new NotFitting.Shape(failed, HeldNodes.NONE), failed, false));
    }

    @Test
    void after_capacity_is_released_nothing_is_known() {
        NotFitting memo = new NotFitting();
        Job failed = job(1, 0, 0);
        NotFitting.Shape shape = new NotFitting.Shape(failed, HeldNodes.NONE);
        memo.remember(shape, failed, false);
        memo.clear();
        assertFalse(memo.known(shape, failed, false));
    }
}

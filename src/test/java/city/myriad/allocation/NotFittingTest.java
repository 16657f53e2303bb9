package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Shapes known not to fit: a job asking at least the CPU and memory of one that did not fit does not fit either. */
class NotFittingTest {

    private static Job job(int id, long cpu, long memory) {
        return Job.of(id).cards(2).cpu(cpu).memory(memory).build();
    }

    @Test
    void a_job_of_a_shape_that_did_not_fit_is_known_not_to_fit_if_it_asks_as_much_or_more() {
        NotFitting memo = new NotFitting();
        Job failed = job(1, 8_000, 64_000);
        NotFitting.Shape shape = new NotFitting.Shape(failed, HeldNodes.NONE);
        assertFalse(memo.known(shape, failed));

        memo.remember(shape, failed);
        assertTrue(memo.known(new NotFitting.Shape(job(2, 8_000, 64_000), HeldNodes.NONE), job(2, 8_000, 64_000)));
        assertTrue(memo.known(shape, job(3, 16_000, 64_000)));
        // Less CPU or less memory may fit where it did not.
        assertFalse(memo.known(shape, job(4, 4_000, 64_000)));
        assertFalse(memo.known(shape, job(5, 8_000, 32_000)));
    }

    @Test
    void the_least_cpu_and_memory_tried_are_kept_per_resource() {
        NotFitting memo = new NotFitting();
        NotFitting.Shape shape = new NotFitting.Shape(job(1, 0, 0), HeldNodes.NONE);
        memo.remember(shape, job(1, 8_000, 16_000));
        memo.remember(shape, job(2, 16_000, 8_000));
        assertTrue(memo.known(shape, job(3, 8_000, 8_000)));
        assertFalse(memo.known(shape, job(4, 4_000, 8_000)));
    }

    @Test
    void cards_models_tenant_class_and_the_nodes_kept_from_the_job_each_make_another_shape() {
        NotFitting memo = new NotFitting();
        Job failed = Job.of(1).cards(1).build();
        memo.remember(new NotFitting.Shape(failed, HeldNodes.NONE), failed);

        Job[] others = {
            Job.of(2).cards(2).build(),
            Job.of(3).cards(1).milliPerCard(500).build(),
            Job.of(4).cards(1).models(1).build(),
            Job.of(5).cards(1).tenant(7).build(),
            Job.of(6).cards(1).preemptible(true).build(),
            Job.of(7).cards(1).oneBlock(true).build(),
        };
        for (Job other : others) {
            assertFalse(memo.known(new NotFitting.Shape(other, HeldNodes.NONE), other), other.toString());
        }
        assertFalse(memo.known(new NotFitting.Shape(failed, HeldNodes.of(3)), failed));
        assertTrue(memo.known(new NotFitting.Shape(failed, HeldNodes.NONE), failed));
    }

    @Test
    void after_capacity_is_released_nothing_is_known() {
        NotFitting memo = new NotFitting();
        Job failed = job(1, 0, 0);
        NotFitting.Shape shape = new NotFitting.Shape(failed, HeldNodes.NONE);
        memo.remember(shape, failed);
        memo.clear();
        assertFalse(memo.known(shape, failed));
    }
}

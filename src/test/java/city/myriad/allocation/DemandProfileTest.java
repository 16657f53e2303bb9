package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DemandProfileTest {

    private static void observeLightAndHeavy(DemandProfile p) {
        for (int i = 0; i < 300; i++) {
            // one card each: half ask 4 cores, half 32
            p.observe(Job.of(i).cpu(i % 2 == 0 ? 4_000 : 32_000).memory(1000).build());
        }
    }

    @Test
    void by_cards_alone_a_mean_hides_the_cpu_heavy_tasks() {
        DemandProfile p = new DemandProfile();
        observeLightAndHeavy(p);
        assertEquals(1, p.cpu.length);
        assertEquals(18_000, p.cpu[0], 100, "about the mean of 4 and 32 cores");
    }

    @Test
    void with_cpu_classes_light_and_heavy_tasks_are_shapes_of_their_own() {
        DemandProfile p = new DemandProfile(true);
        observeLightAndHeavy(p);
        long[] cpu = p.cpu.clone();
        Arrays.sort(cpu);
        assertEquals(2, cpu.length);
        assertEquals(4_000, cpu[0]);
        assertEquals(32_000, cpu[1]);
        assertEquals(0.5, p.weight[0], 0.01);
    }
    /**
     * The profile after one task of {@code first} cores and 256 more taking {@code others} in turn: the profile is
     * rebuilt on the first task and every 256 after, so it is made of these 257.
     */
    private static DemandProfile observed(long first, long... others) {
        DemandProfile p = new DemandProfile(true);
        p.observe(Job.of(0).cpu(first).memory(1000).build());
        for (int i = 0; i < DemandProfile.REBUILD_EVERY; i++) {
            p.observe(Job.of(i + 1).cpu(others[i % others.length]).memory(1000).build());
        }
        return p;
    }

    @Test
    void a_shape_whose_tasks_vary_is_carried_at_a_tenth_under_its_mean_cpu() {
        DemandProfile p = observed(10_000, 9_000, 11_000);  // one class: 9 and 11 cores a card, 10 on average
        assertEquals(1, p.cpu.length);
        assertEquals(10_000, p.cpu[0]);
        assertEquals(9_000, p.cpuCarried[0], "its lighter tasks fit where the mean does not");
    }

    @Test
    void a_shape_whose_tasks_all_ask_the_same_cpu_is_carried_at_that_cpu() {
        assertEquals(10_000, observed(10_000, 10_000).cpuCarried[0], "no lighter tasks to count on");
        // Hardly varying (5 millicores either side): at most ten standard deviations under the mean.
        assertEquals(10_000 - 50, observed(10_000, 9_995, 10_005).cpuCarried[0]);
    }

    @Test
    void the_lighter_share_is_of_the_cards_requested_with_less_cpu_a_card() {
        DemandProfile p = new DemandProfile(true);
        for (int i = 0; i < 300; i++) {
            // by cards: a quarter in one-card tasks of 4 cores, three quarters in 3-card tasks of 36 cores
            p.observe(Job.of(i).cards(i % 2 == 0 ? 1 : 3).cpu(i % 2 == 0 ? 4_000 : 36_000).memory(1000).build());
        }
        assertEquals(0, p.lighterShare(Job.of(1).cpu(4_000).build()), "nobody asks less than 4 cores a card");
        assertEquals(0.25, p.lighterShare(Job.of(2).cpu(12_000).build()), 0.01, "12 cores a card: the 4-core quarter");
        assertEquals(p.lighterShare(Job.of(2).cpu(12_000).build()),
                p.lighterShare(Job.of(3).cards(2).cpu(24_000).build()), "the same, per card");
        assertEquals(1, p.lighterShare(Job.of(4).cpu(13_000).build()), 1e-9, "above everyone's 12 a card");
        assertEquals(1, p.lighterShare(Job.of(5).cards(0).milliPerCard(0).cpu(1_000).build()),
                "a job of no card takes CPU from every kind of task");
    }

    @Test
    void a_job_asking_no_share_of_a_card_is_not_card_demand() {
        DemandProfile p = new DemandProfile(true);
        p.observe(Job.of(1).cards(0).milliPerCard(0).cpu(4_000).build());
        p.observe(Job.of(2).cards(1).milliPerCard(0).cpu(4_000).build());
        p.observe(Job.of(3).cpu(8_000).build());
        assertEquals(1, p.cpu.length, "only the one-card job is a shape");
        assertEquals(0, p.lighterShare(Job.of(4).cpu(8_000).build()), "and nobody asked less CPU a card");
    }

    private static DemandProfile endlessSlices(int... milli) {
        DemandProfile p = new DemandProfile(true);
        for (int i = 0; i < 257; i++) {
            p.observe(Job.of(i).milliPerCard(milli[i % milli.length]).cpu(1_000).memory(1_000).build());
        }
        return p;
    }

    @Test
    void slices_that_pack_perfectly_plan_no_waste() {
        DemandProfile p = endlessSlices(500, 250, 250, 500);
        assertEquals(0, p.plannedWaste, "halves pair, quarters make halves");
        assertEquals(250, p.sliceUnit);
    }

    @Test
    void slices_that_leave_a_share_no_slice_fills_plan_it() {
        // Half 850s, half 300s: each 850 alone leaves 150, and three 300s leave 100: about (150 + 100 / 3) / 2 a slice.
        DemandProfile p = endlessSlices(850, 300);
        assertEquals(91.7, p.plannedWaste, 5);
        assertEquals(50, p.sliceUnit);
        // Whole cards only: nothing to plan.
        DemandProfile whole = new DemandProfile(true);
        for (int i = 0; i < 257; i++) {
            whole.observe(Job.of(i).cards(1).cpu(1_000).memory(1_000).build());
        }
        assertEquals(0, whole.plannedWaste);
    }
}

package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The shortcut of the fragmentation measure's hot path: {@link FragmentationAwarePolicy#carriesAll} answers without
 * division, and must never say "carries all" where {@link FragmentationAwarePolicy#carried} would count fewer
 * milli-cards than asked (the score would then differ from the one it replaces).
 */
class CarriedTest {

    /** A profile of varied shapes: 1-8 cards or slices, CPU and memory spread within each shape. */
    private static DemandProfile variedProfile(Random r) {
        DemandProfile p = new DemandProfile(true);
        int[] cards = {1, 1, 1, 2, 4, 8, 16};
        int[] slices = {1000, 1000, 250, 300, 450, 500, 700};
        for (int i = 0; i < 3 * DemandProfile.REBUILD_EVERY; i++) {
            int g = cards[r.nextInt(cards.length)];
            int m = g == 1 ? slices[r.nextInt(slices.length)] : 1000;
            p.observe(Job.of(i).cards(g).milliPerCard(m).cpu(g * (2_000L + r.nextInt(20_000)))
                    .memory(g * (8_000L + r.nextInt(60_000))).build());
        }
        return p;
    }

    @Test
    void the_shortcut_never_claims_more_than_the_node_carries() {
        Random r = new Random(7);
        DemandProfile p = variedProfile(r);
        int shortcuts = 0;
        for (int n = 0; n < 200_000; n++) {
            int i = r.nextInt(p.weight.length);
            int k = 1 + r.nextInt(8);
            long usable = r.nextInt(k * 1000 + 1);
            long cpuFree = r.nextInt(160_000);
            long memFree = r.nextInt(1_200_000);
            if (FragmentationAwarePolicy.carriesAll(p, i, usable, cpuFree, memFree)) {
                shortcuts++;
                long carried = FragmentationAwarePolicy.carried(p, i, k, cpuFree, memFree);
                assertTrue(carried >= usable, "shape " + i + " usable " + usable + " cpu " + cpuFree + " memory "
                        + memFree + ": carried " + carried);
            }
        }
        assertTrue(shortcuts > 10_000, "the shortcut is taken where CPU and memory are ample: " + shortcuts);
    }

    @Test
    void one_task_short_of_the_room_the_shortcut_asks_for_goes_the_long_way() {
        Random r = new Random(11);
        DemandProfile p = variedProfile(r);
        for (int i = 0; i < p.weight.length; i++) {
            long task = (long) p.gpus[i] * p.milli[i];
            long usable = 2 * task;
            long cpu = Math.max(1, p.cpuCarried[i]);
            long memory = p.memory[i];
            // Room for exactly three tasks (one more than the cards ask): the shortcut holds.
            assertTrue(FragmentationAwarePolicy.carriesAll(p, i, usable, 3 * cpu, 3 * memory));
            // A millicore less: not surely; the exact count says whether it carries.
            assertFalse(FragmentationAwarePolicy.carriesAll(p, i, usable, 3 * cpu - 1, 3 * memory));
            assertFalse(FragmentationAwarePolicy.carriesAll(p, i, usable, 3 * cpu, 3 * memory - 1));
        }
    }
}

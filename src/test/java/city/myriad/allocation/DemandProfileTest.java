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
}

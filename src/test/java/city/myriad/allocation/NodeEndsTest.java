package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** When each node drains: the latest declared end of what runs there, kept through any order of starts and ends. */
class NodeEndsTest {

    @Test
    void the_latest_end_follows_starts_and_ends() {
        NodeEnds ends = new NodeEnds(2);
        assertEquals(Double.NEGATIVE_INFINITY, ends.latest(0), "nothing runs: drained");
        ends.add(0, 100);
        ends.add(0, 500);
        ends.add(0, 500);
        ends.add(0, 300);
        assertEquals(500, ends.latest(0));
        ends.remove(0, 500);
        assertEquals(500, ends.latest(0), "a second job still ends at 500");
        ends.remove(0, 500);
        assertEquals(300, ends.latest(0));
        ends.add(0, Double.POSITIVE_INFINITY);
        assertEquals(Double.POSITIVE_INFINITY, ends.latest(0), "a job that never ends: the node never drains");
        ends.remove(0, Double.POSITIVE_INFINITY);
        ends.remove(0, 100);
        ends.remove(0, 300);
        assertEquals(Double.NEGATIVE_INFINITY, ends.latest(0));
        assertEquals(Double.NEGATIVE_INFINITY, ends.latest(1), "nodes are apart");
    }

    @Test
    void a_release_that_matches_no_allocation_is_a_bug_that_throws() {
        NodeEnds ends = new NodeEnds(1);
        ends.add(0, 100);
        assertThrows(IllegalStateException.class, () -> ends.remove(0, 200));
        assertEquals(100, ends.latest(0), "nothing changed");
    }

    @Test
    void many_random_starts_and_ends_agree_with_a_recount() {
        Random random = new Random(7);
        NodeEnds ends = new NodeEnds(3);
        List<List<Double>> shadow = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int step = 0; step < 5_000; step++) {
            int node = random.nextInt(3);
            List<Double> running = shadow.get(node);
            if (!running.isEmpty() && random.nextInt(3) == 0) {
                double end = running.remove(random.nextInt(running.size()));
                ends.remove(node, end);
            } else {
                double end = random.nextInt(50);  // few distinct values: many equal ends
                running.add(end);
                ends.add(node, end);
            }
            double expected = running.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NEGATIVE_INFINITY);
            assertEquals(expected, ends.latest(node), "step " + step);
        }
    }
}

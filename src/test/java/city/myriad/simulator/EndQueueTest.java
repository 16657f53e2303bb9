package city.myriad.simulator;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The replay's queue of completions polls in the order a priority queue by (end, start order) does. */
class EndQueueTest {

    @Test
    void it_polls_what_a_priority_queue_by_end_then_start_order_polls() {
        SplittableRandom random = new SplittableRandom(11);
        EndQueue queue = new EndQueue();
        PriorityQueue<Replay.Run> reference = new PriorityQueue<>(
                Comparator.comparingDouble(Replay.Run::end).thenComparingLong(Replay.Run::seq));
        long seq = 0;
        int polled = 0;
        for (int step = 0; step < 20_000; step++) {
            if (reference.isEmpty() || random.nextInt(5) < 3) {
                // Ends from a few values, so that ties on the end are frequent and start order decides.
                double end = random.nextInt(40) * 0.5;
                Replay.Run r = new Replay.Run(null, 0, end, seq++);
                queue.add(r);
                reference.add(r);
            } else {
                assertSame(reference.peek(), queue.peek());
                assertSame(reference.poll(), queue.poll());
                polled++;
            }
        }
        while (!reference.isEmpty()) {
            assertSame(reference.poll(), queue.poll());
            polled++;
        }
        assertTrue(queue.isEmpty());
        assertTrue(polled > 5_000, "polled " + polled);
    }
}

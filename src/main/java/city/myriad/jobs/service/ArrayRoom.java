package city.myriad.jobs.service;

import city.myriad.allocation.StartEstimate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A job of an array with {@code maxRunning} starts only while fewer of the array's jobs run (the loop's admission,
 * {@code ARRAY_LIMIT} otherwise), however many cards are idle. So before the queue is planned, each such job is
 * given, as the earliest it may start, when the array has a free slot for it: its running jobs ending at their
 * declared ends, and its jobs ahead in the queue (in the queue's order) each taking a slot from its own turn for its
 * maxRunSeconds ({@link PooledRoom}).
 */
final class ArrayRoom {

    /** An array as the estimate reads it: how many of its jobs may run at once, and its running jobs' declared ends. */
    record Use(int maxRunning, List<Instant> runningEnds) {}

    private ArrayRoom() {}

    private static final StartEstimate.Need SLOT = StartEstimate.Need.cards(1);

    /**
     * {@code queue} with each array job's {@code notBefore} moved to when its array has a slot for it
     * ({@code arrayOf} gives each job's array, null for none; an array missing from {@code uses} has no limit).
     */
    static List<StartEstimate.Waiting> apply(List<StartEstimate.Waiting> queue, List<UUID> arrayOf,
            Map<UUID, Use> uses, Instant now) {
        Map<UUID, List<Integer>> byArray = new LinkedHashMap<>();
        for (int i = 0; i < queue.size(); i++) {
            UUID a = arrayOf.get(i);
            if (a != null && uses.containsKey(a)) {
                byArray.computeIfAbsent(a, k -> new ArrayList<>()).add(i);
            }
        }
        if (byArray.isEmpty()) {
            return queue;
        }
        List<StartEstimate.Waiting> out = new ArrayList<>(queue);
        byArray.forEach((array, indices) -> {
            Use use = uses.get(array);
            List<StartEstimate.Running> running = use.runningEnds().stream()
                    .map(end -> new StartEstimate.Running(SLOT, end)).toList();
            PooledRoom.play(out, indices, PooledRoom.cards(use.maxRunning()), running, need -> SLOT, now);
        });
        return out;
    }
}

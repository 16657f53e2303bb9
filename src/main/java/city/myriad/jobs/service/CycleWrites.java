package city.myriad.jobs.service;

import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.service.TrackedJobs.Tracked;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * What one cycle of a cluster's loop will write, committed together by {@link LeaderWrites#commit}. Starts and wait
 * reasons are kept apart from the rarer ends (preemptions, time limits, rejections, runs on nodes out): each of the
 * first two goes in one statement, whatever the count (a cycle may start thousands of jobs); ends go one by one.
 */
final class CycleWrites {

    /** A write of the cycle, about one tracked job. */
    sealed interface Write permits Start, EndRun, EndQueued, WaitReason {
        Tracked t();
    }

    /** The job starts on {@code placement} (as its row stores it). */
    record Start(Tracked t, String placement, boolean borrowed) implements Write {}

    /** A run ends; {@code resubmit}: a requeued job goes back into the core once the write is committed. */
    record EndRun(Tracked t, JobRuns.RunEnd end, boolean resubmit) implements Write {}

    /** A job that does not run ends ({@code to}: FAILED). */
    record EndQueued(Tracked t, JobState to, String reason) implements Write {}

    /** What a job waits for, when that changed. */
    record WaitReason(Tracked t, String reason) implements Write {}

    /**
     * What the commit found: the ids of the jobs that started as decided (the others had moved), and each end's row
     * after it, in the order of {@link #ends()} (null where the job had moved).
     */
    record Outcome(Set<UUID> started, List<JobRow> ended) {}

    private final List<Start> starts = new ArrayList<>();
    private final Set<Tracked> starting = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<WaitReason> reasons = new ArrayList<>();
    private final List<Write> ends = new ArrayList<>();

    void add(Write w) {
        if (w instanceof Start s) {
            starts.add(s);
            starting.add(s.t());
        } else if (w instanceof WaitReason r) {
            reasons.add(r);
        } else {
            ends.add(w);
        }
    }

    /** Whether the job starts in this cycle. */
    boolean starts(Tracked t) {
        return starting.contains(t);
    }

    boolean isEmpty() {
        return starts.isEmpty() && reasons.isEmpty() && ends.isEmpty();
    }

    List<Start> starts() {
        return Collections.unmodifiableList(starts);
    }

    List<WaitReason> reasons() {
        return Collections.unmodifiableList(reasons);
    }

    /** The ends ({@link EndRun} and {@link EndQueued}), in the order they were added. */
    List<Write> ends() {
        return Collections.unmodifiableList(ends);
    }
}

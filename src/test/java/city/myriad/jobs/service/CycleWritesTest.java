package city.myriad.jobs.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobState;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.service.CycleWrites.EndQueued;
import city.myriad.jobs.service.CycleWrites.EndRun;
import city.myriad.jobs.service.CycleWrites.Start;
import city.myriad.jobs.service.CycleWrites.WaitReason;
import city.myriad.jobs.service.CycleWrites.Write;
import city.myriad.jobs.service.TrackedJobs.Tracked;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A cycle's writes: starts and wait reasons kept apart from the ends, each kind in the order it came. */
class CycleWritesTest {

    private static Tracked job() {
        return new Tracked(LoopAdmissionTest.job(UUID.randomUUID(), JobClass.ON_DEMAND, 1, null));
    }

    @Test
    void each_kind_keeps_its_order_and_the_ends_theirs_across_both_kinds() {
        Tracked a = job();
        Tracked b = job();
        Tracked c = job();
        Tracked d = job();
        CycleWrites writes = new CycleWrites();
        assertTrue(writes.isEmpty());
        Write timeLimit = new EndRun(a, new JobRuns.RunEnd(JobState.FAILED, Reasons.TIME_LIMIT, false, true, false),
                false);
        Write rejected = new EndQueued(b, JobState.FAILED, Reasons.NEVER_FITS);
        Write preempted = new EndRun(c, new JobRuns.RunEnd(JobState.PREEMPTED, Reasons.PREEMPTED, true, true, false),
                false);
        writes.add(timeLimit);
        writes.add(new Start(d, "{}", false));
        writes.add(rejected);
        writes.add(new WaitReason(b, Reasons.CAPACITY));
        writes.add(preempted);

        assertFalse(writes.isEmpty());
        assertEquals(List.of(timeLimit, rejected, preempted), writes.ends(), "the commit pairs each end with its row");
        assertEquals(List.of(d), writes.starts().stream().map(Start::t).toList());
        assertEquals(List.of(b), writes.reasons().stream().map(WaitReason::t).toList());
        assertTrue(writes.starts(d));
        assertFalse(writes.starts(a), "an end is no start");
        assertFalse(writes.starts(b), "nor a wait reason");
    }
}

package city.myriad.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import city.myriad.jobs.model.JobState;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The job lifecycle table, whole: every pair of states is allowed or refused exactly as docs/jobs.md says. */
class JobStateTest {

    static final Map<JobState, Set<JobState>> DOCUMENTED = Map.of(
            JobState.QUEUED, EnumSet.of(JobState.RUNNING, JobState.CANCELLED, JobState.FAILED, JobState.HELD),
            JobState.HELD, EnumSet.of(JobState.QUEUED, JobState.CANCELLED, JobState.FAILED),
            JobState.RUNNING, EnumSet.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.PREEMPTED),
            JobState.PREEMPTED, EnumSet.of(JobState.QUEUED),
            JobState.SUCCEEDED, EnumSet.noneOf(JobState.class),
            JobState.FAILED, EnumSet.noneOf(JobState.class),
            JobState.CANCELLED, EnumSet.noneOf(JobState.class));

    @Test
    void every_pair_of_states_is_allowed_exactly_as_documented() {
        for (JobState from : JobState.values()) {
            for (JobState to : JobState.values()) {
                boolean allowed = DOCUMENTED.get(from).contains(to);
                assertEquals(allowed, from.canBecome(to), from + " -> " + to);
                if (allowed) {
                    assertEquals(to, from.to(to));
                } else {
                    assertThrows(IllegalStateException.class, () -> from.to(to), from + " -> " + to);
                }
            }
        }
    }

    @Test
    void only_succeeded_failed_and_cancelled_are_ends() {
        for (JobState s : JobState.values()) {
            assertEquals(s == JobState.SUCCEEDED || s == JobState.FAILED || s == JobState.CANCELLED, s.ended(),
                    s.name());
            assertEquals(!s.ended(), s.live(), s.name());
        }
    }
}

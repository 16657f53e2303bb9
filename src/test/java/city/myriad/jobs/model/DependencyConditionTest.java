package city.myriad.jobs.model;

import static city.myriad.jobs.model.DependencyCondition.Status.NEVER_SATISFIED;
import static city.myriad.jobs.model.DependencyCondition.Status.PENDING;
import static city.myriad.jobs.model.DependencyCondition.Status.SATISFIED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DependencyConditionTest {

    /** Every condition against every state a job can be read in: the whole rule. */
    @Test
    void each_condition_is_pending_until_its_job_ends_then_met_or_never_by_how_it_ended() {
        Map<JobState, List<DependencyCondition.Status>> expected = Map.of(
                // state: SUCCEEDED, NOT_SUCCEEDED, ENDED
                JobState.QUEUED, List.of(PENDING, PENDING, PENDING),
                JobState.HELD, List.of(PENDING, PENDING, PENDING),
                JobState.RUNNING, List.of(PENDING, PENDING, PENDING),
                JobState.PREEMPTED, List.of(PENDING, PENDING, PENDING),
                JobState.SUCCEEDED, List.of(SATISFIED, NEVER_SATISFIED, SATISFIED),
                JobState.FAILED, List.of(NEVER_SATISFIED, SATISFIED, SATISFIED),
                JobState.CANCELLED, List.of(NEVER_SATISFIED, SATISFIED, SATISFIED));
        assertEquals(JobState.values().length, expected.size(), "every state in the table");
        expected.forEach((state, statuses) -> {
            for (DependencyCondition c : DependencyCondition.values()) {
                assertEquals(statuses.get(c.ordinal()), c.status(state), c + " on a job " + state);
            }
        });
    }

    @Test
    void a_job_waits_while_one_is_pending_and_can_never_run_once_one_is_never_met() {
        assertEquals(SATISFIED, DependencyCondition.all(List.of()));
        assertEquals(SATISFIED, DependencyCondition.all(List.of(SATISFIED, SATISFIED)));
        assertEquals(PENDING, DependencyCondition.all(List.of(SATISFIED, PENDING)));
        assertEquals(NEVER_SATISFIED, DependencyCondition.all(List.of(PENDING, NEVER_SATISFIED, SATISFIED)));
        assertEquals(NEVER_SATISFIED, DependencyCondition.all(List.of(NEVER_SATISFIED, PENDING)));
    }
}

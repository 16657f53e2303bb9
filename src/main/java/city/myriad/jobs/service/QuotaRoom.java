package city.myriad.jobs.service;

import city.myriad.allocation.StartEstimate;
import city.myriad.jobs.repository.JobQueueRepository.QuotaRun;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A job starts only within the card limits of its tenant and project that bind its model and class: the scheduling
 * loop refuses it ({@code QUOTA}) while the runs counted against a limit and it would pass it, however many cards are
 * idle. A start estimate planned on the nodes alone would tell such a job "now". So before the queue is planned, each
 * job bound by a limit is given, as the earliest it may start, when every limit that binds it has room for it: the
 * runs counted against the limit ending at their declared ends, and the jobs it binds ahead in the queue (in the
 * queue's order) each taking its cards for its maxRunSeconds from its own turn, never before the job's own earliest.
 * Played limit by limit, each on the earliest the ones before it gave: a job bound twice (by its tenant's and its
 * project's limit) waits for both. An estimate, on the pessimistic side: the loop lets a smaller job of the same limit
 * pass one that does not fit (the play here does not), and a run may end before its declared end.
 */
final class QuotaRoom {

    /**
     * A card limit as the estimate reads it: whose it is (a tenant's or a project's id), the class it counts (null: a
     * class-less limit, which counts every class's runs that are not borrowed) and its milli-cards.
     */
    record Limit(UUID scope, String jobClass, long cardsMilli) {

        /** Whether the run counts against this limit (the loop's count: per scope, model and class). */
        boolean counts(QuotaRun run) {
            return (scope.equals(run.tenantId()) || scope.equals(run.projectId()))
                    && (jobClass == null || jobClass.equals(run.jobClass()));
        }
    }

    private QuotaRoom() {}

    /**
     * {@code queue} with each job's {@code notBefore} moved to when the limits {@code binding} it (one list per job,
     * empty for none) have room for it, given the runs counted against quotas ({@code running}, borrowed ones left
     * out). A job asking more than a limit keeps its own earliest (submission refuses such a job).
     */
    static List<StartEstimate.Waiting> apply(List<StartEstimate.Waiting> queue, List<List<Limit>> binding,
            List<QuotaRun> running, Instant now) {
        Map<Limit, List<Integer>> byLimit = new LinkedHashMap<>();
        for (int i = 0; i < queue.size(); i++) {
            for (Limit l : binding.get(i)) {
                byLimit.computeIfAbsent(l, k -> new ArrayList<>()).add(i);
            }
        }
        if (byLimit.isEmpty()) {
            return queue;
        }
        List<StartEstimate.Waiting> out = new ArrayList<>(queue);
        byLimit.forEach((limit, indices) -> {
            List<StartEstimate.Running> counted = new ArrayList<>();
            for (QuotaRun r : running) {
                if (limit.counts(r)) {
                    counted.add(new StartEstimate.Running(StartEstimate.Need.cards(r.cardsMilli()), r.endsAt()));
                }
            }
            PooledRoom.play(out, indices, PooledRoom.cards(limit.cardsMilli()), counted, PooledRoom::cardsOf, now);
        });
        return out;
    }
}

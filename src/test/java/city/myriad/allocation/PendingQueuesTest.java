package city.myriad.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The order a cycle looks at waiting jobs in: priority, then aged jobs oldest first, then fair share (alone, or
 * weighing the smallest area first), then age.
 */
class PendingQueuesTest {

    private static List<Integer> order(PendingQueues q, double t) {
        List<Integer> ids = new ArrayList<>();
        for (Iterator<Job> it = q.ordered(t); it.hasNext(); ) {
            ids.add(it.next().id());
        }
        return ids;
    }

    @Test
    void tenants_interleave_by_usage_per_weight_and_a_heavy_user_goes_last() {
        FairShare share = new FairShare(3600);
        share.charge(Job.of(99).tenant(0).runsFor(3600).cards(8).build(), 0);  // tenant 0 has used a lot already
        PendingQueues q = new PendingQueues(true, 86_400, SchedulerOptions.Order.SUBMISSION, share, SchedulerOptions.RESERVED_HEADS);
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(600).build());
        q.add(Job.of(1).tenant(0).submittedAt(1).runsFor(600).build());
        q.add(Job.of(2).tenant(1).submittedAt(2).runsFor(600).build());
        q.add(Job.of(3).tenant(1).submittedAt(3).runsFor(600).build());
        assertEquals(List.of(2, 3, 0, 1), order(q, 10));
        assertEquals(4, q.size());
    }

    @Test
    void priority_comes_first_and_an_aged_job_passes_fair_share() {
        FairShare share = new FairShare(3600);
        share.charge(Job.of(99).tenant(0).runsFor(3600).cards(8).build(), 0);
        PendingQueues q = new PendingQueues(true, 1_000, SchedulerOptions.Order.SUBMISSION, share, SchedulerOptions.RESERVED_HEADS);
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(600).build());      // heavy tenant, but waiting 1,500 s
        q.add(Job.of(1).tenant(1).submittedAt(1_400).runsFor(600).build());  // light tenant, fresh
        q.add(Job.of(2).tenant(0).submittedAt(1_450).runsFor(600).priority(1).build());
        assertEquals(List.of(2, 1, 0), order(q, 900), "before the aging threshold, fair share decides");
        assertEquals(List.of(2, 0, 1), order(q, 1_500));
    }

    @Test
    void a_tenants_priority_orders_its_own_jobs_and_no_one_elses() {
        FairShare share = new FairShare(3600);
        PendingQueues q = new PendingQueues(true, 86_400, SchedulerOptions.Order.SMALLEST_AREA, share,
                SchedulerOptions.RESERVED_HEADS);
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(60).build());                           // small
        q.add(Job.of(1).tenant(0).submittedAt(1).runsFor(36_000).cards(8).tenantPriority(5).build()); // urgent, huge
        q.add(Job.of(2).tenant(1).submittedAt(2).runsFor(600).build());                          // other tenant, mid
        q.add(Job.of(3).tenant(1).submittedAt(3).runsFor(60_000).cards(8).build());              // other tenant, huger
        // Tenant 0's urgent job goes before its own small one, so that one waits behind it; tenant 1's mid job still
        // goes before tenant 0's urgent huge one (size decides between tenants), its huger one after it.
        assertEquals(List.of(2, 1, 0, 3), order(q, 10));

        q.remove(Job.of(1).tenant(0).submittedAt(1).runsFor(36_000).cards(8).tenantPriority(5).build());
        q.add(Job.of(1).tenant(0).submittedAt(1).runsFor(36_000).cards(8).tenantPriority(-5).build());
        assertEquals(List.of(0, 2, 1, 3), order(q, 10), "a lower priority: behind the tenant's other jobs only");
    }

    @Test
    void a_tenants_priority_neither_ages_a_job_sooner_nor_counts_in_one_queue_for_all() {
        PendingQueues perTenant = new PendingQueues(true, 1_000, SchedulerOptions.Order.SMALLEST_AREA,
                new FairShare(3600), SchedulerOptions.RESERVED_HEADS);
        PendingQueues shared = new PendingQueues(false, 86_400, SchedulerOptions.Order.SMALLEST_AREA,
                new FairShare(3600), SchedulerOptions.RESERVED_HEADS);
        for (PendingQueues q : List.of(perTenant, shared)) {
            q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(36_000).cards(8).tenantPriority(-100).build());
            q.add(Job.of(1).tenant(0).submittedAt(900).runsFor(60).tenantPriority(100).build());
            q.add(Job.of(2).tenant(1).submittedAt(950).runsFor(30).build());
        }
        assertEquals(List.of(0, 2, 1), order(perTenant, 1_000), "aged, the low-priority job goes first all the same");
        assertEquals(List.of(2, 1, 0), order(shared, 1_000), "one queue for all: size alone");
    }

    @Test
    void removing_a_job_that_is_not_waiting_changes_nothing() {
        PendingQueues q = new PendingQueues(false, 86_400, SchedulerOptions.Order.SMALLEST_AREA, new FairShare(3600),
                SchedulerOptions.RESERVED_HEADS);
        Job a = Job.of(0).build();
        q.add(a);
        q.add(a);
        assertEquals(1, q.size());
        assertTrue(q.remove(a));
        assertFalse(q.remove(a));
        assertEquals(0, q.size());
        assertFalse(q.ordered(0).hasNext());
    }

    @Test
    void smallest_area_goes_first_and_usage_weighs_only_between_jobs_of_like_size() {
        FairShare share = new FairShare(3600);
        share.charge(Job.of(99).tenant(0).runsFor(3600).cards(8).build(), 0);  // tenant 0 has used a lot already
        PendingQueues q = new PendingQueues(true, 86_400, SchedulerOptions.Order.SMALLEST_AREA, share,
                SchedulerOptions.RESERVED_HEADS);
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(36_000).cards(8).build());  // heavy tenant, huge
        q.add(Job.of(1).tenant(0).submittedAt(1).runsFor(60).build());               // heavy tenant, tiny
        q.add(Job.of(2).tenant(1).submittedAt(2).runsFor(3_600).cards(2).build());   // light tenant, mid
        q.add(Job.of(3).tenant(1).submittedAt(3).runsFor(60).build());               // light tenant, tiny
        // Tiny first, the light tenant's before the heavy one's; the mid job before the huge one.
        assertEquals(List.of(3, 1, 2, 0), order(q, 10));
    }

    @Test
    void an_aged_job_deep_in_a_queue_by_size_comes_first_and_only_once() {
        PendingQueues q = new PendingQueues(true, 1_000, SchedulerOptions.Order.SMALLEST_AREA, new FairShare(3600),
                SchedulerOptions.RESERVED_HEADS);
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(86_400).cards(8).build());  // largest, oldest: aged
        q.add(Job.of(1).tenant(0).submittedAt(300).runsFor(60).build());              // not aged at 1,250
        q.add(Job.of(2).tenant(1).submittedAt(200).runsFor(7_200).cards(4).build());  // aged too, younger
        q.add(Job.of(3).tenant(1).submittedAt(1_400).runsFor(600).build());
        q.add(Job.of(4).tenant(1).submittedAt(1_450).runsFor(60).priority(1).build());
        // Priority first; then the aged, oldest first (though largest); then smallest first.
        assertEquals(List.of(4, 1, 3, 2, 0), order(q, 900), "before anything aged: smallest area first");
        assertEquals(List.of(4, 0, 2, 1, 3), order(q, 1_250));
        assertEquals(List.of(4, 0, 2, 1, 3), order(q, 1_250), "asked again: the same, each job once");
        q.remove(Job.of(0).tenant(0).submittedAt(0).runsFor(86_400).cards(8).build());
        assertEquals(List.of(4, 2, 1, 3), order(q, 1_300), "an aged job that leaves is gone");
        assertEquals(4, q.size());
    }

    @Test
    void the_aging_threshold_is_the_time_the_queue_takes_to_drain_when_longer_up_to_the_cap() {
        // Aging at 1,000 s, capped at 5,000 s, on 2 cards, in submission order (only aging moves a job up).
        PendingQueues q = new PendingQueues(false, 1_000, SchedulerOptions.Order.SMALLEST_AREA, Double.POSITIVE_INFINITY,
                new FairShare(3600), 1, 5_000, 2);
        q.add(Job.of(0).submittedAt(0).runsFor(3_000).cards(2).build());    // 6,000 card-seconds: drains in 3,000 s
        q.add(Job.of(1).submittedAt(10).runsFor(100).cards(1).build());
        assertEquals(3_050, q.agingThreshold(), 1e-9, "(6,000 + 100) card-seconds over 2 cards");
        assertEquals(List.of(1, 0), order(q, 2_000), "waited 2,000 s, under the queue's drain: not aged");
        assertEquals(List.of(0, 1), order(q, 3_100), "waited past the drain: aged, it goes first");
        q.add(Job.of(2).submittedAt(3_200).runsFor(Double.POSITIVE_INFINITY).cards(1).build());
        assertEquals(3_050, q.agingThreshold(), 1e-9, "a job without a run time adds nothing to the drain");
        q.add(Job.of(3).submittedAt(3_300).runsFor(20_000).cards(2).build());
        assertEquals(5_000, q.agingThreshold(), 1e-9, "never over the cap");
        q.remove(Job.of(3).submittedAt(3_300).runsFor(20_000).cards(2).build());
        q.remove(Job.of(0).submittedAt(0).runsFor(3_000).cards(2).build());
        assertEquals(1_000, q.agingThreshold(), 1e-9, "a short queue: the fixed threshold");
    }

    @Test
    void aged_jobs_of_a_higher_priority_go_before_older_aged_jobs_of_a_lower_one() {
        PendingQueues q = new PendingQueues(true, 1_000, SchedulerOptions.Order.SMALLEST_AREA, new FairShare(3600),
                SchedulerOptions.RESERVED_HEADS);
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(600).build());
        q.add(Job.of(1).tenant(0).submittedAt(100).runsFor(600).priority(1).build());
        q.add(Job.of(2).tenant(1).submittedAt(1_900).runsFor(60).priority(1).build());  // young
        q.add(Job.of(3).tenant(1).submittedAt(50).runsFor(60).build());
        assertEquals(List.of(1, 2, 0, 3), order(q, 2_000));
    }

    @Test
    void the_oldest_aged_jobs_as_many_as_get_reservations_go_first_then_every_other_job_by_size() {
        PendingQueues q = new PendingQueues(true, 1_000, SchedulerOptions.Order.SMALLEST_AREA, new FairShare(3600), 2);
        q.add(Job.of(0).tenant(0).submittedAt(0).runsFor(86_400).cards(8).build());   // oldest, widest
        q.add(Job.of(1).tenant(1).submittedAt(10).runsFor(7_200).cards(4).build());
        q.add(Job.of(2).tenant(0).submittedAt(20).runsFor(36_000).cards(8).build());
        q.add(Job.of(3).tenant(1).submittedAt(30).runsFor(60).build());               // smallest aged
        q.add(Job.of(4).tenant(0).submittedAt(40).runsFor(600).build());
        q.add(Job.of(5).tenant(1).submittedAt(1_900).runsFor(10).build());            // young, the smallest
        q.add(Job.of(6).tenant(0).submittedAt(1_950).runsFor(50_000).cards(8).build());  // young, the largest
        // The two oldest aged jobs first, however wide; then aged or not, smallest area first (fair share aside:
        // the tenants alternate here as their usage grows).
        assertEquals(List.of(0, 1, 5, 3, 4, 2, 6), order(q, 2_000));
        q.remove(Job.of(0).tenant(0).submittedAt(0).runsFor(86_400).cards(8).build());
        assertEquals(List.of(1, 2, 5, 3, 4, 6), order(q, 2_000), "the next oldest moves up when the oldest starts");
        assertEquals(6, q.size());
        PendingQueues fifo = new PendingQueues(false, 1_000, SchedulerOptions.Order.SUBMISSION, new FairShare(3600), 2);
        for (int id : new int[] {4, 2, 0, 3, 1}) {
            fifo.add(Job.of(id).tenant(id % 2).submittedAt(10 * id).runsFor(60 * (5 - id)).build());
        }
        assertEquals(List.of(0, 1, 2, 3, 4), order(fifo, 2_000), "one queue in submission order: oldest first throughout");
    }

    /**
     * The merge, written the plain way: at each pick every stream's head gets its key, and the best by the rules
     * wins (priority; the aged stream; area made larger by usage, or with a half-life (rate > 0) the size key plus
     * the log of that factor; usage; submission; the first stream). The merge of PendingQueues computes keys only
     * where they can win; it must pick exactly the same jobs.
     */
    private static List<Integer> plainMerge(List<Job> jobs, double t, double agingS, int oldestFirst, FairShare share,
            int tenants, double rate) {
        List<List<Job>> streams = new ArrayList<>();
        List<Job> aged = new ArrayList<>();
        for (Job j : jobs) {
            if (t - j.submitS() >= agingS) {
                aged.add(j);
            }
        }
        aged.sort(PendingQueues.BY_SUBMISSION);
        aged = new ArrayList<>(aged.subList(0, Math.min(oldestFirst, aged.size())));  // the protected oldest
        streams.add(aged);
        double[] standing = new double[tenants + 1];
        double[] weight = new double[tenants + 1];
        for (int i = 0; i < tenants; i++) {
            List<Job> own = new ArrayList<>();
            for (Job j : jobs) {
                if (j.tenant() == i && !aged.contains(j)) {
                    own.add(j);
                }
            }
            own.sort(new PendingQueues.BySize(rate));
            streams.add(own);
            standing[i + 1] = share.standing(i, t);
            weight[i + 1] = share.weightOf(i);
        }
        int[] at = new int[streams.size()];
        List<Integer> out = new ArrayList<>();
        while (out.size() < jobs.size()) {
            double sum = 0;
            for (int i = 1; i <= tenants; i++) {
                sum += standing[i];
            }
            double mean = Math.max(1e-9, sum / tenants);
            int best = -1;
            double bestKey = 0;
            for (int i = 0; i < streams.size(); i++) {
                if (at[i] == streams.get(i).size()) {
                    continue;
                }
                Job h = streams.get(i).get(at[i]);
                double usage = 1 + PendingQueues.USAGE_WEIGHT * standing[i] / mean;
                double key = i == 0 ? 0 : rate == 0 ? PendingQueues.area(h) * usage
                        : PendingQueues.sizeKey(h, rate) + Math.log(usage);
                if (best < 0) {
                    best = i;
                    bestKey = key;
                    continue;
                }
                Job b = streams.get(best).get(at[best]);
                boolean before;
                if (h.priority() != b.priority()) {
                    before = h.priority() > b.priority();
                } else if (best == 0) {
                    before = false;
                } else if (key != bestKey) {
                    before = key < bestKey;
                } else {
                    before = standing[i] < standing[best]
                            || (standing[i] == standing[best] && h.submitS() < b.submitS());
                }
                if (before) {
                    best = i;
                    bestKey = key;
                }
            }
            Job j = streams.get(best).get(at[best]++);
            double charge = FairShare.cardSeconds(j) / weight[j.tenant() + 1];
            standing[j.tenant() + 1] += charge;
            out.add(j.id());
        }
        return out;
    }

    @Test
    void with_an_area_half_life_a_job_that_waited_passes_smaller_newer_ones_once_its_wait_outweighs_its_size() {
        double halfLife = 3_600;
        PendingQueues q = new PendingQueues(false, 86_400, SchedulerOptions.Order.SMALLEST_AREA, halfLife,
                new FairShare(3600), SchedulerOptions.RESERVED_HEADS);
        q.add(Job.of(0).submittedAt(0).runsFor(4_000).build());           // area 4,000: four times the others'
        q.add(Job.of(1).submittedAt(7_000).runsFor(1_000).build());       // 7,000 s later: under 2 half-lives
        q.add(Job.of(2).submittedAt(7_400).runsFor(1_000).build());       // 7,400 s later: over 2 half-lives
        // ln(4,001) + rate × 0 against ln(1,001) + rate × 7,000 and × 7,400: the old job is worth 2^(wait / h)
        // times less, and 4 = 2^2, so it goes between them; the order does not change as time goes on.
        assertEquals(List.of(1, 0, 2), order(q, 8_000));
        assertEquals(List.of(1, 0, 2), order(q, 80_000), "a static order: the same later");
        PendingQueues plain = new PendingQueues(false, 86_400, SchedulerOptions.Order.SMALLEST_AREA, new FairShare(3600),
                SchedulerOptions.RESERVED_HEADS);
        for (Job j : List.of(Job.of(0).submittedAt(0).runsFor(4_000).build(),
                Job.of(1).submittedAt(7_000).runsFor(1_000).build(), Job.of(2).submittedAt(7_400).runsFor(1_000).build())) {
            plain.add(j);
        }
        assertEquals(List.of(1, 2, 0), order(plain, 8_000), "by area alone the large job waits behind both");
    }

    @Test
    void the_merge_picks_what_the_plain_merge_picks() {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 400; round++) {
            double halfLifeS = round % 2 == 0 ? Double.POSITIVE_INFINITY : 300 + random.nextInt(3_000);
            double rate = Double.isInfinite(halfLifeS) ? 0 : Math.log(2) / halfLifeS;
            int tenants = 1 + random.nextInt(6);
            FairShare share = new FairShare(3600);
            for (int i = 0; i < tenants; i++) {
                share.weight(i, 1 + random.nextInt(3));
                if (random.nextBoolean()) {
                    share.charge(Job.of(-1 - i).tenant(i).runsFor(60 + random.nextInt(7200))
                            .cards(1 + random.nextInt(8)).build(), 0);
                }
            }
            double agingS = 1_000;
            int oldestFirst = 1 + random.nextInt(12);  // about 24 jobs aged: fewer or more than them
            PendingQueues q = new PendingQueues(true, agingS, SchedulerOptions.Order.SMALLEST_AREA, halfLifeS, share,
                    oldestFirst);
            List<Job> jobs = new ArrayList<>();
            for (int id = 0; id < 60; id++) {
                // Few distinct sizes and times, so that keys and submissions tie often.
                Job j = Job.of(id).tenant(random.nextInt(tenants)).submittedAt(100 * random.nextInt(15))
                        .runsFor(60 * (1 + random.nextInt(4))).cards(random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(2))
                        .cpu(1).priority(random.nextInt(4) == 0 ? 1 : 0).build();
                jobs.add(j);
                q.add(j);
            }
            double t = 1_500;
            assertEquals(plainMerge(jobs, t, agingS, oldestFirst, share, tenants, rate), order(q, t), "round " + round);
        }
    }
}

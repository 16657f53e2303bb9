package city.myriad.allocation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * When a job should start, behind the jobs queued ahead of it and the running ones, each running job freeing what
 * it holds at its declared end (start + maxRunSeconds), each queued one holding what it takes for its own
 * maxRunSeconds. Two plays of that queue:
 * <ul>
 *   <li>{@link #earliestOnNodes}, the service's: node by node, each job at the earliest time it fits for its whole
 *       run around the jobs planned before it (conservative backfilling);</li>
 *   <li>{@link #earliest}: in order on the model's cards, CPU and memory, each taken together over the nodes
 *       (optimistic in place: it ignores how they are split across nodes and blocks), used behind long queues.</li>
 * </ul>
 * Estimates, pessimistic in time (jobs usually end before their limit), leaving out later arrivals, preemption of
 * spot work and fair share. The node plan counts the nodes reservations hold or keep ({@link Hold}); the pooled
 * play does not.
 */
public final class StartEstimate {

    /** What a job holds or needs: cards in thousandths, CPU in thousandths of a core, memory in MiB. */
    public record Need(long cardsMilli, long cpuMilli, long memoryMib) {

        public static Need cards(long cardsMilli) {
            return new Need(cardsMilli, 0, 0);
        }

        boolean within(Need free) {
            return cardsMilli <= free.cardsMilli && cpuMilli <= free.cpuMilli && memoryMib <= free.memoryMib;
        }

        Need plus(Need o) {
            return new Need(cardsMilli + o.cardsMilli, cpuMilli + o.cpuMilli, memoryMib + o.memoryMib);
        }

        Need minus(Need o) {
            return new Need(cardsMilli - o.cardsMilli, cpuMilli - o.cpuMilli, memoryMib - o.memoryMib);
        }
    }

    /**
     * A job waiting ahead: what it needs, its longest run, and whose it is: its {@code tenant} (compared by
     * {@code equals}; null for nobody's) and whether it is {@code preemptible}, which decide the nodes reservations
     * hold or keep that it may use ({@link Hold}); {@code notBefore} (null: none), the earliest it may start (a
     * RESERVED job's window).
     */
    public record Waiting(Need need, long maxRunSeconds, boolean oneBlock, Object tenant, boolean preemptible,
            Instant notBefore) {

        /** A job that may start at once. */
        public Waiting(Need need, long maxRunSeconds, boolean oneBlock, Object tenant, boolean preemptible) {
            this(need, maxRunSeconds, oneBlock, tenant, preemptible, null);
        }

        /** A job of nobody's in particular, not preemptible. */
        public Waiting(Need need, long maxRunSeconds, boolean oneBlock) {
            this(need, maxRunSeconds, oneBlock, null, false);
        }

        /** A job that may span blocks. */
        public Waiting(Need need, long maxRunSeconds) {
            this(need, maxRunSeconds, false);
        }

        /** A job that asks cards only. */
        public Waiting(long cardsMilli, long maxRunSeconds) {
            this(Need.cards(cardsMilli), maxRunSeconds);
        }
    }

    /** A running job: what it holds and its declared end. */
    public record Running(Need holds, Instant endsAt) {

        /** A job that holds cards only. */
        public Running(long cardsMilli, Instant endsAt) {
            this(Need.cards(cardsMilli), endsAt);
        }
    }

    /**
     * The start of a job of {@code needMilli} cards behind {@code ahead}, with {@code capacityMilli} cards in service
     * and {@code running} holding some of them, CPU and memory not counted; empty if it can never fit.
     */
    public static Optional<Instant> earliest(long capacityMilli, List<Running> running, List<Waiting> ahead,
            long needMilli, Instant now) {
        return earliest(new Need(capacityMilli, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4), running, ahead,
                Need.cards(needMilli), now);
    }

    /**
     * The start of a job that needs {@code need} behind {@code ahead}, with {@code capacity} in service and
     * {@code running} holding some of it; empty if it can never fit.
     */
    public static Optional<Instant> earliest(Need capacity, List<Running> running, List<Waiting> ahead, Need need,
            Instant now) {
        List<Waiting> queue = new ArrayList<>(ahead.size() + 1);
        queue.addAll(ahead);
        queue.add(new Waiting(need, 0));
        return startsPooled(capacity, running, queue, now).get(ahead.size());
    }

    /**
     * The same queue played on the pooled capacity, giving every job's start in its turn (empty for one that can never
     * fit): entry {@code k} is {@link #earliest(Need, List, List, Need, Instant)} of job {@code k} behind the {@code k}
     * before it, so one play answers for every job in it.
     */
    public static List<Optional<Instant>> startsPooled(Need capacity, List<Running> running, List<Waiting> queue,
            Instant now) {
        PriorityQueue<Running> ends = new PriorityQueue<>((a, b) -> a.endsAt().compareTo(b.endsAt()));
        Need free = capacity;
        for (Running r : running) {
            ends.add(r);
            free = free.minus(r.holds());
        }
        Instant t = now;
        List<Optional<Instant>> starts = new ArrayList<>(queue.size());
        for (Waiting w : queue) {
            if (!w.need().within(capacity)) {
                starts.add(Optional.empty());  // never fits: the loop fails it, it holds nothing
                continue;
            }
            while (!w.need().within(free)) {
                Running freed = ends.poll();
                t = later(t, freed.endsAt());
                free = free.plus(freed.holds());
            }
            // A job that may not start yet (a RESERVED job before its window) starts at its time, its cards counted
            // taken from its turn on: pessimistic for the jobs behind it, never optimistic for itself.
            Instant start = w.notBefore() == null ? t : later(t, w.notBefore());
            starts.add(Optional.of(start));
            free = free.minus(w.need());
            ends.add(new Running(w.need(), start.plusSeconds(w.maxRunSeconds())));
        }
        return starts;
    }

    /** A running job on the model's nodes: what it holds on each node it runs on (by index), and its declared end. */
    public record Placed(int[] nodes, Need[] holds, Instant endsAt) {}

    /**
     * A node (by index) that a reservation of {@code tenant} holds from {@code from} (null: already) until
     * {@code until}, as the scheduling loop holds it (for a window open now) or keeps it (for a window to come). As
     * the loop's rule goes, a job of another tenant that is not preemptible may not run on it at any time in
     * [from, until): it runs there only if it ends by {@code from}, or starts at {@code until} or later. The tenant's
     * own jobs and preemptible ones may use it.
     */
    public record Hold(int node, Object tenant, Instant from, Instant until) {

        /** The "tenant" of a maintenance window's hold: nobody's, barring every job. */
        private static final Object MAINTENANCE = new Object() {
            @Override
            public String toString() {
                return "MAINTENANCE";
            }
        };

        /**
         * A node's maintenance window from {@code from} (null: under way) until {@code until}: it bars every job, as a
         * reservation's hold bars other tenants' non-preemptible ones, and preemptible ones too (the loop lets those
         * start before the window, but stops them at its start: a plan counts only runs that are not cut).
         */
        public static Hold maintenance(int node, Instant from, Instant until) {
            return new Hold(node, MAINTENANCE, from, until);
        }

        boolean bars(Waiting job) {
            return tenant == MAINTENANCE || !job.preemptible() && !java.util.Objects.equals(tenant, job.tenant());
        }
    }

    /**
     * The same queue on the model's nodes one by one ({@code nodes}: what each has in service), then {@code job}, each
     * job planned in its turn at the earliest time it fits for its whole {@code maxRunSeconds} around the jobs planned
     * before it (conservative backfilling: a job ahead that must wait for a whole node does not hold back a smaller
     * one behind it that fits meanwhile, and the smaller one does not delay it). A job that fits one node gets the
     * earliest node (the fullest one at that time, the tightest fit); a gang larger than every node the whole cards
     * each node keeps free throughout its run, summed over the nodes (its CPU and memory not counted). Running jobs
     * free what they hold on each node at their declared ends. Later arrivals, preemption and fair share are left
     * out; fractions of a card count on their node's cards taken together. Empty if the job can never fit.
     */
    public static Optional<Instant> earliestOnNodes(List<Need> nodes, List<Placed> running, List<Waiting> ahead,
            Waiting job, Instant now) {
        return earliestOnNodes(nodes, new int[nodes.size()], running, ahead, job, now);
    }

    /**
     * The same, with each node's block ({@code blockOf}, small integers by node): a gang that must stay in one block
     * ({@link Waiting#oneBlock}) counts the cards of one block at a time.
     */
    public static Optional<Instant> earliestOnNodes(List<Need> nodes, int[] blockOf, List<Placed> running,
            List<Waiting> ahead, Waiting job, Instant now) {
        return earliestOnNodes(nodes, blockOf, running, List.of(), ahead, job, now);
    }

    /** The same, around the nodes reservations hold or keep ({@code holds}): each job uses those it may. */
    public static Optional<Instant> earliestOnNodes(List<Need> nodes, int[] blockOf, List<Placed> running,
            List<Hold> holds, List<Waiting> ahead, Waiting job, Instant now) {
        NodePlan plan = new NodePlan(nodes, blockOf, running, holds, micros(now));
        if (!plan.everFits(job)) {
            return Optional.empty();
        }
        for (Waiting w : ahead) {
            if (plan.everFits(w)) {  // one that never fits: the loop fails it, it holds nothing
                plan.plan(w, w.maxRunSeconds() * 1_000_000L, true);
            }
        }
        return Optional.of(instant(plan.plan(job, Math.max(1, job.maxRunSeconds()) * 1_000_000L, false)));
    }

    /**
     * The same plan of a whole queue, giving every job's start in its turn (empty for one that can never fit): a
     * job's start depends only on the jobs before it, so entry {@code k} is {@link #earliestOnNodes} of job {@code k}
     * behind the {@code k} before it (for a job of at least one second), and one plan answers for every job in it.
     */
    public static List<Optional<Instant>> startsOnNodes(List<Need> nodes, int[] blockOf, List<Placed> running,
            List<Waiting> queue, Instant now) {
        return startsOnNodes(nodes, blockOf, running, List.of(), queue, now);
    }

    /**
     * The same, around the nodes reservations hold or keep ({@code holds}): each job of the queue uses those it may,
     * so one plan still answers for every job in it, whatever its tenant.
     */
    public static List<Optional<Instant>> startsOnNodes(List<Need> nodes, int[] blockOf, List<Placed> running,
            List<Hold> holds, List<Waiting> queue, Instant now) {
        NodePlan plan = new NodePlan(nodes, blockOf, running, holds, micros(now));
        List<Optional<Instant>> starts = new ArrayList<>(queue.size());
        for (Waiting w : queue) {
            starts.add(plan.everFits(w)
                    ? Optional.of(instant(plan.plan(w, Math.max(1, w.maxRunSeconds()) * 1_000_000L, true)))
                    : Optional.empty());
        }
        return starts;
    }

    /**
     * Each node's free cards, CPU and memory over time: what is free now and the changes to come (a running job's
     * end gives back; a planned job takes at its start and gives back at its end), by time in epoch microseconds
     * (the database's precision).
     */
    private static final class NodePlan {
        private final long now;
        private final long[][] capacity;  // per node: cards, cpu, memory
        private final long[][] free;      // per node, now
        private final List<TreeMap<Long, long[]>> changes = new ArrayList<>();
        private final long largestNode;
        /** Per block: its nodes' whole cards. */
        private final long[] wholeCards;
        private final int[] blockOf;
        /** Per node, the reservations' holds on it (null: none). */
        private final List<List<Hold>> holds;

        NodePlan(List<Need> nodes, int[] blockOf, List<Placed> running, List<Hold> holds, long now) {
            this.now = now;
            this.blockOf = blockOf;
            int n = nodes.size();
            capacity = new long[n][];
            free = new long[n][];
            long largest = 0;
            wholeCards = new long[Arrays.stream(blockOf).max().orElse(0) + 1];
            for (int i = 0; i < n; i++) {
                Need c = nodes.get(i);
                capacity[i] = new long[] {c.cardsMilli(), c.cpuMilli(), c.memoryMib()};
                free[i] = capacity[i].clone();
                changes.add(new TreeMap<>());
                largest = Math.max(largest, c.cardsMilli());
                wholeCards[blockOf[i]] += c.cardsMilli() / 1000 * 1000;
            }
            largestNode = largest;
            this.holds = new ArrayList<>(java.util.Collections.nCopies(n, (List<Hold>) null));
            for (Hold h : holds) {
                if (micros(h.until()) > now) {  // a hold ended bars nothing
                    if (this.holds.get(h.node()) == null) {
                        this.holds.set(h.node(), new ArrayList<>(1));
                    }
                    this.holds.get(h.node()).add(h);
                }
            }
            for (Placed r : running) {
                for (int k = 0; k < r.nodes().length; k++) {
                    long[] h = amounts(r.holds()[k]);
                    add(free[r.nodes()[k]], h, -1);
                    long end = micros(r.endsAt());
                    if (end > now) {
                        change(r.nodes()[k], end, h, 1);
                    } else {
                        add(free[r.nodes()[k]], h, 1);  // past its declared end: counted free from now
                    }
                }
            }
        }

        /** Whether the job fits the empty nodes: one node, or as a gang their whole cards (one block's, if it must). */
        boolean everFits(Waiting job) {
            Need need = job.need();
            if (need.cardsMilli() > largestNode) {
                return need.cardsMilli() <= (job.oneBlock() ? Arrays.stream(wholeCards).max().orElse(0)
                        : Arrays.stream(wholeCards).sum());
            }
            long[] a = amounts(need);
            for (long[] c : capacity) {
                if (covers(c, a)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The earliest start at which the need fits for {@code durationUs}; if {@code keep}, the job is planned there
         * and takes what it needs over its run.
         */
        long plan(Waiting job, long durationUs, boolean keep) {
            long[] a = amounts(job.need());
            return job.need().cardsMilli() > largestNode ? gang(job, a, durationUs, keep)
                    : oneNode(job, a, durationUs, keep);
        }

        private long oneNode(Waiting job, long[] a, long durationUs, boolean keep) {
            long best = Long.MAX_VALUE;
            int bestNode = -1;
            long bestFree = Long.MAX_VALUE;
            for (int i = 0; i < capacity.length; i++) {
                if (!covers(capacity[i], a)) {
                    continue;
                }
                long[] at = earliestOn(i, freeFor(i, job), changesFor(i, job), a, durationUs, best);
                if (at != null && (at[0] < best || at[0] == best && at[1] < bestFree)) {
                    best = at[0];
                    bestNode = i;
                    bestFree = at[1];
                }
            }
            if (keep) {
                change(bestNode, best, a, -1);
                change(bestNode, best + durationUs, a, 1);
            }
            return best;
        }

        /**
         * On node {@code i}: the earliest start no later than {@code before} from which {@code a} is free for the whole
         * duration, with the cards free at that start; null if none. One pass over the node's changes: the candidate
         * start is the last time {@code a} became free, dropped when it stops being free before the duration is up.
         */
        private long[] earliestOn(int i, long[] freeNow, TreeMap<Long, long[]> ch, long[] a, long durationUs,
                long before) {
            long c = freeNow[0];
            long cpu = freeNow[1];
            long mem = freeNow[2];
            long start = -1;
            long cardsAtStart = 0;
            boolean counted = false;
            for (Map.Entry<Long, long[]> e : ch.entrySet()) {
                long at = e.getKey();
                if (at > now && !counted) {
                    counted = true;  // the changes at now are in: is it free from now?
                    if (c >= a[0] && cpu >= a[1] && mem >= a[2]) {
                        start = now;
                        cardsAtStart = c;
                    }
                }
                if (counted) {
                    if (start >= 0 && at >= start + durationUs) {
                        break;
                    }
                    if (start < 0 ? at > before : start > before) {
                        return null;
                    }
                }
                long[] d = e.getValue();
                c += d[0];
                cpu += d[1];
                mem += d[2];
                if (counted) {
                    if (c >= a[0] && cpu >= a[1] && mem >= a[2]) {
                        if (start < 0) {
                            start = at;
                            cardsAtStart = c;
                        }
                    } else {
                        start = -1;
                    }
                }
            }
            if (!counted && c >= a[0] && cpu >= a[1] && mem >= a[2]) {
                start = now;  // no change after now
                cardsAtStart = c;
            }
            return start >= 0 && start <= before ? new long[] {start, cardsAtStart} : null;
        }

        /**
         * The earliest start from which the whole cards each node keeps free through the run, summed over all nodes,
         * cover a gang of {@code a}; planned there, those cards taken from the nodes in order, if {@code keep}. Each
         * node's least free whole cards over a run starting at s is a step function of s; their sum is found
         * once, as changes by time, and walked to the first start where it covers the gang.
         */
        private long gang(Waiting job, long[] a, long durationUs, boolean keep) {
            boolean oneBlock = job.oneBlock();
            // One sum for a gang free to span blocks, one per block for a gang that must stay in one.
            List<TreeMap<Long, Long>> sums = new ArrayList<>();
            for (int b = 0; b < (oneBlock ? wholeCards.length : 1); b++) {
                sums.add(new TreeMap<>());
            }
            long[][] times = new long[capacity.length][];
            long[][] least = new long[capacity.length][];
            for (int i = 0; i < capacity.length; i++) {
                leastWholeCards(i, freeFor(i, job)[0], changesFor(i, job), durationUs, times, least);
                TreeMap<Long, Long> sum = sums.get(oneBlock ? blockOf[i] : 0);
                long last = 0;
                for (int k = 0; k < times[i].length; k++) {
                    if (least[i][k] != last) {
                        sum.merge(times[i][k], least[i][k] - last, Long::sum);
                        last = least[i][k];
                    }
                }
            }
            long start = Long.MAX_VALUE;
            int block = -1;
            for (int b = 0; b < sums.size(); b++) {
                long covered = 0;
                for (Map.Entry<Long, Long> e : sums.get(b).entrySet()) {
                    if (e.getKey() >= start) {
                        break;
                    }
                    covered += e.getValue();
                    if (covered >= a[0]) {
                        start = e.getKey();
                        block = b;
                        break;
                    }
                }
            }
            if (block < 0) {
                throw new IllegalStateException("a gang that fits the empty nodes fits once every job has ended");
            }
            if (keep) {
                long left = a[0];
                for (int i = 0; i < capacity.length && left > 0; i++) {
                    if (oneBlock && blockOf[i] != block) {
                        continue;
                    }
                    long take = Math.min(left, at(times[i], least[i], start));
                    if (take > 0) {
                        change(i, start, new long[] {take, 0, 0}, -1);
                        change(i, start + durationUs, new long[] {take, 0, 0}, 1);
                        left -= take;
                    }
                }
            }
            return start;
        }

        /**
         * Node {@code i}'s least free whole cards (in milli-cards) over a run of {@code durationUs} starting at s, as
         * a step function of s from now: at {@code times[i][k]} it becomes {@code least[i][k]}. It can change only
         * where a change of the node's free cards enters the run (s = change − duration) or leaves it (s = change).
         */
        private void leastWholeCards(int i, long freeNow, TreeMap<Long, long[]> ch, long durationUs, long[][] times,
                long[][] least) {
            long f = freeNow;
            List<Long> at = new ArrayList<>();
            List<Long> value = new ArrayList<>();
            for (Map.Entry<Long, long[]> e : ch.entrySet()) {
                if (e.getKey() > now) {
                    if (at.isEmpty()) {
                        at.add(now);
                        value.add(f);
                    }
                    at.add(e.getKey());
                    value.add(f + e.getValue()[0]);
                }
                f += e.getValue()[0];
            }
            if (at.isEmpty()) {
                at.add(now);
                value.add(f);
            }
            // Segment k: value.get(k) on [at.get(k), at.get(k + 1)), the last one for ever.
            TreeSet<Long> starts = new TreeSet<>();
            starts.add(now);
            for (long t : at) {
                starts.add(t);
                // A run [s, s + duration) takes in a change at t from s = t - duration + 1 µs on (at t - duration
                // it ends as the change comes).
                if (t - durationUs + 1 > now) {
                    starts.add(t - durationUs + 1);
                }
            }
            times[i] = new long[starts.size()];
            least[i] = new long[starts.size()];
            int n = 0;
            for (long s : starts) {
                long min = Long.MAX_VALUE;
                for (int k = 0; k < at.size(); k++) {
                    long from = at.get(k);
                    long to = k + 1 < at.size() ? at.get(k + 1) : Long.MAX_VALUE;
                    if (from < s + durationUs && to > s) {
                        min = Math.min(min, value.get(k));
                    }
                }
                times[i][n] = s;
                least[i][n++] = Math.max(0, Math.floorDiv(min, 1000) * 1000);
            }
        }

        /**
         * Node {@code i}'s cards, CPU and memory free now as {@code job} sees them: none while a hold it may not use
         * is on.
         */
        private long[] freeFor(int i, Waiting job) {
            List<Hold> on = holds.get(i);
            boolean waits = waitsToStart(job);
            if (on == null && !waits) {
                return free[i];
            }
            long[] f = free[i].clone();
            if (waits) {
                f[0] -= BARRED;
            }
            if (on == null) {
                return f;
            }
            for (Hold h : on) {
                if (h.bars(job) && (h.from() == null || micros(h.from()) <= now)) {
                    f[0] -= BARRED;
                }
            }
            return f;
        }

        /**
         * Node {@code i}'s changes to come as {@code job} sees them: a hold it may not use takes the node's cards (all
         * of them and more) from its start to its end, as a job would.
         */
        private TreeMap<Long, long[]> changesFor(int i, Waiting job) {
            List<Hold> on = holds.get(i);
            boolean waits = waitsToStart(job);
            if (!waits && (on == null || on.stream().noneMatch(h -> h.bars(job)))) {
                return changes.get(i);
            }
            TreeMap<Long, long[]> ch = new TreeMap<>();
            changes.get(i).forEach((t, d) -> ch.put(t, d.clone()));
            if (waits) {
                ch.computeIfAbsent(micros(job.notBefore()), k -> new long[3])[0] += BARRED;
            }
            for (Hold h : on == null ? List.<Hold>of() : on) {
                if (!h.bars(job)) {
                    continue;
                }
                if (h.from() != null && micros(h.from()) > now) {
                    ch.computeIfAbsent(micros(h.from()), k -> new long[3])[0] -= BARRED;
                }
                ch.computeIfAbsent(micros(h.until()), k -> new long[3])[0] += BARRED;
            }
            return ch;
        }

        /** Whether the job may not start before a time to come: every node is barred to it until then. */
        private boolean waitsToStart(Waiting job) {
            return job.notBefore() != null && micros(job.notBefore()) > now;
        }

        /** The value at {@code t} of a step function given by its change times and values. */
        private static long at(long[] times, long[] values, long t) {
            int k = Arrays.binarySearch(times, t);
            k = k >= 0 ? k : -k - 2;
            return k < 0 ? 0 : values[k];
        }

        private void change(int node, long at, long[] a, int sign) {
            long[] d = changes.get(node).computeIfAbsent(at, k -> new long[3]);
            add(d, a, sign);
        }

        private static long[] amounts(Need n) {
            return new long[] {n.cardsMilli(), n.cpuMilli(), n.memoryMib()};
        }

        private static void add(long[] into, long[] d, int sign) {
            into[0] += sign * d[0];
            into[1] += sign * d[1];
            into[2] += sign * d[2];
        }

        private static boolean covers(long[] f, long[] a) {
            return f[0] >= a[0] && f[1] >= a[1] && f[2] >= a[2];
        }
    }

    /** What a hold takes from a node's free cards for a job barred from it: more than any node has, summed safely. */
    private static final long BARRED = 1L << 40;

    /** Epoch microseconds: times from PostgreSQL come to the microsecond, and an estimate gives them back as such. */
    private static long micros(Instant i) {
        return Math.multiplyExact(i.getEpochSecond(), 1_000_000L) + i.getNano() / 1_000;
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private StartEstimate() {}
}

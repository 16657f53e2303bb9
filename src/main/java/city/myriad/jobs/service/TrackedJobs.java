package city.myriad.jobs.service;

import city.myriad.jobs.model.JobPlacement;
import city.myriad.jobs.model.JobRow;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The jobs a cluster's loop tracks (its live jobs: queued, reserved-to-run or running), found by their id and by their
 * id in the allocation core. Rules:
 * <ul>
 *   <li>A job either runs or waits: the waiting ones, in the order they were tracked, are what a cycle's admission and
 *       wait reasons look at; a job that starts leaves them, one stopped comes back.</li>
 *   <li>A running job with a start has a time limit (its start plus its {@code maxRunSeconds}); the limits are kept in
 *       order, so a cycle reads only those due, not every job it tracks.</li>
 *   <li>Core ids are never reused, and a tenant's index in the core is given once, in the order tenants are first
 *       seen: both outlive a rebuild of the core ({@link #clear()} keeps them), so nothing stale can alias.</li>
 * </ul>
 */
final class TrackedJobs {

    /** One job as the loop tracks it. */
    static final class Tracked {
        JobRow row;
        city.myriad.allocation.Job core;
        boolean running;
        /** The last admission said its start would be borrowed (beyond a class-less limit, on idle capacity). */
        boolean borrowNext;
        /** Whether its start this cycle was counted as borrowed (Admission.started). */
        boolean countedBorrowed;
        String refusal;
        /** It waits out of the core for cards out of service to come back (reason CARDS_OUT). */
        boolean forRepair;
        /** While it runs: when its time limit passes; null otherwise. */
        private Instant limitAt;
        /** The stored placement last read, and what it read as: read once per placement, not once per report. */
        private String placementRead;
        private JobPlacement placement;

        Tracked(JobRow row) {
            this.row = row;
        }

        /** When its time limit passes while it runs; null otherwise. */
        Instant limitAt() {
            return limitAt;
        }

        /** Its stored placement, read by {@code reader} once for each placement its row names; null for none. */
        JobPlacement placement(java.util.function.Function<String, JobPlacement> reader) {
            String stored = row.placement();
            if (!java.util.Objects.equals(stored, placementRead)) {
                placement = reader.apply(stored);
                placementRead = stored;
            }
            return placement;
        }
    }

    private final Map<UUID, Tracked> byId = new HashMap<>();
    private final Map<Integer, Tracked> byCore = new HashMap<>();
    private final Set<Tracked> waiting = new LinkedHashSet<>();
    private final TreeSet<Tracked> limits = new TreeSet<>(
            Comparator.comparing((Tracked t) -> t.limitAt).thenComparing(t -> t.row.id()));
    private final Map<UUID, Integer> tenants = new HashMap<>();
    private int nextCoreId;

    /** Forgets every job (a rebuild of the core); core ids and tenants' indexes go on. */
    void clear() {
        byId.clear();
        byCore.clear();
        waiting.clear();
        limits.clear();
    }

    /** Tracks a job of {@code row} as waiting, with no core job yet. */
    Tracked track(JobRow row) {
        Tracked t = new Tracked(row);
        byId.put(row.id(), t);
        waiting.add(t);
        return t;
    }

    /** A new id in the core, never given before. */
    int nextCoreId() {
        return nextCoreId++;
    }

    /** Gives the tracked job its core job, found by the core job's id from now on. */
    void bind(Tracked t, city.myriad.allocation.Job core) {
        t.core = core;
        byCore.put(core.id(), t);
    }

    /** A tenant's index in the core, given in the order tenants are first seen. */
    int tenantIndex(UUID tenant) {
        return tenants.computeIfAbsent(tenant, k -> tenants.size());
    }

    /** Stops tracking the job. */
    void untrack(Tracked t) {
        unlimit(t);
        waiting.remove(t);
        byId.remove(t.row.id());
        if (t.core != null) {
            byCore.remove(t.core.id());
        }
    }

    /** The tracked job of that id; null if none. */
    Tracked get(UUID id) {
        return byId.get(id);
    }

    /** The tracked job of that core job's id; null if none. */
    Tracked ofCore(int coreId) {
        return byCore.get(coreId);
    }

    /** Every tracked job (a view: copy it to change the jobs tracked while walking it). */
    Collection<Tracked> all() {
        return Collections.unmodifiableCollection(byId.values());
    }

    /** The jobs that do not run, in the order they were tracked or stopped (a view). */
    Collection<Tracked> waiting() {
        return Collections.unmodifiableCollection(waiting);
    }

    /** The job runs: it no longer waits. */
    void runs(Tracked t) {
        t.running = true;
        waiting.remove(t);
    }

    /** The job stops running: it waits again, without a time limit. */
    void stops(Tracked t) {
        t.running = false;
        unlimit(t);
        waiting.add(t);
    }

    /** A running job's time limit, from its row's start (again after the row changed); none for a waiting job. */
    void limitFrom(Tracked t) {
        unlimit(t);
        if (t.running && t.row.startedAt() != null) {
            t.limitAt = t.row.startedAt().plusSeconds(t.row.maxRunSeconds());
            limits.add(t);
        }
    }

    /** The running job whose time limit passed first, at or before {@code now}; null if none has. */
    Tracked firstPastLimit(Instant now) {
        return limits.isEmpty() || now.isBefore(limits.first().limitAt) ? null : limits.first();
    }

    private void unlimit(Tracked t) {
        if (t.limitAt != null) {
            limits.remove(t);
            t.limitAt = null;
        }
    }
}

package city.myriad.allocation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The jobs a scheduler runs, by job id, and those with a declared run time by declared end: all of them, and per
 * card model, for the reservations' walks ({@link Head.Walk}). A job whose cards are freed for a what-if (a
 * preemption being weighed) leaves the sets by end and stays by id until it is restored or removed. Every change
 * to the sets counts in {@link #version}, which tells a reservation kept from an earlier scan whether any running
 * job moved since ({@link HeadMemo}).
 */
final class RunningJobs {

    private final Topology topology;
    private final Map<Integer, RunningJob> byId = new HashMap<>();
    private final TreeSet<RunningJob> byEnd = new TreeSet<>(RunningJob.BY_END);
    /**
     * The same per card model, of the jobs with a card on a node of that model: a reservation for a job bound to one
     * model walks only these (the others free nothing it can use), in the same order.
     */
    private final List<TreeSet<RunningJob>> byEndOfModel = new ArrayList<>();
    private long seq;
    private long version;

    RunningJobs(Topology topology) {
        this.topology = topology;
        for (int m = 0; m < Math.max(1, topology.models().size()); m++) {
            byEndOfModel.add(new TreeSet<>(RunningJob.BY_END));
        }
    }

    /**
     * The run of {@code placement} from {@code startS}, numbered in start order, not yet among the running jobs
     * ({@link #add}). Throws if the job runs already: a job runs once at a time.
     */
    RunningJob prepare(Placement placement, double startS) {
        if (byId.containsKey(placement.job().id())) {
            throw new IllegalArgumentException("job " + placement.job().id() + " is already running");
        }
        return new RunningJob(placement, startS, seq++);
    }

    boolean runs(int jobId) {
        return byId.containsKey(jobId);
    }

    /** A prepared run starts: by id and by end. */
    void add(RunningJob r) {
        byId.put(r.job().id(), r);
        index(r, true);
    }

    /** The run of the job with this id, taken out by id (its cards are freed apart, {@link #freed}); null if none. */
    RunningJob remove(int jobId) {
        return byId.remove(jobId);
    }

    /** A run's cards are free (it ended, or is evicted for a what-if): it leaves the sets by end. */
    void freed(RunningJob r) {
        index(r, false);
    }

    /** A run evicted for a what-if holds its cards again. */
    void restored(RunningJob r) {
        index(r, true);
    }

    int size() {
        return byId.size();
    }

    /** Every run, in no order. */
    Iterable<RunningJob> all() {
        return byId.values();
    }

    /** Runs with a finite declared end. */
    int withEnd() {
        return byEnd.size();
    }

    /** Counts every change to the sets by end: starts, ends, what-ifs and their undoing. */
    long version() {
        return version;
    }

    /** The runs by declared end that can free cards for {@code j}: those on its model's nodes if it is bound to one. */
    Iterable<RunningJob> endingFor(Job j) {
        int models = topology.models().size();
        long allowed = models >= 64 ? j.allowedModels() : j.allowedModels() & ((1L << models) - 1);
        if (models > 1 && j.gpus() > 0 && Long.bitCount(allowed) == 1) {
            return byEndOfModel.get(Long.numberOfTrailingZeros(allowed));
        }
        return byEnd;
    }

    private void index(RunningJob r, boolean add) {
        version++;
        if (Double.isInfinite(r.end)) {
            return;
        }
        if (add) {
            byEnd.add(r);
        } else {
            byEnd.remove(r);
        }
        for (int n : r.placement.nodes()) {
            if (topology.cards(n) > 0) {
                TreeSet<RunningJob> ofModel = byEndOfModel.get(topology.model(n));
                if (add) {
                    ofModel.add(r);
                } else {
                    ofModel.remove(r);
                }
            }
        }
    }
}

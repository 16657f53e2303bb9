package city.myriad.allocation;

import java.util.Comparator;

/** A running job: its placement, start, declared end (infinite without a run time), and the order it started in. */
final class RunningJob {

    /** By declared end, then start order; written out for the JIT (see {@link PendingQueues#BY_SUBMISSION}). */
    static final Comparator<RunningJob> BY_END = (a, b) -> {
        int c = Double.compare(a.end, b.end);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    };

    final Placement placement;
    final double start;
    final double end;
    final long seq;
    /** Whether the scheduler charged its tenant's fair share for it (not so for a job resumed after a restart). */
    boolean charged;

    RunningJob(Placement placement, double start, long seq) {
        this.placement = placement;
        this.start = start;
        this.end = start + placement.job().durationS();
        this.seq = seq;
    }

    Job job() {
        return placement.job();
    }
}

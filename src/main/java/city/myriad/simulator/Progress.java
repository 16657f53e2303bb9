package city.myriad.simulator;

import java.io.PrintStream;

/** A progress bar on stderr, redrawn at most ten times a second; silent when disabled. */
public final class Progress {

    private final PrintStream err;
    private final boolean enabled;
    private long lastDraw;

    public Progress(PrintStream err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    public static Progress none() {
        return new Progress(System.err, false);
    }

    public void update(long done, long total) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        int width = 40;
        int filled = total == 0 ? width : (int) (width * done / total);
        err.printf("\r[%s%s] %d/%d", "#".repeat(filled), ".".repeat(width - filled), done, total);
        if (done >= total) {
            err.println();
        }
    }
}

package city.myriad.catalog.model;

import java.time.Instant;

/**
 * Where a maintenance window stands. SCHEDULED until its start (it may be CANCELLED then), IN_PROGRESS until its
 * planned end (it may be COMPLETED earlier, the work done), then COMPLETED. Only the two requests move it; the rest
 * is the clock.
 */
public enum MaintenanceState {
    SCHEDULED, IN_PROGRESS, COMPLETED, CANCELLED;

    public static MaintenanceState of(Maintenance m, Instant now) {
        if (m.cancelledAt != null) {
            return CANCELLED;
        }
        if (now.isBefore(m.startAt)) {
            return SCHEDULED;
        }
        return now.isBefore(m.endsAt()) ? IN_PROGRESS : COMPLETED;
    }

    /** Whether the window may still be called off: it has not begun. */
    public boolean cancellable() {
        return this == SCHEDULED;
    }

    /** Whether the window may be ended now, the work done: it has begun and not ended. */
    public boolean completable() {
        return this == IN_PROGRESS;
    }
}

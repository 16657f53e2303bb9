package city.myriad.metering.service;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Receivers that fail every post are paused, so that an outage does not spend the tries of a tenant's whole backlog
 * (12 tries over about four hours, then FAILED) nor hold the sender's room. Rules, per tenant (its one webhook) and
 * per replica:
 * <ul>
 * <li>After {@link #TRIP_AFTER} tries in a row that failed (no answer, or an answer other than 2xx), the tenant's
 * deliveries are paused: none is leased, each stays PENDING, due, with its tries left.</li>
 * <li>A paused tenant gets one delivery tried at a time, a probe, first {@link #FIRST_PAUSE} after the pause began,
 * then after each failed probe twice as long after the last (at most {@link #LONGEST_PAUSE}).</li>
 * <li>Any delivery of the tenant delivered (a probe, a post sent before the pause that answers at last, or a test
 * event the tenant sends) ends the pause: its deliveries go out again at the full share.</li>
 * </ul>
 * Posts already in flight when the pause begins complete as they will; their failures do not lengthen it.
 */
final class ReceiverPauses {

    /** Failed tries in a row that pause a receiver. */
    static final int TRIP_AFTER = 5;
    /** From the pause to its first probe, unless configured ({@code myriad.webhooks.first-pause}). */
    static final Duration FIRST_PAUSE = Duration.ofSeconds(30);
    /** The longest between two probes. */
    static final Duration LONGEST_PAUSE = Duration.ofMinutes(10);

    /**
     * A tenant's failures: its streak of failed tries; once paused, when the next probe may go, how long the last
     * wait was, and the probe out, if one is.
     */
    private record State(int streak, Instant probeAt, Duration pause, UUID probe) {
        boolean paused() {
            return probeAt != null;
        }
    }

    private final Map<UUID, State> states = new ConcurrentHashMap<>();
    private final Duration firstPause;

    ReceiverPauses(Duration firstPause) {
        this.firstPause = firstPause;
    }

    Duration firstPause() {
        return firstPause;
    }

    /** Whether the tenant's deliveries are paused. */
    boolean paused(UUID tenant) {
        State s = states.get(tenant);
        return s != null && s.paused();
    }

    /** How many of a paused tenant's deliveries may be leased at {@code now}: 1 when a probe is due, else 0. */
    int allowance(UUID tenant, Instant now) {
        State s = states.get(tenant);
        return s == null || !s.paused() ? Integer.MAX_VALUE : s.probe() == null && !now.isBefore(s.probeAt()) ? 1 : 0;
    }

    /** The tenants paused now. */
    java.util.Set<UUID> pausedTenants() {
        java.util.Set<UUID> paused = new java.util.HashSet<>();
        states.forEach((tenant, s) -> {
            if (s.paused()) {
                paused.add(tenant);
            }
        });
        return paused;
    }

    /** A paused tenant's delivery was leased as its probe. */
    void probing(UUID tenant, UUID delivery) {
        states.computeIfPresent(tenant, (t, s) -> s.paused() ? new State(s.streak(), s.probeAt(), s.pause(), delivery)
                : s);
    }

    /**
     * A try of the tenant's delivery completed at {@code now}: delivered or not. Answers whether it changed the
     * pause: {@link Change#PAUSED} when this failure began one, {@link Change#RESUMED} when this delivery ended one.
     */
    Change tried(UUID tenant, UUID delivery, boolean delivered, Instant now) {
        Change[] change = {Change.NONE};
        if (delivered) {
            State before = states.remove(tenant);
            if (before != null && before.paused()) {
                change[0] = Change.RESUMED;
            }
            return change[0];
        }
        states.compute(tenant, (t, s) -> {
            if (s == null || !s.paused()) {
                int streak = s == null ? 1 : s.streak() + 1;
                if (streak < TRIP_AFTER) {
                    return new State(streak, null, null, null);
                }
                change[0] = Change.PAUSED;
                return new State(streak, now.plus(firstPause), firstPause, null);
            }
            if (!delivery.equals(s.probe())) {
                return s;  // a post from before the pause, failing as expected
            }
            Duration longer = s.pause().multipliedBy(2);
            Duration next = longer.compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : longer;
            return new State(s.streak() + 1, now.plus(next), next, null);
        });
        return change[0];
    }

    /**
     * A delivery leased and not sent (its type no longer received): if it was the probe, the next may go at once; it
     * says nothing of the receiver.
     */
    void skipped(UUID tenant, UUID delivery) {
        states.computeIfPresent(tenant, (t, s) -> s.paused() && delivery.equals(s.probe())
                ? new State(s.streak(), s.probeAt(), s.pause(), null) : s);
    }

    /** A test event the receiver took, or the webhook set again: try it at once. */
    Change reset(UUID tenant) {
        State before = states.remove(tenant);
        return before != null && before.paused() ? Change.RESUMED : Change.NONE;
    }

    enum Change { NONE, PAUSED, RESUMED }
}

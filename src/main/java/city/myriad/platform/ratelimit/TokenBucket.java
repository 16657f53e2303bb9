package city.myriad.platform.ratelimit;

/**
 * One account's request allowance: up to {@code burst} requests at once, refilled at {@code perSecond} a second.
 * Taking a request when less than one token is left is refused, and the answer says how long until one is back.
 * Time comes from the caller (nanoseconds, any origin), so the rule is tested without a clock. Thread-safe.
 */
public final class TokenBucket {

    /**
     * What one request got: whether it may go on; the whole requests left after it; the seconds until the bucket
     * is full again (the RateLimit field's {@code t}); the seconds until a refused request may try again (0 when
     * allowed).
     */
    public record Take(boolean allowed, long remaining, long fullInSeconds, long retryAfterSeconds) {}

    /** Rounding of the refill's arithmetic: never a reason to refuse a request that waited as told. */
    private static final double EPSILON = 1e-9;

    private final double perSecond;
    private final double burst;
    private double tokens;
    private long at;

    public TokenBucket(double perSecond, long burst, long nowNanos) {
        if (!(perSecond > 0) || burst < 1) {
            throw new IllegalArgumentException("a bucket refills at a positive rate and holds at least one request");
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokens = burst;
        this.at = nowNanos;
    }

    /** Takes one request's token at {@code nowNanos}, if one is there. */
    public synchronized Take take(long nowNanos) {
        refill(nowNanos);
        boolean allowed = tokens >= 1 - EPSILON;  // a client back after exactly Retry-After is taken
        if (allowed) {
            tokens -= 1;
        }
        long retry = allowed ? 0 : Math.max(1, ceilSeconds((1 - tokens) / perSecond));
        return new Take(allowed, Math.max(0, (long) Math.floor(tokens)), ceilSeconds((burst - tokens) / perSecond), retry);
    }

    /** Whether the bucket is full at {@code nowNanos}: its account has been idle long enough to forget it. */
    public synchronized boolean full(long nowNanos) {
        refill(nowNanos);
        return tokens >= burst;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - at;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed / 1e9 * perSecond);
            at = nowNanos;
        }
    }

    /** Whole seconds, rounded up: a client that waits this long finds what was promised. */
    private static long ceilSeconds(double seconds) {
        return seconds <= 0 ? 0 : (long) Math.ceil(seconds);
    }
}

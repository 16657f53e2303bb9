package city.myriad.platform.ratelimit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The request allowance of every account on this replica: one {@link TokenBucket} per account (a tenant, an
 * operator, or a platform user), made on its first request, refilled and bounded as {@link RateLimitConfig} says
 * for the account. Buckets of idle accounts are full and are forgotten once there are more than
 * {@link #MAX_ACCOUNTS}, so the map never grows with a flood of accounts.
 */
@ApplicationScoped
public class RequestBuckets {

    /** Past this many accounts, the full (idle) buckets are dropped: a full bucket is what a new one would be. */
    static final int MAX_ACCOUNTS = 10_000;

    /** How many requests an account may make: {@code perSecond} refill (0: no limit), bursts of {@code burst}. */
    public record Allowance(double perSecond, long burst) {
        public Allowance {
            if (!(perSecond >= 0) || burst < 1) {
                throw new IllegalArgumentException("an allowance refills at 0 (no limit) or more requests a second and "
                        + "holds at least one: " + perSecond + " / " + burst);
            }
        }

        boolean limited() {
            return perSecond > 0;
        }

        /** The RateLimit-Policy field: the burst as the quota, over the seconds the refill takes to give it back. */
        String policy() {
            return "\"account\";q=" + burst + ";w=" + Math.max(1, (long) Math.ceil(burst / perSecond));
        }
    }

    private final Allowance standard;
    private final Map<String, Allowance> own;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    @Inject
    RequestBuckets(RateLimitConfig config) {
        this(new Allowance(config.requestsPerSecond(), config.burst()), allowances(config));
    }

    RequestBuckets(Allowance standard, Map<String, Allowance> own) {
        this.standard = standard;
        this.own = Map.copyOf(own);
    }

    private static Map<String, Allowance> allowances(RateLimitConfig config) {
        Map<String, Allowance> own = new HashMap<>();
        config.accounts().forEach((account, a) -> own.put(account, new Allowance(a.requestsPerSecond(), a.burst())));
        return own;
    }

    /** The allowance of {@code account}: its own if configured, else the standard one. */
    public Allowance allowance(String account) {
        return own.getOrDefault(account, standard);
    }

    /** One request of {@code account} at {@code nowNanos}; null if the account is not limited. */
    public TokenBucket.Take take(String account, long nowNanos) {
        Allowance allowance = allowance(account);
        if (!allowance.limited()) {
            return null;
        }
        TokenBucket bucket = buckets.get(account);
        if (bucket == null) {
            if (buckets.size() >= MAX_ACCOUNTS) {
                buckets.values().removeIf(b -> b.full(nowNanos));
            }
            bucket = buckets.computeIfAbsent(account,
                    a -> new TokenBucket(allowance.perSecond(), allowance.burst(), nowNanos));
        }
        return bucket.take(nowNanos);
    }

    int accounts() {
        return buckets.size();
    }
}

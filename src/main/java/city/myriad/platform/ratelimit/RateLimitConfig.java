package city.myriad.platform.ratelimit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;

/**
 * The request allowances ({@link RateLimits}). Every account gets {@code requests-per-second} (0: no limit) with
 * bursts of up to {@code burst}; an account named in {@code accounts} (keys {@code tenant:<slug>},
 * {@code operator:<slug>}, {@code user:<subject>}, quoted in a properties file) gets its own: an enterprise that
 * integrates at a higher rate, or a tenant whose runaway script is slowed while it is fixed.
 */
@ConfigMapping(prefix = "myriad.rate-limit")
public interface RateLimitConfig {

    @WithDefault("2000")
    double requestsPerSecond();

    @WithDefault("4000")
    long burst();

    Map<String, Allowance> accounts();

    /** One account's allowance. */
    interface Allowance {
        double requestsPerSecond();

        long burst();
    }
}

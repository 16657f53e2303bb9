package city.myriad.platform.time;

import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * Identifiers for new rows: UUID version 7 (RFC 9562), so that ids sort by creation time and keyset pagination
 * by id lists things oldest first.
 */
@ApplicationScoped
public class Ids {

    private final Clock clock;
    private final RandomGenerator random;

    @jakarta.inject.Inject
    public Ids(Clock clock) {
        this(clock, new SecureRandom());
    }

    Ids(Clock clock, RandomGenerator random) {
        this.clock = clock;
        this.random = random;
    }

    /** The smallest version-7 id of the instant's millisecond: every id made at or after it sorts at or above it. */
    public static UUID firstAt(java.time.Instant at) {
        return new UUID((at.toEpochMilli() << 16) | 0x7000L, 0x8000_0000_0000_0000L);
    }

    public UUID next() {
        return at(clock.millis());
    }

    /**
     * A version-7 id of an instant in the past: a row recorded now for something made then (a run recorded after
     * the fact), so that it sorts among the rows of its time.
     */
    public UUID at(java.time.Instant instant) {
        return at(instant.toEpochMilli());
    }

    private UUID at(long millis) {
        long msb = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }
}

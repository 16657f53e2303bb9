package city.myriad.platform.db;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Reads a {@code timestamptz} column of a native query, whichever Java type the driver hands back, as an instant. */
public final class SqlTimes {

    private SqlTimes() {}

    public static Instant instant(Object value) {
        if (value instanceof OffsetDateTime t) {
            return t.toInstant();
        }
        if (value instanceof LocalDateTime t) {
            return t.toInstant(ZoneOffset.UTC);
        }
        return (Instant) value;
    }

    /** The instant as a UTC timestamp to bind; null stays null. */
    public static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}

package city.myriad.platform.time;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** A billing period: a calendar month in UTC, written {@code 2026-11}. */
public record Period(YearMonth month) implements Comparable<Period> {

    public static Period of(Instant at) {
        return new Period(YearMonth.from(at.atOffset(ZoneOffset.UTC)));
    }

    /** The period written {@code yyyy-MM}, or empty if the text is not one. */
    public static Optional<Period> parse(String text) {
        if (text == null || !text.matches("\\d{4}-(0[1-9]|1[0-2])")) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Period(YearMonth.parse(text)));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    public Instant start() {
        return month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    }

    public Instant end() {
        return next().start();
    }

    public Period next() {
        return new Period(month.plusMonths(1));
    }

    @Override
    public int compareTo(Period other) {
        return month.compareTo(other.month);
    }

    @Override
    public String toString() {
        return month.toString();
    }
}

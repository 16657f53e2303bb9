package city.myriad.platform.validation;

import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/** Query and body fields that services check by hand, refused the one way: 400 VALIDATION_FAILED naming the field. */
public final class Fields {

    private Fields() {}

    public static MyriadProblem.Validation invalid(String field, String reason) {
        return new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "`" + field + "` must be " + reason,
                List.of(Violation.field(field, reason)));
    }

    /** A field that must be present: "`from` is required: an ISO-8601 instant ...". */
    public static MyriadProblem.Validation missing(String field, String what) {
        return new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "`" + field + "` is required: " + what,
                List.of(Violation.field(field, "required: " + what)));
    }

    /**
     * An optional field naming one constant of an enum, spelt as the constant is ({@code state=RUNNING}): null when
     * absent, 400 naming the field and every constant otherwise.
     */
    public static <E extends Enum<E>> E oneOf(String field, String raw, Class<E> type) {
        return oneOf(field, raw, java.util.Arrays.asList(type.getEnumConstants()));
    }

    /** The value of {@code raw} among {@code allowed} (a query field), null if absent; 400 naming them otherwise. */
    public static <E extends Enum<E>> E oneOf(String field, String raw, java.util.Collection<E> allowed) {
        if (raw == null) {
            return null;
        }
        for (E e : allowed) {
            if (e.name().equals(raw)) {
                return e;
            }
        }
        throw invalid(field, "one of " + String.join(", ", allowed.stream().map(Enum::name).toList()));
    }

    /** An optional query flag: {@code true} or {@code false} as JSON spells them, false when absent; 400 otherwise. */
    public static boolean flag(String field, String raw) {
        if (raw == null || raw.equals("false")) {
            return false;
        }
        if (raw.equals("true")) {
            return true;
        }
        throw invalid(field, "true or false");
    }

    /** A query field that must be a whole number from {@code min} to {@code max}, written in decimal digits. */
    public static int intIn(String field, String raw, int min, int max) {
        String reason = "a whole number from " + min + " to " + max;
        if (raw == null || !raw.matches("-?[0-9]{1,10}")) {
            throw invalid(field, reason);
        }
        long value = Long.parseLong(raw);
        if (value < min || value > max) {
            throw invalid(field, reason);
        }
        return (int) value;
    }

    /** A required ISO-8601 instant. */
    public static Instant instant(String field, String text) {
        if (text == null || text.isBlank()) {
            throw missing(field, "an ISO-8601 instant like 2026-11-01T00:00:00Z");
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw invalid(field, "an ISO-8601 instant like 2026-11-01T00:00:00Z");
        }
    }

    /** An interval of optional bounds, {@code from} inclusive and {@code to} exclusive; null for a bound left out. */
    public record Span(Instant from, Instant to) {}

    /** The {@code from} and {@code to} query parameters, each optional: 400 naming {@code to} if not after from. */
    public static Span span(String fromText, String toText) {
        Instant from = fromText == null ? null : instant("from", fromText);
        Instant to = toText == null ? null : instant("to", toText);
        if (from != null && to != null && !to.isAfter(from)) {
            throw invalid("to", "after from");
        }
        return new Span(from, to);
    }
}

package city.myriad.billing.service;

import city.myriad.platform.validation.Fields;
import java.time.Duration;
import java.time.Instant;

/** A window of time asked for in a query, [from, to): both ISO-8601 instants, to after from, at most 400 days. */
record Window(Instant from, Instant to) {

    static final Duration MAX = Duration.ofDays(400);

    /** 400 with the field to fix unless {@code from} and {@code to} make such a window. */
    static Window of(String fromText, String toText) {
        Instant from = Fields.instant("from", fromText);
        Instant to = Fields.instant("to", toText);
        if (!to.isAfter(from)) {
            throw Invoices.invalid("to", "after from");
        }
        if (Duration.between(from, to).compareTo(MAX) > 0) {
            throw Invoices.invalid("to", "at most 400 days after from");
        }
        return new Window(from, to);
    }
}

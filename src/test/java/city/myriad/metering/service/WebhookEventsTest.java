package city.myriad.metering.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.platform.error.MyriadProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The event types of the contract are the ones the database writes, and a webhook's choice of them is checked. */
class WebhookEventsTest {

    /** Every event type a migration names in quotes ('job.started', ...), the types the database raises. */
    static TreeSet<String> typesInMigrations() throws IOException {
        Pattern quoted = Pattern.compile("'((?:alert|reservation|job|audit|invoice|tenant|maintenance|price)\\.[a-z_]+)'");
        TreeSet<String> types = new TreeSet<>();
        try (var files = Files.list(Path.of("src/main/resources/db/migration"))) {
            for (Path p : files.toList()) {
                Matcher m = quoted.matcher(Files.readString(p));
                while (m.find()) {
                    types.add(m.group(1));
                }
            }
        }
        return types;
    }

    @Test
    void the_types_the_database_writes_are_the_contracts_and_every_type_but_alerts_is_written_there()
            throws IOException {
        TreeSet<String> inSql = typesInMigrations();
        assertTrue(WebhookEvents.ALL.containsAll(inSql), "a migration writes a type the contract lacks: " + inSql);
        List<String> raisedByTheDatabase = new ArrayList<>(WebhookEvents.ALL);
        raisedByTheDatabase.remove(WebhookEvents.ALERT_RAISED);  // alerts are raised in Java (Alerts)
        assertTrue(inSql.containsAll(raisedByTheDatabase), "a type no migration writes: " + raisedByTheDatabase
                + " against " + inSql);
    }

    @Test
    void a_choice_is_sorted_without_repeats_and_left_out_it_is_alerts_and_reservation_events() {
        assertEquals(List.of("job.failed", "job.started"),
                WebhookEvents.chosen(List.of("job.started", "job.failed", "job.started")));
        assertEquals(List.of("alert.raised", "reservation.restored", "reservation.short"),
                WebhookEvents.chosen(null));
        assertEquals(new TreeSet<>(WebhookEvents.DEFAULT).stream().toList(), WebhookEvents.DEFAULT,
                "the default is kept sorted, as the column's default is");
    }

    @Test
    void none_an_unknown_type_or_a_null_is_refused_on_events() {
        List<List<String>> refused = List.of(List.of(), List.of("job.finished"), Arrays.asList("job.failed", null));
        for (List<String> bad : refused) {
            MyriadProblem.Validation p = assertThrows(MyriadProblem.Validation.class, () -> WebhookEvents.chosen(bad));
            assertEquals("events", p.violations().get(0).field(), bad.toString());
        }
    }
}

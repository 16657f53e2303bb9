package city.myriad.platform.idempotency;

import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.work.Rounds;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Idempotency keys are kept for {@code myriad.idempotency.retention} (7 days), then removed, an hour's worth at a
 * time, so that a service taking thousands of keyed writes a second does not grow the table (and its primary key, on
 * every keyed write's path) without end. A retry within the retention replays the first answer, as before; a key
 * sent again after it is a new request (Stripe keeps keys 24 hours). Safe on several replicas at once (each delete
 * takes rows by key; two replicas deleting the same rows delete them once).
 */
@ApplicationScoped
public class IdempotencyRetention {

    private static final Logger LOG = Logger.getLogger(IdempotencyRetention.class);
    /** Rows removed by one statement. */
    static final int BATCH = 10_000;
    /** Statements a round runs at most: the rest waits for the next round. */
    private static final int BATCHES_PER_ROUND = 100;

    private final Scoped scoped;
    private final Clock clock;
    private final Duration retention;
    private final boolean enabled;
    private final Duration interval;
    private final MeterRegistry meters;
    private Rounds rounds;

    IdempotencyRetention(Scoped scoped, Clock clock, MeterRegistry meters,
            @ConfigProperty(name = "myriad.idempotency.retention", defaultValue = "P7D") Duration retention,
            @ConfigProperty(name = "myriad.idempotency.prune.enabled", defaultValue = "true") boolean enabled,
            @ConfigProperty(name = "myriad.idempotency.prune.interval", defaultValue = "PT1H") Duration interval) {
        this.scoped = scoped;
        this.clock = clock;
        this.meters = meters;
        this.retention = retention;
        this.enabled = enabled;
        this.interval = interval;
    }

    void start(@Observes StartupEvent event) {
        if (enabled) {
            rounds = Rounds.start("myriad-idempotency", interval, this::prune, LOG, meters);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (rounds != null) {
            rounds.stop();
        }
    }

    /** Removes the keys older than the retention, up to {@link #BATCHES_PER_ROUND} × {@link #BATCH}; how many went. */
    public long prune() {
        Instant before = clock.instant().minus(retention);
        long removed = 0;
        for (int i = 0; i < BATCHES_PER_ROUND; i++) {
            long n = Blocking.await(() -> scoped.asPlatform(() -> SessionSql.select("""
                            with old as (select scope, idempotency_key from idempotency_records
                                          where created_at < :before order by created_at limit :limit),
                                 gone as (delete from idempotency_records r using old
                                           where r.scope = old.scope and r.idempotency_key = old.idempotency_key
                                          returning 1)
                            select count(*) from gone""")
                    .setParameter("before", SqlTimes.utc(before)).setParameter("limit", BATCH)
                    .singleValue(Long.class)));
            removed += n;
            if (n < BATCH) {
                break;
            }
        }
        if (removed > 0) {
            LOG.infof("Removed %d idempotency keys older than %s", removed, retention);
        }
        return removed;
    }
}

package city.myriad.platform.security;

import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.db.SessionSql;
import city.myriad.platform.work.Rounds;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Tokens issued before their holder's access changed: a member removed or a role taken away, an API client whose
 * secret was rotated or that was deleted. The change records its username ({@link #revoke}, in the change's own
 * transaction); every replica reads the records every {@code refresh} and refuses ({@link #revoked}) a token of that
 * username whose {@code iat} is before the second of the change, so the change holds at once on the replica that made
 * it and within {@code refresh} on the others, not when the token expires.
 *
 * <p>Rules: a token issued in the same second as the change is not refused (an {@code iat} has whole seconds, and a
 * new login right after the change must work); a record older than {@code window} (longer than any access token
 * lives) is no longer read, and is removed within the hour after. The instants compared come from two clocks, the
 * database's and the identity provider's: a provider clock behind the database's by d refuses new tokens for d after
 * the change.
 */
@ApplicationScoped
public class TokenRevocations {

    private static final Logger LOG = Logger.getLogger(TokenRevocations.class);

    /** Recorded here in the last few seconds: kept across a refresh that may not see their commit yet. */
    private static final long LOCAL_GRACE_SECONDS = 30;

    private final Scoped scoped;
    private final MeterRegistry meters;
    private final Duration refresh;
    private final Duration window;
    /** Username to the epoch second of its latest change: tokens issued before it are refused. */
    private volatile Map<String, Long> since = Map.of();
    /** This replica's own records, username to epoch second, until a refresh has surely seen them. */
    private final Map<String, Long> local = new ConcurrentHashMap<>();
    private Rounds rounds;
    /** Records past the window are removed at most this often (by each replica; deleting twice deletes once). */
    private static final long PRUNE_EVERY_MILLIS = 3_600_000;
    private volatile long lastPruneMillis;

    TokenRevocations(Scoped scoped, MeterRegistry meters,
            @ConfigProperty(name = "myriad.security.revocations.refresh", defaultValue = "PT2S") Duration refresh,
            @ConfigProperty(name = "myriad.security.revocations.window", defaultValue = "PT24H") Duration window) {
        this.scoped = scoped;
        this.meters = meters;
        this.refresh = refresh;
        this.window = window;
    }

    void start(@Observes StartupEvent event) {
        rounds = Rounds.start("myriad-token-revocations", refresh, this::refresh, LOG, meters);
    }

    void stop(@Observes ShutdownEvent event) {
        if (rounds != null) {
            rounds.stop();
        }
    }

    /**
     * Records, in the caller's transaction, that {@code username}'s access changed now: its tokens issued before this
     * second are refused from then on.
     */
    public Uni<Void> revoke(String username) {
        return SessionSql.select("""
                        insert into token_revocations (username, revoked_at) values (:username, now())
                        on conflict (username) do update set revoked_at = greatest(token_revocations.revoked_at,
                                                                                   excluded.revoked_at)
                        returning cast(floor(extract(epoch from revoked_at)) as bigint)""")
                .setParameter("username", username).singleValue(Long.class)
                .invoke(second -> local.merge(username, second, Math::max))
                .replaceWithVoid();
    }

    /** Whether a token of {@code username} issued at {@code issuedAt} (epoch seconds) was issued before a change. */
    public boolean revoked(String username, long issuedAt) {
        Long at = since.get(username);
        Long mine = local.get(username);
        long changed = Math.max(at == null ? Long.MIN_VALUE : at, mine == null ? Long.MIN_VALUE : mine);
        return issuedAt < changed;
    }

    /** Reads the records of the window again (every {@code refresh}); once an hour, removes those past it. */
    void refresh() {
        long nowMillis = System.currentTimeMillis();
        if (nowMillis - lastPruneMillis >= PRUNE_EVERY_MILLIS) {
            lastPruneMillis = nowMillis;
            prune();
        }
        List<Object[]> rows = Blocking.await(() -> scoped.asPlatform(() -> SessionSql.select("""
                        select username, cast(floor(extract(epoch from revoked_at)) as bigint) from token_revocations
                         where revoked_at > now() - make_interval(secs => :window)""")
                .setParameter("window", window.toSeconds()).getResultList()));
        Map<String, Long> read = new HashMap<>();
        for (Object[] r : rows) {
            read.put((String) r[0], ((Number) r[1]).longValue());
        }
        since = Map.copyOf(read);
        long forget = System.currentTimeMillis() / 1000 - LOCAL_GRACE_SECONDS;
        local.entrySet().removeIf(e -> e.getValue() < forget);
    }

    /** Removes the records past the window; how many went. */
    long prune() {
        long removed = Blocking.await(() -> scoped.asPlatform(() -> SessionSql.select("""
                        with gone as (delete from token_revocations
                                       where revoked_at < now() - make_interval(secs => :window) returning 1)
                        select count(*) from gone""")
                .setParameter("window", window.toSeconds()).singleValue(Long.class)));
        if (removed > 0) {
            LOG.infof("Removed %d token revocations older than %s", removed, window);
        }
        return removed;
    }
}

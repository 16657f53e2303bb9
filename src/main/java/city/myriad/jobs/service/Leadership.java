package city.myriad.jobs.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.platform.work.Rounds;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Which clusters one replica schedules. The replica keeps one database session of its own and, on it, tries the
 * session-level advisory lock of every cluster ({@code pg_try_advisory_lock}); the lock is held as long as the
 * session lives, so when the replica dies (or its session does) PostgreSQL releases its locks and another replica
 * wins them at its next try. Winning a cluster raises the cluster's leader epoch; every cycle of its loop commits
 * only while the epoch is still its own, so a replica that lost its session but has not noticed yet can write
 * nothing.
 */
public final class Leadership implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Leadership.class);

    private final String replica;
    private final LockSessions sessions;
    private final LoopParts parts;
    private final ClusterSupply clusters;
    private final Duration every;
    private final Map<UUID, ClusterLoop> loops = new ConcurrentHashMap<>();
    private volatile SqlConnection session;
    private volatile boolean closed;
    private Rounds rounds;

    Leadership(String replica, LockSessions sessions, LoopParts parts, ClusterSupply clusters, Duration every) {
        this.replica = replica;
        this.sessions = sessions;
        this.parts = parts;
        this.clusters = clusters;
        this.every = every;
    }

    public String replica() {
        return replica;
    }

    /** Starts trying for clusters, now and then every {@code every}. */
    public void start() {
        // One name for every replica: the worker's series at /q/metrics stays one across restarts (the pod labels
        // tell replicas apart; the log lines name the replica).
        rounds = Rounds.start("myriad-leadership", every, this::tryOnce, LOG, parts.meters);
    }

    /** The clusters this replica schedules now. */
    public Set<UUID> leading() {
        loops.values().removeIf(ClusterLoop::stopped);
        return Set.copyOf(loops.keySet());
    }

    /** The epoch under which this replica schedules the cluster, or -1. */
    public long epochOf(UUID clusterId) {
        ClusterLoop l = loops.get(clusterId);
        return l == null || l.stopped() ? -1 : l.epoch();
    }

    void wake(UUID clusterId) {
        ClusterLoop l = loops.get(clusterId);
        if (l != null) {
            l.wake();
        }
    }

    /** One round: the session is alive (else every loop stops), then a try for every cluster not led yet. */
    public void tryOnce() {
        try {
            SqlConnection s = session;
            if (s == null) {
                s = sessions.open();
                session = s;
            }
            s.query("select 1").execute().await().atMost(Duration.ofSeconds(10));
            List<ClusterSupply.ClusterRef> all = parts.await(clusters::all);
            for (ClusterSupply.ClusterRef c : all) {
                ClusterLoop l = loops.get(c.id());
                if (l != null && !l.stopped()) {
                    continue;
                }
                boolean won = s.preparedQuery("select pg_try_advisory_lock(hashtextextended($1, 0)) as won")
                        .execute(Tuple.of("scheduler/" + c.id())).await().atMost(Duration.ofSeconds(10))
                        .iterator().next().getBoolean("won");
                if (won) {
                    long epoch = parts.await(() -> parts.scoped.unscoped(() -> parts.feed.lead(c.id(), replica,
                            parts.clock.instant())));
                    ClusterLoop loop = new ClusterLoop(c.id(), epoch, parts);
                    loops.put(c.id(), loop);
                    Thread t = new Thread(loop, "myriad-scheduler-" + c.id().toString().substring(0, 8));
                    t.setDaemon(true);
                    t.start();
                    LOG.infof("%s schedules cluster %s (epoch %d)", replica, c.id(), epoch);
                }
            }
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warnf("%s lost its database session (%s): its loops stop; it will try again", replica,
                        e.getMessage());
            }
            loseSession();
        }
    }

    /** The session is gone (or given up): PostgreSQL has released its locks, so the loops must stop. */
    private void loseSession() {
        loops.values().forEach(ClusterLoop::stop);
        loops.clear();
        SqlConnection s = session;
        session = null;
        if (s != null) {
            try {
                s.close().await().atMost(Duration.ofSeconds(5));
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
    }

    /**
     * Dies as a crashed replica would, for failover tests: its lock session is closed (its locks free at once)
     * while its loops are not told; they find out at their next commit, which the epoch fence refuses.
     */
    public void dropSessionAbruptly() {
        SqlConnection s = session;
        session = null;
        closed = true;
        if (rounds != null) {
            rounds.stop();
        }
        if (s != null) {
            s.close().await().atMost(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() {
        closed = true;
        if (rounds != null) {
            rounds.stop();
        }
        for (ClusterLoop l : loops.values()) {
            l.stop();
        }
        for (ClusterLoop l : loops.values()) {
            try {
                l.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        loseSession();
    }
}

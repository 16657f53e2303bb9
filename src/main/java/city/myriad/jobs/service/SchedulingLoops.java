package city.myriad.jobs.service;

import city.myriad.catalog.service.ClusterSupply;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * This replica's share of the scheduling: for every cluster whose advisory lock it wins, it runs that cluster's
 * loop ({@link ClusterLoop}). Which replica schedules a cluster is decided by PostgreSQL alone (see
 * {@link Leadership}), so replicas need no other coordination. Off with {@code myriad.scheduler.enabled=false}.
 */
@ApplicationScoped
public class SchedulingLoops {

    private static final Logger LOG = Logger.getLogger(SchedulingLoops.class);

    private final LockSessions sessions;
    private final LoopParts parts;
    private final ClusterSupply clusters;
    private final boolean enabled;
    private final String replica;
    private final QueuePlans plans;
    private volatile Leadership leadership;

    SchedulingLoops(LockSessions sessions, LoopParts parts, ClusterSupply clusters, QueuePlans plans,
            @ConfigProperty(name = "myriad.scheduler.enabled", defaultValue = "true") boolean enabled,
            @ConfigProperty(name = "myriad.scheduler.replica") Optional<String> replica) {
        this.sessions = sessions;
        this.plans = plans;
        this.parts = parts;
        this.clusters = clusters;
        this.enabled = enabled;
        this.replica = replica.orElse("replica-" + UUID.randomUUID().toString().substring(0, 8));
    }

    void start(@Observes StartupEvent event) {
        if (enabled) {
            leadership = new Leadership(replica, sessions, parts, clusters, Duration.ofSeconds(1));
            leadership.start();
            LOG.infof("Scheduling loops on, as %s", replica);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        Leadership l = leadership;
        if (l != null) {
            l.close();
        }
    }

    /**
     * Something changed for the cluster: the start estimates planned on its queue are forgotten, and if this replica
     * schedules it, its loop runs a cycle now.
     */
    public void wake(UUID clusterId) {
        plans.changed(clusterId);
        Leadership l = leadership;
        if (l != null) {
            l.wake(clusterId);
        }
    }

    /**
     * Agents acknowledged assignments (JOB_STARTED, JOB_STOPPED): the jobs' states, and so the start estimates, are as
     * they were; if this replica schedules the cluster, its loop runs a cycle now.
     */
    public void acknowledged(UUID clusterId) {
        Leadership l = leadership;
        if (l != null) {
            l.wake(clusterId);
        }
    }

    /** This replica's leadership (null when scheduling is off). */
    public Leadership leadership() {
        return leadership;
    }

    /**
     * Failover, for tests: this replica's leadership dies as a crashed process would (its lock session is cut, its
     * loops are not told), and a new one named {@code replica} takes its place. Returns the one that died.
     */
    public Leadership failover(String replica) {
        Leadership dead = leadership;
        Leadership next = new Leadership(replica, sessions, parts, clusters, Duration.ofMillis(200));
        if (dead != null) {
            dead.dropSessionAbruptly();
        }
        leadership = next;
        next.start();
        return dead;
    }

    /** A second replica's leadership in this process, for tests of failover: same database, its own lock session. */
    public Leadership replica(String name) {
        return new Leadership(name, sessions, parts, clusters, Duration.ofMillis(200));
    }
}

package city.myriad.jobs.service;

import city.myriad.jobs.mapping.JobsApi.CardLimitUse;
import city.myriad.jobs.mapping.JobsApi.QuotaUseView;
import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.Reasons;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.jobs.repository.JobRepository.LiveSum;
import city.myriad.market.service.LiveReservations;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.security.Caller;
import city.myriad.quota.service.QuotaLimits;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A tenant's or a project's card limits beside what counts against them now, as the scheduling loop's admission
 * counts it ({@link LoopAdmission}): a limit of a class counts that class's runs, a class-less one every class's; a
 * SPOT run beyond a class-less limit is borrowed and counts against none; the tenant's limits count all its projects'
 * runs, a project's its own. What a tenant admin reads to see why jobs wait {@code QUOTA} and how much room is left;
 * for a limit on RESERVED work, also how many cards its reservations hold now and at most from now on (a purchase may
 * not take them past it).
 */
@ApplicationScoped
public class QuotaUse {

    private final TenantProjects tenants;
    private final QuotaLimits quotas;
    private final Scoped scoped;
    private final JobRepository jobs;
    private final LiveReservations reservations;
    private final Clock clock;

    QuotaUse(TenantProjects tenants, QuotaLimits quotas, Scoped scoped, JobRepository jobs,
            LiveReservations reservations, Clock clock) {
        this.reservations = reservations;
        this.tenants = tenants;
        this.quotas = quotas;
        this.scoped = scoped;
        this.jobs = jobs;
        this.clock = clock;
    }

    /** The tenant's own limits and their use (any role of the tenant; platform admins). */
    public Uni<QuotaUseView> ofTenant(Caller caller, UUID tenantId) {
        return tenants.tenant(caller, tenantId, false).chain(tenant -> read(tenant, null));
    }

    /** The project's limits and their use; 404 PROJECT_NOT_FOUND for a project of no such id in the tenant. */
    public Uni<QuotaUseView> ofProject(Caller caller, UUID tenantId, UUID projectId) {
        return tenants.tenant(caller, tenantId, false)
                .chain(tenant -> tenants.projectOf(tenant, projectId).chain(project -> read(tenant, project)));
    }

    private Uni<QuotaUseView> read(UUID tenant, UUID project) {
        Instant now = clock.instant();
        // The project's limits are read with the tenant's; for the tenant alone a project of no id reads as none.
        return quotas.of(tenant, project == null ? CardQuota.NO_PROJECT : project)
                .chain(limits -> scoped.asTenant(tenant, () -> jobs.liveSums(tenant)
                                .chain(sums -> reservations.of(tenant, now).map(held -> use(project == null
                                        ? limits.tenant().cards() : limits.project().cards(), sums, project, held,
                                        now))))
                        .map(use -> new QuotaUseView(tenant, project, use, now)));
    }

    /**
     * A limit on RESERVED work (of that class, or class-less) also bounds the cards reserved at once (what a purchase
     * or an extension checks): the cards of {@code held} counted against it now, and the most at once from now on.
     */
    static int[] reserved(QuotaLimits.Limit l, List<LiveReservations.Held> held, UUID project, Instant now) {
        if (l.priceClass() != null && !JobClass.RESERVED.name().equals(l.priceClass())) {
            return new int[] {0, 0};
        }
        List<LiveReservations.Held> counted = held.stream()
                .filter(h -> (project == null || project.equals(h.projectId())) && l.clusterId().equals(h.clusterId())
                        && l.model().equals(h.model()))
                .toList();
        int atNow = counted.stream().filter(h -> !h.startAt().isAfter(now) && h.endAt().isAfter(now))
                .mapToInt(LiveReservations.Held::cards).sum();
        Instant last = counted.stream().map(LiveReservations.Held::endAt).max(Instant::compareTo).orElse(now);
        return new int[] {atNow, last.isAfter(now) ? LiveReservations.peak(counted, now, last) : 0};
    }

    /** Each limit with what counts against it among {@code sums}, of {@code project} only when not null. */
    static List<CardLimitUse> use(List<QuotaLimits.Limit> limits, List<LiveSum> sums, UUID project,
            List<LiveReservations.Held> held, Instant now) {
        return limits.stream().map(l -> {
            long inUse = 0;
            long queued = 0;
            long waiting = 0;
            long borrowed = 0;
            for (LiveSum s : sums) {
                if ((project != null && !project.equals(s.projectId())) || !l.clusterId().equals(s.clusterId())
                        || !l.model().equals(s.model())) {
                    continue;
                }
                boolean running = "RUNNING".equals(s.state());
                boolean ofClass = l.priceClass() == null || l.priceClass().equals(s.jobClass());
                if (running && s.borrowed()) {
                    borrowed += l.priceClass() == null ? s.cardsMilli() : 0;
                } else if (running && ofClass) {
                    inUse += s.cardsMilli();
                } else if (!running && binds(l, s.jobClass())) {
                    queued += s.cardsMilli();
                    if (s.reason() != null && s.reason().equals(Reasons.QUOTA)) {
                        waiting += s.jobs();
                    }
                }
            }
            int[] reserved = reserved(l, held, project, now);
            return new CardLimitUse(l.clusterId(), l.model(), l.priceClass(), l.limit(), cards(inUse),
                    cards(Math.max(0, l.limit() * 1000L - inUse)), cards(queued), waiting, cards(borrowed),
                    reserved[0], reserved[1]);
        }).toList();
    }

    /** Whether the limit binds a job of the class (as {@link CardQuota}): its class, or any but SPOT if class-less. */
    private static boolean binds(QuotaLimits.Limit l, String jobClass) {
        return l.priceClass() == null ? !JobClass.SPOT.name().equals(jobClass) : l.priceClass().equals(jobClass);
    }

    private static BigDecimal cards(long milli) {
        return ClusterQueues.cards(milli);
    }
}

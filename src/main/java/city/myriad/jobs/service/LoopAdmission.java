package city.myriad.jobs.service;

import city.myriad.jobs.model.JobClass;
import city.myriad.jobs.model.JobRow;
import city.myriad.jobs.model.Reasons;
import city.myriad.market.service.JobPricing.ReservationRef;
import city.myriad.quota.service.QuotaLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * What one cluster's loop admits to start, as the core asks it job by job within a cycle. It keeps what runs on the
 * cluster now, in milli-cards: per quota scope (a tenant, or a project) × model × class, borrowed runs apart (a SPOT
 * run beyond a class-less limit, on idle capacity, counts against nobody's quota), and per reservation. The rules:
 * <ul>
 *   <li>no job of a tenant suspended from new work starts (it waits, {@code TENANT_SUSPENDED});</li>
 *   <li>a RESERVED job starts only while its reservation's window is open, and only within its cards;</li>
 *   <li>a job starts only within every card limit of its tenant and project that binds its model and class;</li>
 *   <li>a SPOT job beyond a class-less limit may still start, borrowed: it is reclaimed first;</li>
 *   <li>a job of an array with {@code maxRunning} starts only while fewer of the array's jobs run
 *   ({@code ARRAY_LIMIT}).</li>
 * </ul>
 * The card limits are read per tenant and project when a waiting job needs them, and again after {@link #QUOTA_TTL}.
 * Budgets and GPU-hour limits are not checked here: submission checks them ({@link JobService}), and
 * {@link BudgetStops} ends running ON_DEMAND work when a budget with the STOP policy is used up.
 */
final class LoopAdmission {

    /** How long the card limits read for a tenant and project are used before they are read again. */
    static final Duration QUOTA_TTL = Duration.ofSeconds(5);

    /** How long an array's {@code maxRunning} read is used before it is read again (updateJobArray may change it). */
    static final Duration ARRAY_LIMIT_TTL = Duration.ofSeconds(5);

    /** Whose quota a job counts against. */
    record Owner(UUID tenant, UUID project) {}

    /** The answer for one job: admitted (maybe {@code borrowed}), or refused for {@code refusal} (a wait reason). */
    record Verdict(String refusal, boolean borrowed) {
        static final Verdict ADMIT = new Verdict(null, false);
        static final Verdict BORROWED = new Verdict(null, true);

        boolean admitted() {
            return refusal == null;
        }
    }

    private final UUID clusterId;
    private final BiFunction<UUID, UUID, QuotaLimits.Effective> readLimits;
    private final java.util.function.Function<UUID, Integer> readArrayLimit;
    /** Per job array seen, how many of its jobs may run at once (0: no limit of its own), and when that was read. */
    private final Map<UUID, Integer> arrayLimits = new HashMap<>();
    private final Map<UUID, Instant> arrayLimitsAt = new HashMap<>();
    /** Per job array, how many of its jobs run now. */
    private final Map<UUID, Integer> arrayRunning = new HashMap<>();
    private final Map<String, Long> running = new HashMap<>();
    private final Map<UUID, Long> reservedRunning = new HashMap<>();
    private final Map<Owner, QuotaLimits.Effective> limits = new HashMap<>();
    private final Map<Owner, Instant> limitsAt = new HashMap<>();
    private Map<UUID, ReservationRef> open = Map.of();
    private Set<UUID> suspended = Set.of();
    /** The cycle's time, as {@link #loadLimits} was given it: a job eligible later waits (NOT_BEFORE). */
    private Instant now;

    /** {@code readLimits}: a tenant's and project's effective limits (tenant id, project id), read when needed. */
    LoopAdmission(UUID clusterId, BiFunction<UUID, UUID, QuotaLimits.Effective> readLimits) {
        this(clusterId, readLimits, array -> 0);
    }

    /** As above; {@code readArrayLimit}: a job array's {@code maxRunning} (0: none), read again after a TTL. */
    LoopAdmission(UUID clusterId, BiFunction<UUID, UUID, QuotaLimits.Effective> readLimits,
            java.util.function.Function<UUID, Integer> readArrayLimit) {
        this.clusterId = clusterId;
        this.readLimits = readLimits;
        this.readArrayLimit = readArrayLimit;
    }

    /** Forgets what runs (the core is rebuilt and every run counted again); the limits read stay until they expire. */
    void clearRunning() {
        running.clear();
        reservedRunning.clear();
        arrayRunning.clear();
    }

    /** The reservations whose window is open now, by id. */
    void openReservations(Map<UUID, ReservationRef> byId) {
        open = Map.copyOf(byId);
    }

    /** The tenants suspended from new work now: none of their jobs starts. */
    void suspendedTenants(Set<UUID> tenants) {
        suspended = Set.copyOf(tenants);
    }

    /** A run of {@code row} starts ({@code sign} +1) or ends (-1); a borrowed run counts against no quota. */
    void count(JobRow row, int sign, boolean borrowed) {
        long milli = sign * (long) row.cardsMilli();
        if (row.arrayId() != null) {
            arrayRunning.merge(row.arrayId(), sign, (a, b) -> a + b == 0 ? null : a + b);
        }
        if (row.reservationId() != null) {
            reservedRunning.merge(row.reservationId(), milli, Long::sum);
        }
        if (borrowed) {
            return;
        }
        running.merge(key(row.tenantId(), row.model(), row.jobClass().name()), milli, Long::sum);
        running.merge(key(row.projectId(), row.model(), row.jobClass().name()), milli, Long::sum);
    }

    /** Reads the limits of every owner of {@code waiting} not read within {@link #QUOTA_TTL} of {@code now}. */
    void loadLimits(Iterable<JobRow> waiting, Instant now) {
        this.now = now;
        Set<Owner> needed = new HashSet<>();
        Set<UUID> arrays = new HashSet<>();
        for (JobRow row : waiting) {
            needed.add(new Owner(row.tenantId(), row.projectId()));
            if (row.arrayId() != null && arrays.add(row.arrayId())) {
                Instant at = arrayLimitsAt.get(row.arrayId());
                if (at == null || Duration.between(at, now).compareTo(ARRAY_LIMIT_TTL) > 0) {
                    arrayLimits.put(row.arrayId(), readArrayLimit.apply(row.arrayId()));
                    arrayLimitsAt.put(row.arrayId(), now);
                }
            }
        }
        // Only arrays with jobs waiting are asked about: the others' limits are forgotten (read again if needed).
        arrayLimits.keySet().retainAll(arrays);
        arrayLimitsAt.keySet().retainAll(arrays);
        for (Owner k : needed) {
            Instant at = limitsAt.get(k);
            if (at == null || Duration.between(at, now).compareTo(QUOTA_TTL) > 0) {
                limits.put(k, readLimits.apply(k.tenant(), k.project()));
                limitsAt.put(k, now);
            }
        }
    }

    /** Whether {@code r} may start now on top of what runs, and whether it would run borrowed. */
    Verdict admit(JobRow r) {
        if (now != null && r.eligibleAt().isAfter(now)) {
            return new Verdict(Reasons.NOT_BEFORE, false);  // notBefore has not come
        }
        if (suspended.contains(r.tenantId())) {
            return new Verdict(Reasons.TENANT_SUSPENDED, false);
        }
        if (r.arrayId() != null) {
            int most = arrayLimits.getOrDefault(r.arrayId(), 0);
            if (most > 0 && arrayRunning.getOrDefault(r.arrayId(), 0) >= most) {
                return new Verdict(Reasons.ARRAY_LIMIT, false);
            }
        }
        if (r.jobClass() == JobClass.RESERVED) {
            ReservationRef res = open.get(r.reservationId());
            if (res == null) {
                return new Verdict(Reasons.RESERVATION_NOT_STARTED, false);
            }
            if (reservedRunning.getOrDefault(res.id(), 0L) + r.cardsMilli() > res.cards() * 1000L) {
                return new Verdict(Reasons.RESERVATION_FULL, false);
            }
        }
        QuotaLimits.Effective q = limits.get(new Owner(r.tenantId(), r.projectId()));
        if (q == null) {
            return Verdict.ADMIT;
        }
        for (CardQuota.Binding b : CardQuota.bindings(q, clusterId, r.model(), r.jobClass(), false)) {
            UUID scope = b.tenantWide() ? r.tenantId() : r.projectId();
            if (used(scope, r.model(), b.limit().priceClass()) + r.cardsMilli() > b.limit().limit() * 1000L) {
                return new Verdict(Reasons.QUOTA, false);
            }
        }
        for (CardQuota.Binding b : CardQuota.bindings(q, clusterId, r.model(), r.jobClass(), true)) {
            UUID scope = b.tenantWide() ? r.tenantId() : r.projectId();
            if (used(scope, r.model(), null) + r.cardsMilli() > b.limit().limit() * 1000L) {
                return Verdict.BORROWED;  // beyond the quota on idle capacity: borrowed, reclaimed first
            }
        }
        return Verdict.ADMIT;
    }

    /** Milli-cards of {@code model} running unborrowed in {@code scope}, of one class or (null) of every class. */
    long used(UUID scope, String model, String jobClass) {
        if (jobClass != null) {
            return running.getOrDefault(key(scope, model, jobClass), 0L);
        }
        long sum = 0;
        for (JobClass c : JobClass.values()) {
            sum += running.getOrDefault(key(scope, model, c.name()), 0L);
        }
        return sum;
    }

    private static String key(UUID scope, String model, String jobClass) {
        return scope + "/" + model + "/" + jobClass;
    }
}

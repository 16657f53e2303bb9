package city.myriad.catalog.service;

import city.myriad.catalog.mapping.CatalogApi.CreateMaintenance;
import city.myriad.catalog.mapping.CatalogApi.MaintenanceView;
import city.myriad.catalog.mapping.CatalogApi.UpdateMaintenance;
import city.myriad.catalog.model.Maintenance;
import city.myriad.catalog.model.MaintenanceState;
import city.myriad.catalog.model.Node;
import city.myriad.catalog.repository.MaintenanceRepository;
import city.myriad.catalog.repository.NodeRepository;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.http.Preconditions;
import city.myriad.platform.idempotency.Idempotency;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import city.myriad.platform.validation.Fields;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Scheduled maintenance of a cluster's nodes (docs/design/maintenance-windows.md). The cluster's operator (or a
 * platform admin) schedules a window of some nodes; every signed-in caller may read a cluster's schedule, as the
 * catalog. Rules:
 * <ul>
 *   <li>a window begins now or later (a minute's grace for clocks), within 366 days, and lasts at most 30 days;</li>
 *   <li>a node is in at most one window at a time: one overlapping another of a node it names is 409
 *       {@code MAINTENANCE_OVERLAPS} (checked under the cluster's schedule lock, so two cannot both pass);</li>
 *   <li>the reservations sold must still fit without the nodes' cards during the window (409 {@code NODE_RESERVED},
 *       asked of the marketplace through {@link MaintenanceCheck});</li>
 *   <li>only a window not begun may be cancelled; only one under way may be completed early;</li>
 *   <li>a window not ended may be moved (its start only before it begins), checked as a new one in its place.</li>
 * </ul>
 * The writes run in the platform scope: a trigger tells the tenants who use the cluster (V62), reading every tenant's
 * reservations and jobs; nothing else here reads a tenant's row.
 */
@ApplicationScoped
public class MaintenanceService {

    /** How long one window may last. */
    static final Duration LONGEST = Duration.ofDays(30);
    /** How far ahead a window may be scheduled. */
    static final Duration FARTHEST = Duration.ofDays(366);
    /** A start this little in the past is taken as now (the caller's clock). */
    static final Duration GRACE = Duration.ofMinutes(1);

    private final Scoped scoped;
    private final ClusterSupply supply;
    private final MaintenanceRepository windows;
    private final NodeRepository nodes;
    private final Idempotency idempotency;
    private final Ids ids;
    private final Clock clock;
    private final AuditTrail audit;
    private final Instance<MaintenanceCheck> checks;
    private final Preconditions preconditions;

    MaintenanceService(Scoped scoped, ClusterSupply supply, MaintenanceRepository windows, NodeRepository nodes,
            Idempotency idempotency, Ids ids, Clock clock, AuditTrail audit, Instance<MaintenanceCheck> checks,
            Preconditions preconditions) {
        this.preconditions = preconditions;
        this.scoped = scoped;
        this.supply = supply;
        this.windows = windows;
        this.nodes = nodes;
        this.idempotency = idempotency;
        this.ids = ids;
        this.clock = clock;
        this.audit = audit;
        this.checks = checks;
    }

    public Uni<MaintenanceView> create(Caller caller, UUID clusterId, CreateMaintenance command) {
        Instant now = clock.instant();
        Instant start = validStart(command, now);
        List<String> names = distinct(command.nodes());
        return supply.managed(caller, clusterId).chain(c -> scoped.asPlatform(() -> idempotency.once(null,
                MaintenanceView.class, () -> windows.lockSchedule(c.id())
                        .chain(() -> nodes.byNames(c.id(), names))
                        .chain(found -> {
                            known(names, found);
                            return windows.current(c.id(), now).chain(current -> {
                                notOverlapping(names, start, command.endAt(), current);
                                Uni<Void> checked = checked(new MaintenanceCheck.Window(c.id(), start,
                                        command.endAt(), out(found), null));
                                Maintenance m = new Maintenance();
                                m.id = ids.next();
                                m.clusterId = c.id();
                                m.nodes = names.toArray(String[]::new);
                                m.startAt = start;
                                m.endAt = command.endAt();
                                m.reason = command.reason().strip();
                                m.createdBy = caller.username();
                                m.createdAt = now;
                                return checked.chain(() -> windows.persistAndFlush(m))
                                        .call(saved -> audit.recordForOperator(caller, c.operatorId(),
                                                "createMaintenance", Target.of("MAINTENANCE", m.id), details(m, found)))
                                        .map(saved -> MaintenanceView.of(m, cards(m, found), now));
                            });
                        }))));
    }

    /**
     * Moves a window: a SCHEDULED one's start, end and reason, an IN_PROGRESS one's end (later than now: the work takes
     * longer, or less) and reason. Checked as a new window would be, in place of this one: no overlap with another of
     * its nodes' windows, and the reservations sold must still fit without its cards for the new window (409
     * {@code NODE_RESERVED}). A change to nothing answers the window unchanged. With {@code ifMatch} (the ETag of
     * {@link #get}), only if the window is still as read, compared under its lock: 412 otherwise.
     */
    public Uni<MaintenanceView> update(Caller caller, UUID clusterId, UUID maintenanceId, UpdateMaintenance patch,
            String ifMatch) {
        if (patch.reason() != null && patch.reason().isBlank()) {
            throw new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "The reason cannot be blank",
                    List.of(MyriadProblem.Violation.field("reason", "must not be blank")));
        }
        return supply.managed(caller, clusterId).chain(c -> scoped.asPlatform(() -> windows.lockSchedule(c.id())
                .chain(() -> windows.lock(c.id(), maintenanceId))
                .call(m -> ifMatch == null ? Uni.createFrom().voidItem()
                        : view(found(m, clusterId, maintenanceId), clock.instant())
                                .invoke(current -> preconditions.check(ifMatch, current)))
                .chain(m -> {
                    found(m, clusterId, maintenanceId);
                    Instant now = clock.instant();
                    MaintenanceState state = MaintenanceState.of(m, now);
                    if (state != MaintenanceState.SCHEDULED && state != MaintenanceState.IN_PROGRESS) {
                        throw new MyriadProblem.Conflict(ProblemCode.MAINTENANCE_NOT_UPDATABLE, "Maintenance " + m.id
                                + " is " + state + ": only a SCHEDULED or IN_PROGRESS window can be changed");
                    }
                    Instant start = moved(m, patch, state, now);
                    Instant end = patch.endAt() == null ? m.endAt : patch.endAt();
                    String reason = patch.reason() == null ? m.reason : patch.reason().strip();
                    if (start.equals(m.startAt) && end.equals(m.endAt) && reason.equals(m.reason)) {
                        return view(m, now);
                    }
                    Map<String, Object> details = new LinkedHashMap<>();
                    details.put("clusterId", c.id());
                    details.put("from", Map.of("startAt", m.startAt.toString(), "endAt", m.endAt.toString()));
                    details.put("to", Map.of("startAt", start.toString(), "endAt", end.toString()));
                    if (!reason.equals(m.reason)) {
                        details.put("reason", reason);
                    }
                    List<String> names = List.of(m.nodes);
                    return nodes.byNames(c.id(), names).chain(found -> windows.current(c.id(), now)
                            .chain(current -> {
                                notOverlapping(names, start, end, current.stream()
                                        .filter(other -> !other.id.equals(m.id)).toList());
                                Uni<Void> checked = checked(new MaintenanceCheck.Window(c.id(), start, end,
                                        out(found), m.id));
                                m.startAt = start;
                                m.endAt = end;
                                m.reason = reason;
                                return checked.chain(() -> windows.persistAndFlush(m))
                                        .call(saved -> audit.recordForOperator(caller, c.operatorId(),
                                                "updateMaintenance", Target.of("MAINTENANCE", m.id), details))
                                        .map(saved -> MaintenanceView.of(m, cards(m, found), now));
                            }));
                })));
    }

    /**
     * The window's start after {@code patch}, checked with its end: a start moved only while SCHEDULED, not in the
     * past (a minute's grace, taken as now), within 366 days; the end after the start and now, at most 30 days on.
     */
    static Instant moved(Maintenance m, UpdateMaintenance patch, MaintenanceState state, Instant now) {
        List<MyriadProblem.Violation> wrong = new ArrayList<>();
        Instant start = m.startAt;
        if (patch.startAt() != null && !patch.startAt().equals(m.startAt)) {
            if (state != MaintenanceState.SCHEDULED) {
                wrong.add(MyriadProblem.Violation.field("startAt", "the window has begun (" + m.startAt
                        + "): its start cannot move"));
            } else if (patch.startAt().isBefore(now.minus(GRACE))) {
                wrong.add(MyriadProblem.Violation.field("startAt", "must not be in the past (now " + now + ")"));
            } else if (patch.startAt().isAfter(now.plus(FARTHEST))) {
                wrong.add(MyriadProblem.Violation.field("startAt", "must be within 366 days"));
            } else {
                start = patch.startAt().isBefore(now) ? now : patch.startAt();
            }
        }
        Instant end = patch.endAt() == null ? m.endAt : patch.endAt();
        if (wrong.isEmpty()) {
            if (!end.isAfter(start)) {
                wrong.add(MyriadProblem.Violation.field("endAt", "must be after startAt, " + start));
            } else if (!end.isAfter(now)) {
                wrong.add(MyriadProblem.Violation.field("endAt", "must be later than now (completeMaintenance ends "
                        + "a window now)"));
            } else if (Duration.between(start, end).compareTo(LONGEST) > 0) {
                wrong.add(MyriadProblem.Violation.field("endAt", "must be at most 30 days after startAt"));
            }
        }
        if (!wrong.isEmpty()) {
            throw new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "The window cannot be moved so", wrong);
        }
        return start;
    }

    /**
     * A cluster's windows, in the order they were made, in one state where given, planned to overlap {@code span}
     * where given: any signed-in caller.
     */
    public Uni<Page<MaintenanceView>> list(Caller caller, UUID clusterId, String state, Fields.Span span,
            PageRequest page) {
        MaintenanceState s = Fields.oneOf("state", state, MaintenanceState.class);
        Instant now = clock.instant();
        return supply.find(clusterId).chain(c -> scoped.unscoped(() -> windows.page(c.id(), page.afterUuid(), s, span,
                        now, page.limit() + 1)
                .chain(rows -> {
                    Set<String> named = new TreeSet<>();
                    rows.forEach(m -> named.addAll(List.of(m.nodes)));
                    return nodes.byNames(c.id(), named).map(found -> page.page(rows, m -> m.id.toString())
                            .map(m -> MaintenanceView.of(m, cards(m, found), now)));
                })));
    }

    public Uni<MaintenanceView> get(Caller caller, UUID clusterId, UUID maintenanceId) {
        Instant now = clock.instant();
        return supply.find(clusterId).chain(c -> scoped.unscoped(() -> windows.find(c.id(), maintenanceId)
                .chain(m -> view(found(m, clusterId, maintenanceId), now))));
    }

    /** Calls off a window that has not begun: its nodes are never taken out. */
    public Uni<MaintenanceView> cancel(Caller caller, UUID clusterId, UUID maintenanceId) {
        return change(caller, clusterId, maintenanceId, "cancelMaintenance", (m, now) -> {
            if (!MaintenanceState.of(m, now).cancellable()) {
                throw new MyriadProblem.Conflict(ProblemCode.MAINTENANCE_NOT_CANCELLABLE, "Maintenance " + m.id
                        + " is " + MaintenanceState.of(m, now) + ": only a SCHEDULED window can be cancelled"
                        + (MaintenanceState.of(m, now).completable() ? " (complete it to end it now)" : ""));
            }
            m.cancelledAt = now;
        });
    }

    /** Ends a window under way now, the work done: its nodes take work again. */
    public Uni<MaintenanceView> complete(Caller caller, UUID clusterId, UUID maintenanceId) {
        return change(caller, clusterId, maintenanceId, "completeMaintenance", (m, now) -> {
            if (!MaintenanceState.of(m, now).completable()) {
                throw new MyriadProblem.Conflict(ProblemCode.MAINTENANCE_NOT_IN_PROGRESS, "Maintenance " + m.id
                        + " is " + MaintenanceState.of(m, now) + ": only an IN_PROGRESS window can be completed");
            }
            m.completedAt = now;
        });
    }

    private Uni<MaintenanceView> change(Caller caller, UUID clusterId, UUID maintenanceId, String action,
            java.util.function.BiConsumer<Maintenance, Instant> apply) {
        return supply.managed(caller, clusterId).chain(c -> scoped.asPlatform(() -> windows.lock(c.id(), maintenanceId)
                .chain(m -> {
                    found(m, clusterId, maintenanceId);
                    Instant now = clock.instant();
                    apply.accept(m, now);
                    return windows.persistAndFlush(m)
                            .call(saved -> audit.recordForOperator(caller, c.operatorId(), action,
                                    Target.of("MAINTENANCE", m.id), Map.of("clusterId", c.id(), "at", now.toString())))
                            .chain(saved -> view(m, now));
                })));
    }

    /** Asks each domain built on the catalog whether the window may be (the marketplace: reservations sold). */
    private Uni<Void> checked(MaintenanceCheck.Window w) {
        Uni<Void> checked = Uni.createFrom().voidItem();
        for (MaintenanceCheck check : checks) {
            checked = checked.chain(() -> check.check(w));
        }
        return checked;
    }

    private static List<MaintenanceCheck.NodeOut> out(List<Node> found) {
        // The cards a window takes from the calendar: those in service (a card out is sold to nobody already).
        return found.stream().map(n -> new MaintenanceCheck.NodeOut(n.name, n.gpuModel, n.gpus - n.cardsOut, n.block,
                n.state)).toList();
    }

    private Uni<MaintenanceView> view(Maintenance m, Instant now) {
        return nodes.byNames(m.clusterId, List.of(m.nodes)).map(found -> MaintenanceView.of(m, cards(m, found), now));
    }

    private static Maintenance found(Maintenance m, UUID clusterId, UUID id) {
        if (m == null) {
            throw new MyriadProblem.NotFound(ProblemCode.MAINTENANCE_NOT_FOUND, "No maintenance window " + id
                    + " in cluster " + clusterId);
        }
        return m;
    }

    /** The start the window is made with: {@code startAt}, or now for a start within the grace before it. */
    static Instant validStart(CreateMaintenance c, Instant now) {
        List<MyriadProblem.Violation> wrong = new ArrayList<>();
        if (c.startAt().isBefore(now.minus(GRACE))) {
            wrong.add(MyriadProblem.Violation.field("startAt", "must not be in the past (now " + now + ")"));
        } else if (c.startAt().isAfter(now.plus(FARTHEST))) {
            wrong.add(MyriadProblem.Violation.field("startAt", "must be within 366 days"));
        }
        if (!c.endAt().isAfter(c.startAt())) {
            wrong.add(MyriadProblem.Violation.field("endAt", "must be after startAt"));
        } else if (Duration.between(c.startAt(), c.endAt()).compareTo(LONGEST) > 0) {
            wrong.add(MyriadProblem.Violation.field("endAt", "must be at most 30 days after startAt"));
        }
        if (!wrong.isEmpty()) {
            throw new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "The window is not one that can be "
                    + "scheduled", wrong);
        }
        return c.startAt().isBefore(now) ? now : c.startAt();
    }

    /** The names, each once, in the order given; 400 if one is given twice. */
    static List<String> distinct(List<String> names) {
        Set<String> seen = new LinkedHashSet<>();
        List<MyriadProblem.Violation> wrong = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (!seen.add(names.get(i).strip())) {
                wrong.add(MyriadProblem.Violation.field("nodes[" + i + "]", "named twice"));
            }
        }
        if (!wrong.isEmpty()) {
            throw new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "Each node is named once", wrong);
        }
        return List.copyOf(seen);
    }

    /** 400 UNKNOWN_NODE naming each name the cluster has no node of. */
    private static void known(List<String> names, Collection<Node> found) {
        Set<String> have = new HashSet<>();
        found.forEach(n -> have.add(n.name));
        List<MyriadProblem.Violation> wrong = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (!have.contains(names.get(i))) {
                wrong.add(MyriadProblem.Violation.field("nodes[" + i + "]", "no node '" + names.get(i)
                        + "' in the cluster"));
            }
        }
        if (!wrong.isEmpty()) {
            throw new MyriadProblem.Validation(ProblemCode.UNKNOWN_NODE, "The cluster has no node of "
                    + wrong.size() + " of the names", wrong);
        }
    }

    /** 409 MAINTENANCE_OVERLAPS if a window of one of the nodes overlaps [start, end). */
    private static void notOverlapping(List<String> names, Instant start, Instant end, List<Maintenance> current) {
        Set<String> mine = Set.copyOf(names);
        for (Maintenance m : current) {
            if (m.startAt.isBefore(end) && m.endsAt().isAfter(start)) {
                List<String> shared = new ArrayList<>();
                for (String n : m.nodes) {
                    if (mine.contains(n)) {
                        shared.add(n);
                    }
                }
                if (!shared.isEmpty()) {
                    throw new MyriadProblem.Conflict(ProblemCode.MAINTENANCE_OVERLAPS, "Maintenance " + m.id + " ("
                            + m.startAt + " to " + m.endsAt() + ") already takes out " + shared.size() + " of these "
                            + "nodes (" + String.join(", ", shared.subList(0, Math.min(5, shared.size())))
                            + (shared.size() > 5 ? ", ..." : "") + ")");
                }
            }
        }
    }

    /** The window's cards per model, from the nodes as they are now (removed ones count nothing). */
    private static Map<String, Integer> cards(Maintenance m, Collection<Node> found) {
        Map<String, Node> byName = new HashMap<>();
        found.forEach(n -> byName.put(n.name, n));
        Map<String, Integer> cards = new TreeMap<>();
        for (String name : m.nodes) {
            Node n = byName.get(name);
            if (n != null && n.gpuModel != null && n.gpus > 0) {
                cards.merge(n.gpuModel, n.gpus, Integer::sum);
            }
        }
        return cards;
    }

    private static Map<String, Object> details(Maintenance m, List<Node> found) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("clusterId", m.clusterId);
        d.put("nodes", m.nodes.length);
        d.put("cards", cards(m, found));
        d.put("startAt", m.startAt.toString());
        d.put("endAt", m.endAt.toString());
        d.put("reason", m.reason);
        return d;
    }
}

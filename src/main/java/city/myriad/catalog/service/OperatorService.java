package city.myriad.catalog.service;

import city.myriad.catalog.mapping.CatalogApi.CreateOperator;
import city.myriad.catalog.mapping.CatalogApi.OperatorView;
import city.myriad.catalog.model.Operator;
import city.myriad.catalog.repository.OperatorRepository;
import city.myriad.platform.audit.AuditApi.AuditEventView;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Filter;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.Constraints;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.idempotency.Idempotency;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;

/** Operators (cities): platform admins register them; everybody may list them. */
@ApplicationScoped
public class OperatorService {

    private final Scoped scoped;
    private final OperatorRepository operators;
    private final Idempotency idempotency;
    private final Ids ids;
    private final Clock clock;

    private final AuditTrail audit;
    private final OperatorLookup lookup;

    OperatorService(Scoped scoped, OperatorRepository operators, Idempotency idempotency, Ids ids, Clock clock,
            AuditTrail audit, OperatorLookup lookup) {
        this.lookup = lookup;
        this.audit = audit;
        this.scoped = scoped;
        this.operators = operators;
        this.idempotency = idempotency;
        this.ids = ids;
        this.clock = clock;
    }

    public Uni<OperatorView> create(Caller caller, CreateOperator command) {
        return create(caller, command, ids.next());
    }

    /** Registers the operator with an id the caller chose: imports, and the demo world with its well-known ids. */
    public Uni<OperatorView> create(Caller caller, CreateOperator command, UUID operatorId) {
        if (!caller.isPlatformAdmin()) {
            return Uni.createFrom().failure(new MyriadProblem.Forbidden(ProblemCode.PLATFORM_ADMIN_REQUIRED,
                    "Only a platform admin may register an operator"));
        }
        return scoped.unscoped(() -> idempotency.once(null, OperatorView.class,
                () -> operators.findBySlug(command.slug()).chain(existing -> {
                    if (existing != null) {
                        throw slugTaken(command.slug());
                    }
                    Operator o = new Operator();
                    o.id = operatorId;
                    o.slug = command.slug();
                    o.name = command.name().strip();
                    o.createdAt = clock.instant();
                    return operators.persistAndFlush(o).call(saved -> audit.recordForOperator(caller, o.id,
                            "createOperator", Target.of("OPERATOR", o.id), Map.of("slug", o.slug, "name", o.name)));
                }).map(OperatorView::of)))
                .onFailure(Constraints::isUniqueViolation).transform(e -> slugTaken(command.slug()));
    }

    public Uni<Page<OperatorView>> list(PageRequest page) {
        return scoped.unscoped(() -> operators.page(page.afterUuid(), page.limit() + 1))
                .map(rows -> page.page(rows, o -> o.id.toString()).map(OperatorView::of));
    }

    private static MyriadProblem.Conflict slugTaken(String slug) {
        return new MyriadProblem.Conflict(ProblemCode.OPERATOR_SLUG_TAKEN, "An operator with slug '" + slug + "' exists");
    }

    /**
     * An operator's audit trail, newest first (its clusters registered, inventories imported, node states and price
     * books set, and its registration): read by the operator's own people and platform admins. Another operator's
     * is 403 NOT_YOUR_OPERATOR (operators' ids are listed to everyone), an unknown id 404.
     */
    public Uni<Page<AuditEventView>> auditEvents(Caller caller, UUID operatorId, Filter filter, PageRequest page) {
        Uni<UUID> whose = caller.isPlatformAdmin()
                ? scoped.unscoped(() -> operators.findById(operatorId)).map(o -> {
                    if (o == null) {
                        throw new MyriadProblem.NotFound(ProblemCode.OPERATOR_NOT_FOUND, "No operator " + operatorId);
                    }
                    return o.id;
                })
                : lookup.of(caller).map(own -> {
                    if (!own.id().equals(operatorId)) {
                        throw new MyriadProblem.Forbidden(ProblemCode.NOT_YOUR_OPERATOR,
                                "An operator reads its own audit trail only");
                    }
                    return own.id();
                });
        // Operators' events belong to no tenant: read in the platform scope, narrowed to this operator.
        return whose.chain(id -> scoped.asPlatform(() -> audit.operatorPage(id, page.afterUuid(), filter,
                        page.limit() + 1)))
                .map(rows -> page.page(rows, e -> e.id().toString()).map(audit::view));
    }
}

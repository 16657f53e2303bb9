package city.myriad.catalog.service;

import city.myriad.catalog.mapping.CatalogApi.CreateOperator;
import city.myriad.catalog.mapping.CatalogApi.OperatorView;
import city.myriad.catalog.model.Operator;
import city.myriad.catalog.repository.OperatorRepository;
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
import java.util.UUID;

/** Operators (cities): platform admins register them; everybody may list them. */
@ApplicationScoped
public class OperatorService {

    private final Scoped scoped;
    private final OperatorRepository operators;
    private final Idempotency idempotency;
    private final Ids ids;
    private final Clock clock;

    OperatorService(Scoped scoped, OperatorRepository operators, Idempotency idempotency, Ids ids, Clock clock) {
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
                    return operators.persistAndFlush(o);
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
}

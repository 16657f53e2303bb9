package city.myriad.catalog.service;

import city.myriad.catalog.repository.OperatorRepository;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Maps the operator slug of a token to the operator; slugs never change, so resolutions are cached. */
@ApplicationScoped
public class OperatorLookup {

    /** An operator as the caller's token names it. */
    public record OperatorRef(UUID id, String slug, String name) {}

    private final Scoped scoped;
    private final OperatorRepository operators;
    private final Map<String, OperatorRef> bySlug = new ConcurrentHashMap<>();

    OperatorLookup(Scoped scoped, OperatorRepository operators) {
        this.scoped = scoped;
        this.operators = operators;
    }

    /** The caller's operator; 403 unless the caller is an operator of one that exists. */
    public Uni<OperatorRef> of(Caller caller) {
        if (!caller.is(Caller.OPERATOR) || caller.operatorSlug().isEmpty()) {
            return Uni.createFrom().failure(new MyriadProblem.Forbidden(ProblemCode.OPERATOR_ROLE_REQUIRED,
                    "Only a cluster operator may do this"));
        }
        String slug = caller.operatorSlug().get();
        OperatorRef cached = bySlug.get(slug);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        return scoped.unscoped(() -> operators.findBySlug(slug)).map(o -> {
            if (o == null) {
                throw new MyriadProblem.Forbidden(ProblemCode.OPERATOR_IDENTITY_UNKNOWN,
                        "Your identity names operator '" + slug + "', which does not exist");
            }
            OperatorRef ref = new OperatorRef(o.id, o.slug, o.name);
            bySlug.put(slug, ref);
            return ref;
        });
    }

    public Uni<OperatorRef> ofOrNull(Caller caller) {
        if (caller.operatorSlug().isEmpty() || !caller.is(Caller.OPERATOR)) {
            return Uni.createFrom().nullItem();
        }
        return of(caller).onFailure(MyriadProblem.Forbidden.class).recoverWithNull();
    }
}

package city.myriad.market.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.market.mapping.MarketApi.PriceBookView;
import city.myriad.market.mapping.MarketApi.PriceEntry;
import city.myriad.market.mapping.MarketApi.SetPrices;
import city.myriad.market.model.Price;
import city.myriad.market.model.PriceBook;
import city.myriad.market.model.PriceClass;
import city.myriad.market.repository.PriceBookRepository;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.Constraints;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.http.Preconditions;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The price books of the clusters. The cluster's operator (or a platform admin) sets the whole book at once;
 * each change is a new version with its time and author, and the old versions stay, so that whatever was sold
 * keeps the price it was sold at. Every buyer may read the book in force.
 */
@ApplicationScoped
public class PriceBookService {

    private final Scoped scoped;
    private final ClusterSupply clusters;
    private final PriceBookRepository books;
    private final Clock clock;
    private final JobPricing pricing;
    private final Preconditions preconditions;

    private final AuditTrail audit;

    PriceBookService(Scoped scoped, ClusterSupply clusters, PriceBookRepository books, Clock clock,
            JobPricing pricing, Preconditions preconditions, AuditTrail audit) {
        this.audit = audit;
        this.preconditions = preconditions;
        this.pricing = pricing;
        this.scoped = scoped;
        this.clusters = clusters;
        this.books = books;
        this.clock = clock;
    }

    /**
     * Sets the cluster's prices as a new version of its price book. {@code ifMatch} (the If-Match header, or null):
     * the entity tag of the book as last read; if a newer version landed since, or there is no book yet, 412 and
     * nothing changes ({@link Preconditions}). Two conditional writers that read the same version both pass the
     * check, and the unique version then refuses the second: it gets 412 too (without a condition, 409
     * PRICE_BOOK_CHANGED as before).
     */
    public Uni<PriceBookView> set(Caller caller, UUID clusterId, SetPrices command, String ifMatch) {
        return clusters.managed(caller, clusterId).chain(cluster -> clusters.models(cluster.id())
                .map(models -> validated(command, models))
                .chain(prices -> scoped.unscoped(() -> latest(clusterId, ifMatch).chain(latest -> {
                    PriceBook book = new PriceBook(clusterId, latest + 1, prices.get(0).unitPrice().currency(),
                            command.sameBlockPremiumPercent() == null ? 0 : command.sameBlockPremiumPercent(),
                            clock.instant(), caller.username(), prices);
                    return books.insert(book).call(() -> audit.recordForOperator(caller, cluster.operatorId(),
                            "setPrices", Target.of("PRICE_BOOK", clusterId), Map.of("version", book.version(),
                                    "sameBlockPremiumPercent", book.sameBlockPremiumPercent(),
                                    "prices", PriceBookView.of(book).prices()))).replaceWith(book);
                }))))
                .invoke(book -> pricing.priceBookChanged(clusterId))
                .onFailure(Constraints::isUniqueViolation).transform(e -> ifMatch != null
                        ? new MyriadProblem.PreconditionFailed(ProblemCode.PRECONDITION_FAILED, "The price book of "
                                + "cluster " + clusterId + " changed at the same moment; nothing was changed", null)
                        : new MyriadProblem.Conflict(ProblemCode.PRICE_BOOK_CHANGED, "The price book of cluster "
                                + clusterId + " changed at the same moment; read it and set it again"))
                .map(PriceBookView::of);
    }

    /** The latest version (0: none yet), after checking {@code ifMatch} against the book in force when given. */
    private Uni<Integer> latest(UUID clusterId, String ifMatch) {
        if (ifMatch == null) {
            return books.latestVersion(clusterId);
        }
        return books.current(clusterId).map(current -> {
            if (current.isEmpty()) {
                preconditions.checkAbsent(ifMatch);
            }
            preconditions.check(ifMatch, PriceBookView.of(current.get()));
            return current.get().version();
        });
    }

    /** The price book in force; 404 when the cluster sells nothing yet. */
    public Uni<PriceBookView> get(UUID clusterId) {
        return clusters.find(clusterId)
                .chain(cluster -> scoped.unscoped(() -> books.current(cluster.id())))
                .map(book -> book.map(PriceBookView::of).orElseThrow(() -> new MyriadProblem.NotFound(
                        ProblemCode.PRICE_BOOK_NOT_FOUND, "Cluster " + clusterId + " has no price book yet")));
    }

    /** Every rule of a book, checked at once: every broken one is listed. */
    static List<Price> validated(SetPrices command, List<String> models) {
        List<Violation> violations = new ArrayList<>();
        ProblemCode code = null;
        String currency = command.prices().get(0).unitPrice().currency();
        Set<String> seen = new HashSet<>();
        List<Price> prices = new ArrayList<>();
        for (int i = 0; i < command.prices().size(); i++) {
            PriceEntry e = command.prices().get(i);
            String at = "prices[" + i + "]";
            if (!models.contains(e.model())) {
                code = code == null ? ProblemCode.UNKNOWN_MODEL : code;
                violations.add(Violation.field(at + ".model", "the cluster has no cards of model '" + e.model()
                        + "'; it has " + models));
            }
            if (!seen.add(e.model() + "/" + e.priceClass())) {
                code = code == null ? ProblemCode.DUPLICATE_PRICE : code;
                violations.add(Violation.field(at, "a second price for " + e.model() + " " + e.priceClass()));
            }
            boolean oneCurrency = true;
            for (var m : java.util.Arrays.asList(e.unitPrice(), e.floor(), e.ceiling())) {
                if (m != null && !m.currency().equals(currency)) {
                    oneCurrency = false;
                    code = code == null ? ProblemCode.CURRENCY_MISMATCH : code;
                    violations.add(Violation.field(at, "in " + m.currency() + ", but the book is in " + currency));
                }
            }
            boolean bounded = e.floor() != null || e.ceiling() != null;
            if (bounded && oneCurrency && (e.floor() == null || e.ceiling() == null || e.priceClass() != PriceClass.SPOT
                    || e.floor().isMoreThan(e.unitPrice()) || e.unitPrice().isMoreThan(e.ceiling()))) {
                code = code == null ? ProblemCode.INVALID_SPOT_BOUNDS : code;
                violations.add(Violation.field(at, "spot bounds need floor and ceiling, on a SPOT price, with "
                        + "floor <= unitPrice <= ceiling"));
            }
            prices.add(new Price(e.model(), e.priceClass(), e.unitPrice(), e.floor(), e.ceiling()));
        }
        if (!violations.isEmpty()) {
            throw new MyriadProblem.Validation(code, violations.size() + " problem(s) in the price book; nothing "
                    + "was changed", violations);
        }
        return prices;
    }
}

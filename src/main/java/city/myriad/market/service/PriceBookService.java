package city.myriad.market.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.market.mapping.MarketApi;
import city.myriad.market.mapping.MarketApi.PriceBookView;
import city.myriad.market.mapping.MarketApi.PriceEntry;
import city.myriad.market.mapping.MarketApi.SetPrices;
import city.myriad.market.model.Price;
import city.myriad.market.model.PriceBook;
import city.myriad.market.model.PriceBookTimeline;
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
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
     * Sets the cluster's prices as a new version of its price book, in force from {@code effectiveAt} (now when left
     * out; a time to come, at most {@link #MOST_AHEAD} ahead, announces a change). {@code ifMatch} (the If-Match
     * header, or null): the entity tag of the book as last read (getPrices: the book in force and its schedule); if another
     * version landed since, or there is no book in force, 412 and nothing changes ({@link Preconditions}). Two
     * conditional writers that read the same book both pass the check, and the unique version then refuses the second:
     * it gets 412 too (without a condition, 409 PRICE_BOOK_CHANGED as before).
     */
    public Uni<PriceBookView> set(Caller caller, UUID clusterId, SetPrices command, String ifMatch) {
        Instant now = clock.instant();
        Instant effectiveAt = effectiveAt(command.effectiveAt(), now);
        return clusters.managed(caller, clusterId).chain(cluster -> clusters.models(cluster.id())
                .map(models -> validated(command, models))
                // In the platform scope: the commit tells every tenant whose webhook asks (price.changed, V77).
                .chain(prices -> scoped.asPlatform(() -> latest(clusterId, ifMatch, now).chain(latest -> {
                    PriceBook book = new PriceBook(clusterId, latest + 1, prices.get(0).unitPrice().currency(),
                            command.sameBlockPremiumPercent() == null ? 0 : command.sameBlockPremiumPercent(),
                            effectiveAt, caller.username(), prices);
                    Map<String, Object> detail = new java.util.LinkedHashMap<>();
                    detail.put("version", book.version());
                    detail.put("effectiveAt", book.effectiveAt().toString());
                    detail.put("sameBlockPremiumPercent", book.sameBlockPremiumPercent());
                    detail.put("prices", PriceBookView.of(book).prices());
                    return books.insert(book).call(() -> audit.recordForOperator(caller, cluster.operatorId(),
                            "setPrices", Target.of("PRICE_BOOK", clusterId), detail)).replaceWith(book);
                }))))
                .invoke(book -> pricing.priceBookChanged(clusterId))
                .onFailure(Constraints::isUniqueViolation).transform(e -> ifMatch != null
                        ? new MyriadProblem.PreconditionFailed(ProblemCode.PRECONDITION_FAILED, "The price book of "
                                + "cluster " + clusterId + " changed at the same moment; nothing was changed", null)
                        : new MyriadProblem.Conflict(ProblemCode.PRICE_BOOK_CHANGED, "The price book of cluster "
                                + clusterId + " changed at the same moment; read it and set it again"))
                .map(PriceBookView::of);
    }

    /** How far ahead a price change may be announced. */
    static final Duration MOST_AHEAD = Duration.ofDays(366);

    /**
     * A book's start: now when not given; else a time to come, no further than {@link #MOST_AHEAD}. A time already past
     * is refused rather than moved: the book would claim to have been in force while other prices were sold.
     */
    static Instant effectiveAt(Instant asked, Instant now) {
        if (asked == null) {
            return now.truncatedTo(ChronoUnit.MICROS);
        }
        if (asked.isBefore(now)) {
            throw new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "effectiveAt " + asked + " has passed; "
                    + "leave it out to set the prices now", List.of(Violation.field("effectiveAt", "must not be in the "
                    + "past (now: " + now + ")")));
        }
        if (asked.isAfter(now.plus(MOST_AHEAD))) {
            throw new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "effectiveAt " + asked + " is more than "
                    + MOST_AHEAD.toDays() + " days ahead", List.of(Violation.field("effectiveAt", "at most "
                    + MOST_AHEAD.toDays() + " days ahead")));
        }
        return asked.truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * The newest version (0: none yet), after checking {@code ifMatch} against the book as getPrices renders it when
     * given. The newest version is always in that rendering (in force, or the last scheduled: nothing newer supersedes
     * it), so it is taken from the rendering compared: two writers who read the same one both write its successor, and
     * the unique version refuses the second.
     */
    private Uni<Integer> latest(UUID clusterId, String ifMatch, Instant now) {
        if (ifMatch == null) {
            return books.latestVersion(clusterId);
        }
        return view(clusterId, now).map(current -> {
            if (current.isEmpty()) {
                preconditions.checkAbsent(ifMatch);
            }
            PriceBookView read = current.get();
            preconditions.check(ifMatch, read);
            return read.scheduled().stream().mapToInt(MarketApi.ScheduledPriceBook::version).max()
                    .orElse(read.version());
        });
    }

    /** The book in force now with its schedule; empty when none is in force. */
    private Uni<java.util.Optional<PriceBookView>> view(UUID clusterId, Instant now) {
        return books.current(clusterId, now).chain(current -> current.isEmpty()
                ? Uni.createFrom().item(java.util.Optional.<PriceBookView>empty())
                : books.scheduled(clusterId, now).map(scheduled -> java.util.Optional.of(
                        PriceBookView.of(current.get(), scheduled))));
    }

    /**
     * The price book in force with the versions scheduled after it; 404 when the cluster sells nothing yet (its first
     * book may be scheduled: the problem says when it comes into force).
     */
    public Uni<PriceBookView> get(UUID clusterId) {
        Instant now = clock.instant();
        return clusters.find(clusterId)
                .chain(cluster -> scoped.unscoped(() -> view(cluster.id(), now).chain(view -> view.isPresent()
                        ? Uni.createFrom().item(view.get())
                        : books.scheduled(cluster.id(), now).<PriceBookView>map(scheduled -> {
                            throw new MyriadProblem.NotFound(ProblemCode.PRICE_BOOK_NOT_FOUND, "Cluster " + clusterId
                                    + " has no price book in force yet" + (scheduled.isEmpty() ? ""
                                    : "; its first comes into force at " + scheduled.get(0).effectiveAt()));
                        }))));
    }

    /**
     * The cluster's book versions, newest first, each with its standing now ({@link PriceBookTimeline}): what a job's
     * or a reservation's {@code priceBookVersion} was. Public, as the prices are; 404 for no such cluster.
     */
    public Uni<city.myriad.platform.paging.Page<MarketApi.PriceBookVersionView>> versions(UUID clusterId,
            city.myriad.platform.paging.PageRequest page) {
        Instant now = clock.instant();
        Long after = page.afterLong();
        return clusters.find(clusterId).chain(cluster -> scoped.unscoped(() -> books.timeline(cluster.id())
                .chain(timeline -> books.versions(cluster.id(), after == null ? null : (int) Math.min(after,
                                Integer.MAX_VALUE), page.limit() + 1)
                        .map(versions -> {
                            Map<Integer, PriceBookTimeline.Standing> standing = PriceBookTimeline.at(timeline, now);
                            return page.page(versions, b -> Integer.toString(b.version()))
                                    .map(b -> MarketApi.PriceBookVersionView.of(b, standing.get(b.version())));
                        }))));
    }

    /** One version of the cluster's book with its standing now; 404 PRICE_BOOK_NOT_FOUND for no such version. */
    public Uni<MarketApi.PriceBookVersionView> version(UUID clusterId, int version) {
        Instant now = clock.instant();
        return clusters.find(clusterId).chain(cluster -> scoped.unscoped(() -> books.timeline(cluster.id())
                .chain(timeline -> books.versions(cluster.id(), version + 1, 1).map(found -> {
                    if (found.isEmpty() || found.get(0).version() != version) {
                        throw new MyriadProblem.NotFound(ProblemCode.PRICE_BOOK_NOT_FOUND, "Cluster " + clusterId
                                + " has no price book version " + version);
                    }
                    return MarketApi.PriceBookVersionView.of(found.get(0),
                            PriceBookTimeline.at(timeline, now).get(version));
                }))));
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

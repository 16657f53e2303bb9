package city.myriad.market.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.market.mapping.MarketApi.CreateQuote;
import city.myriad.market.mapping.MarketApi.QuoteView;
import city.myriad.market.model.CapacityCalendar;
import city.myriad.market.model.Price;
import city.myriad.market.model.PriceBook;
import city.myriad.market.model.PriceClass;
import city.myriad.market.model.Quote;
import city.myriad.market.repository.PriceBookRepository;
import city.myriad.market.repository.QuoteRepository;
import city.myriad.market.repository.ReservationRepository;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.idempotency.Idempotency;
import city.myriad.platform.money.Money;
import city.myriad.platform.security.Caller;
import city.myriad.platform.time.Ids;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Quotes answer "when, where and at what price" in one call: the unit and total price from the book in force,
 * and the earliest start the cluster can honour now, from the capacity calendar (every reservation sold) and
 * the cards of nodes that are not down, and for a job also from the work running and queued there
 * ({@link QueueOutlook}). A quote is valid for {@link #VALID}; a reservation made with its id gets
 * exactly its price. For ON_DEMAND and SPOT the total is the price of the longest run ({@code maxRunSeconds}).
 */
@ApplicationScoped
public class QuoteService {

    static final Duration VALID = Duration.ofMinutes(10);

    /** How far ahead a job's {@code notBefore} may be, in a quote and in the job it prices (createJob). */
    public static final Duration NOT_BEFORE_AHEAD = Duration.ofDays(31);

    private final Scoped scoped;
    private final TenantProjects tenants;
    private final ClusterSupply clusters;
    private final PriceBookRepository books;
    private final ReservationRepository reservations;
    private final QuoteRepository quotes;
    private final Idempotency idempotency;
    private final QueueOutlook queue;
    private final Ids ids;
    private final Clock clock;

    /** What the calendar holds: reservations sold and maintenance windows. */
    private final CalendarHolds calendar;

    QuoteService(Scoped scoped, TenantProjects tenants, ClusterSupply clusters, PriceBookRepository books,
            ReservationRepository reservations, QuoteRepository quotes, Idempotency idempotency, QueueOutlook queue,
            Ids ids, Clock clock, CalendarHolds calendar) {
        this.calendar = calendar;
        this.scoped = scoped;
        this.tenants = tenants;
        this.clusters = clusters;
        this.books = books;
        this.reservations = reservations;
        this.quotes = quotes;
        this.idempotency = idempotency;
        this.queue = queue;
        this.ids = ids;
        this.clock = clock;
    }

    public Uni<QuoteView> create(Caller caller, CreateQuote command) {
        Instant now = clock.instant();
        Shape shape = Shape.of(command, now);
        boolean sameBlock = Boolean.TRUE.equals(command.sameBlock());
        return tenants.readableTenant(caller).chain(tenant -> clusters.find(command.clusterId())
                .chain(cluster -> clusters.sellableOf(cluster.id(), command.model()))
                .chain(capacity -> behindTheQueue(command, tenant, now)
                        .chain(queued -> utilizationNow(command).chain(utilization -> scoped.unscoped(
                                () -> books.current(command.clusterId(), now)
                                .chain(book -> calendar.from(command.clusterId(), command.model(), now)
                                        .map(holds -> quote(tenant, command, shape, sameBlock, book.orElse(null),
                                                new CapacityCalendar(capacity, holds), queued, utilization,
                                                now)))))))
                .chain(q -> scoped.asTenant(tenant, () -> idempotency.once(tenant, QuoteView.class,
                        () -> quotes.persistAndFlush(q).map(saved -> view(saved, clock.instant()))))));
    }

    /** A quote of the caller's tenant, valid or expired; another tenant's, or none, is 404 QUOTE_NOT_FOUND. */
    public Uni<QuoteView> get(Caller caller, UUID id) {
        return tenants.readableTenant(caller).chain(tenant -> scoped.asTenant(tenant, () -> quotes.find(tenant, id)))
                .map(q -> {
                    if (q == null) {
                        throw new MyriadProblem.NotFound(ProblemCode.QUOTE_NOT_FOUND, "No quote " + id);
                    }
                    return view(q, clock.instant());
                });
    }

    /** The window or run the quote is for: a reservation's window, or a job's longest run from now. */
    record Shape(Instant from, Duration length) {
        static Shape of(CreateQuote c, Instant now) {
            if (c.priceClass() == PriceClass.RESERVED) {
                if (c.startAt() == null || c.endAt() == null || !c.endAt().isAfter(c.startAt())) {
                    throw invalid("endAt", "a RESERVED quote needs startAt and a later endAt");
                }
                if (c.startAt().isBefore(now.minus(ReservationService.CLOCK_SKEW))) {
                    throw invalid("startAt", "must not be in the past");
                }
                if (c.maxRunSeconds() != null) {
                    throw invalid("maxRunSeconds", "is for ON_DEMAND and SPOT quotes");
                }
                if (c.cpuMilli() != null || c.memoryMib() != null) {
                    throw invalid(c.cpuMilli() != null ? "cpuMilli" : "memoryMib", "is for ON_DEMAND and SPOT quotes");
                }
                if (c.notBefore() != null) {
                    throw invalid("notBefore", "is for ON_DEMAND and SPOT quotes (a reservation starts at startAt)");
                }
                if (c.priority() != null) {
                    throw invalid("priority", "is for ON_DEMAND and SPOT quotes (a reservation's cards are its own)");
                }
                if (c.projectId() != null) {
                    throw invalid("projectId", "is for ON_DEMAND and SPOT quotes (a reservation's quota is checked "
                            + "when it is bought)");
                }
                return new Shape(c.startAt(), Duration.between(c.startAt(), c.endAt()));
            }
            if (c.maxRunSeconds() == null) {
                throw invalid("maxRunSeconds", "an ON_DEMAND or SPOT quote needs the job's longest run");
            }
            if (c.startAt() != null || c.endAt() != null) {
                throw invalid("startAt", "a job starts as soon as it can; startAt and endAt are for RESERVED");
            }
            if (c.notBefore() != null && c.notBefore().isAfter(now.plus(NOT_BEFORE_AHEAD))) {
                throw invalid("notBefore", "at most 31 days ahead (it was " + c.notBefore() + ")");
            }
            return new Shape(eligible(c, now), Duration.ofSeconds(c.maxRunSeconds()));
        }

        /** When the quoted job could first start: its notBefore if that is to come, else now. */
        static Instant eligible(CreateQuote c, Instant now) {
            return c.notBefore() != null && c.notBefore().isAfter(now) ? c.notBefore() : now;
        }
    }

    /** A job's start behind the running and queued work (the scheduler's view); none for a reservation. */
    private Uni<Optional<Instant>> behindTheQueue(CreateQuote command, UUID tenant, Instant now) {
        if (command.priceClass() == PriceClass.RESERVED) {
            return Uni.createFrom().item(Optional.empty());
        }
        long cpu = command.cpuMilli() == null ? 0 : command.cpuMilli();
        long memory = command.memoryMib() == null ? 0 : command.memoryMib();
        // A project named must be the tenant's (404 otherwise, as for any other tenant's project).
        Uni<UUID> project = command.projectId() == null ? Uni.createFrom().nullItem()
                : tenants.projectOf(tenant, command.projectId());
        return project.chain(projectId -> queue.earliestStart(command.clusterId(), tenant, projectId, command.model(),
                command.cards() * 1000L, cpu, memory, command.maxRunSeconds(), Boolean.TRUE.equals(command.sameBlock()),
                command.priceClass() == PriceClass.SPOT, Shape.eligible(command, now),
                command.priority() == null ? 0 : command.priority(), now)).invoke(start -> {
                    if (start.isEmpty() && (cpu > 0 || memory > 0)) {
                        throw new MyriadProblem.CapacityUnavailable("No " + command.model() + " nodes in service of "
                                + "cluster " + command.clusterId() + " could ever carry " + command.cards()
                                + " cards with " + cpu + " milli-cores and " + memory + " MiB", null, null);
                    }
                });
    }

    /**
     * The model's utilization as the cluster's loop last reported it, which a SPOT price that follows utilization is
     * quoted at: the price a job submitted now without a quote would get, and the offers show. 0 for other classes.
     */
    private Uni<BigDecimal> utilizationNow(CreateQuote command) {
        if (command.priceClass() != PriceClass.SPOT) {
            return Uni.createFrom().item(BigDecimal.ZERO);
        }
        return clusters.utilization(command.clusterId(), command.model());
    }

    private Quote quote(UUID tenant, CreateQuote command, Shape shape, boolean sameBlock, PriceBook book,
            CapacityCalendar calendar, Optional<Instant> queued, BigDecimal utilization, Instant now) {
        Price price = book == null ? null : book.price(command.model(), command.priceClass()).orElse(null);
        if (price == null) {
            throw new MyriadProblem.Conflict(ProblemCode.NOT_FOR_SALE, "Cluster " + command.clusterId() + " sells no "
                    + command.priceClass() + " " + command.model() + " cards");
        }
        Instant earliest = calendar.earliestStart(shape.from(), shape.length(), command.cards(), sameBlock)
                .orElseThrow(() -> new MyriadProblem.CapacityUnavailable("The cluster has only "
                        + calendar.mostCards(sameBlock) + " " + command.model() + " cards"
                        + (sameBlock ? " in its largest block" : ""), null, null));
        // A job also waits for the work running and queued before it: the later of the two.
        if (queued.isPresent() && queued.get().isAfter(earliest)) {
            earliest = queued.get();
        }
        Money unit = price.at(utilization);
        if (sameBlock) {
            unit = unit.times(BigDecimal.ONE.add(BigDecimal.valueOf(book.sameBlockPremiumPercent(), 2)));
        }
        Quote q = new Quote();
        q.id = ids.next();
        q.tenantId = tenant;
        q.clusterId = command.clusterId();
        q.model = command.model();
        q.cards = command.cards();
        q.priceClass = command.priceClass().name();
        q.sameBlock = sameBlock;
        q.startAt = command.startAt();
        q.endAt = command.endAt();
        q.maxRunSeconds = command.maxRunSeconds();
        q.cpuMilli = command.cpuMilli() == null ? 0 : command.cpuMilli();
        q.memoryMib = command.memoryMib() == null ? 0 : command.memoryMib();
        q.notBefore = command.notBefore() != null && command.notBefore().isAfter(now) ? command.notBefore() : null;
        q.priority = command.priority() == null ? 0 : command.priority();
        q.projectId = command.projectId();
        q.priceBookVersion = book.version();
        q.currency = unit.currency();
        q.unitPriceMinor = unit.amountMinor();
        q.totalMinor = total(unit, command.cards(), shape.length()).amountMinor();
        q.earliestStartAt = earliest;
        q.expiresAt = now.plus(VALID);
        q.createdAt = now;
        return q;
    }

    /** A unit price per card-hour times cards times hours, rounded half-even to a minor unit. */
    static Money total(Money unitPerCardHour, int cards, Duration length) {
        return unitPerCardHour.times(BigDecimal.valueOf(cards).multiply(BigDecimal.valueOf(length.getSeconds()))
                .divide(BigDecimal.valueOf(3600), MathContext.DECIMAL128));
    }

    /** OPEN while it can price a purchase, USED once one used it, EXPIRED once its time is up unused. */
    static String state(Quote q, Instant now) {
        return q.usedBy != null ? "USED" : now.isBefore(q.expiresAt) ? "OPEN" : "EXPIRED";
    }

    static QuoteView view(Quote q, Instant now) {
        return new QuoteView(q.id, q.clusterId, q.model, q.cards, PriceClass.valueOf(q.priceClass), q.sameBlock,
                q.startAt, q.endAt, q.maxRunSeconds, q.cpuMilli, q.memoryMib, q.notBefore, q.priority, q.projectId,
                Money.of(q.unitPriceMinor, q.currency),
                Money.of(q.totalMinor, q.currency), q.earliestStartAt, q.priceBookVersion, q.expiresAt, q.createdAt,
                q.usedBy, state(q, now));
    }

    private static MyriadProblem.Validation invalid(String field, String reason) {
        return new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, field + ": " + reason,
                List.of(Violation.field(field, reason)));
    }

    /** Whether two instants are the same to the microsecond: PostgreSQL keeps no finer time than that. */
    static boolean sameMicros(Instant a, Instant b) {
        return a != null && b != null && a.truncatedTo(java.time.temporal.ChronoUnit.MICROS)
                .equals(b.truncatedTo(java.time.temporal.ChronoUnit.MICROS));
    }

    /**
     * The price a reservation gets from a quote: the quote must be this tenant's and for this shape. Whether it is
     * still usable ({@link #usable}) is asked inside the purchase's idempotent part, so that a keyed retry of a
     * purchase made with it answers the purchase, though the quote has since been used (by it) or expired.
     */
    public Uni<Quote> forReservation(UUID tenant, UUID quoteId, UUID clusterId, String model, int cards,
            Instant startAt, Instant endAt, boolean sameBlock) {
        return quotes.find(tenant, quoteId).map(q -> {
            if (q == null) {
                throw new MyriadProblem.NotFound(ProblemCode.QUOTE_NOT_FOUND, "No quote " + quoteId);
            }
            boolean same = q.priceClass.equals(PriceClass.RESERVED.name()) && q.clusterId.equals(clusterId)
                    && q.model.equals(model) && q.cards == cards && q.sameBlock == sameBlock
                    && sameMicros(startAt, q.startAt) && sameMicros(endAt, q.endAt);
            if (!same) {
                throw new MyriadProblem.Validation(ProblemCode.QUOTE_MISMATCH, "Quote " + quoteId + " was made for "
                        + q.cards + " " + q.model + " " + q.priceClass + " from " + q.startAt + " to " + q.endAt
                        + (q.sameBlock ? " in one block" : ""),
                        List.of(Violation.field("quoteId", "made for another shape")));
            }
            return q;
        });
    }

    /** 409 QUOTE_EXPIRED once the quote's time is up, 409 QUOTE_USED once a purchase used it. */
    public void usable(Quote q) {
        if (!clock.instant().isBefore(q.expiresAt)) {
            throw new MyriadProblem.Conflict(ProblemCode.QUOTE_EXPIRED, "Quote " + q.id + " expired at "
                    + q.expiresAt + "; ask for a new one");
        }
        if (q.usedBy != null) {
            throw usedUp(q.id, q.usedBy);
        }
    }

    /**
     * The key that lets a quote be used once ({@code quote_uses}): a purchase that names a quote inserts its use in
     * its own transaction, so of two made at once with one quote the second fails on it.
     */
    public static final String USED_ONCE = "quote_uses_pkey";

    /** 409 QUOTE_USED: a quote prices one purchase; {@code by} is the one that used it, when known. */
    public static MyriadProblem.Conflict usedUp(UUID quoteId, UUID by) {
        return new MyriadProblem.Conflict(ProblemCode.QUOTE_USED, "Quote " + quoteId + " was used"
                + (by == null ? "" : " by " + by) + "; a quote prices one reservation or job: ask for a new one");
    }
}

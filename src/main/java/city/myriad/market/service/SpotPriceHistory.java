package city.myriad.market.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.market.mapping.MarketApi;
import city.myriad.market.model.Price;
import city.myriad.market.model.PriceBook;
import city.myriad.market.model.PriceClass;
import city.myriad.market.repository.PriceBookRepository;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.money.Money;
import city.myriad.platform.validation.Fields;
import city.myriad.platform.work.Rounds;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The SPOT price of each cluster and model over time: what a buyer deciding when to run preemptible work reads (as
 * AWS's spot price history). A round every {@code myriad.market.spot-price-sample} (a minute) prices every SPOT
 * offer of every book in force at the model's utilization now, as a job or a quote would be priced, and records the
 * price where it changed; one replica records per round (an advisory lock tried, not waited for). So the history
 * has the minute's grain: a price that moved and came back within a round is not seen. Prices are kept
 * {@code myriad.market.spot-price-retention} (400 days), and the one in force at the cut with them.
 */
@ApplicationScoped
public class SpotPriceHistory {

    private static final Logger LOG = Logger.getLogger(SpotPriceHistory.class);
    /** The longest stretch one read covers, and the most prices it answers. */
    static final Duration LONGEST_READ = Duration.ofDays(31);
    static final int MOST = 10_000;
    static final Duration PRUNE_EVERY = Duration.ofHours(1);

    private final Scoped scoped;
    private final PriceBookRepository books;
    private final ClusterSupply clusters;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Duration sample;
    private final Duration retention;
    private final boolean enabled;
    private Rounds rounds;
    /** When this replica last pruned (an hour's grain is enough for a retention of months). */
    private volatile Instant prunedAt = Instant.EPOCH;

    SpotPriceHistory(Scoped scoped, PriceBookRepository books, ClusterSupply clusters, Clock clock, MeterRegistry meters,
            @ConfigProperty(name = "myriad.market.spot-price-sample", defaultValue = "PT1M") Duration sample,
            @ConfigProperty(name = "myriad.market.spot-price-retention", defaultValue = "P400D") Duration retention,
            @ConfigProperty(name = "myriad.market.spot-price-history.enabled", defaultValue = "true") boolean enabled) {
        this.retention = retention;
        this.scoped = scoped;
        this.books = books;
        this.clusters = clusters;
        this.clock = clock;
        this.meters = meters;
        this.sample = sample;
        this.enabled = enabled;
    }

    void start(@Observes StartupEvent event) {
        if (enabled) {
            rounds = Rounds.start("myriad-spot-prices", sample, this::round, LOG, meters);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (rounds != null) {
            rounds.stop();
        }
    }

    /** A SPOT price of one cluster's model now. */
    record Sampled(UUID clusterId, String model, int version, Money price, BigDecimal utilization) {}

    /** One round: every SPOT price now, recorded where it changed; how many were recorded (0 on another replica's turn). */
    public long round() {
        Instant now = clock.instant();
        List<Sampled> prices = new ArrayList<>();
        for (PriceBook book : Blocking.await(() -> scoped.unscoped(() -> books.currentOfAll(now)))) {
            List<Price> spot = book.prices().stream().filter(p -> p.priceClass() == PriceClass.SPOT).toList();
            if (spot.isEmpty()) {
                continue;
            }
            var supply = Blocking.await(() -> clusters.supply(book.clusterId()));
            for (Price p : spot) {
                BigDecimal u = supply.stream().filter(m -> m.model().equals(p.model())).findFirst()
                        .map(ClusterSupply.ModelSupply::utilization).orElse(BigDecimal.ZERO)
                        .max(BigDecimal.ZERO).min(BigDecimal.ONE);
                prices.add(new Sampled(book.clusterId(), p.model(), book.version(), p.at(u),
                        u.setScale(4, RoundingMode.HALF_EVEN)));
            }
        }
        if (prices.isEmpty()) {
            return 0;
        }
        return Blocking.await(() -> scoped.unscoped(() -> SessionSql.tryLockUntilCommit("spot-prices")
                .chain(mine -> {
                    Uni<Long> recorded = Uni.createFrom().item(0L);
                    if (!mine) {
                        return recorded;
                    }
                    if (!now.isBefore(prunedAt.plus(PRUNE_EVERY))) {
                        prunedAt = now;
                        recorded = books.pruneSpotPrices(now.minus(retention)).replaceWith(0L);
                    }
                    for (Sampled s : prices) {
                        recorded = recorded.chain(n -> books.recordSpotPrice(s.clusterId(), s.model(), now,
                                s.version(), s.price().currency(), s.price().amountMinor(), s.utilization())
                                .map(written -> written ? n + 1 : n));
                    }
                    return recorded;
                })));
    }

    /**
     * Removes the prices older than the retention (400 days), but for the one still in force then; how many went. A
     * round does it once an hour, in its transaction (not every minute: the delete reads the old rows by time, index
     * {@code spot_prices_at}).
     */
    public long prune() {
        Instant now = clock.instant();
        prunedAt = now;
        return Blocking.await(() -> scoped.unscoped(() -> books.pruneSpotPrices(now.minus(retention))));
    }

    /**
     * The SPOT prices of the cluster (of one model, when named) in force from {@code from} (default a day before now)
     * to {@code to} (default now): the one in force at {@code from}, then each change, at most 31 days and
     * {@link #MOST} prices. Public, as the price books are.
     */
    public Uni<MarketApi.SpotPrices> history(UUID clusterId, String model, Instant from, Instant to) {
        Instant now = clock.instant();
        Instant until = to == null ? now : to;
        Instant since = from == null ? until.minus(Duration.ofDays(1)) : from;
        if (!until.isAfter(since)) {
            throw Fields.invalid("to", "must be after from");
        }
        if (Duration.between(since, until).compareTo(LONGEST_READ) > 0) {
            throw Fields.invalid("to", "at most 31 days after from");
        }
        return clusters.find(clusterId)
                .chain(cluster -> scoped.unscoped(() -> books.spotPrices(cluster.id(), model, since, until, MOST + 1)))
                .map(rows -> {
                    List<MarketApi.SpotPriceView> items = new ArrayList<>();
                    for (Object[] r : rows.subList(0, Math.min(rows.size(), MOST))) {
                        items.add(new MarketApi.SpotPriceView((String) r[0], SqlTimes.instant(r[1]),
                                Money.of(((Number) r[4]).longValue(), (String) r[3]), ((Number) r[2]).intValue(),
                                new BigDecimal(r[5].toString()).stripTrailingZeros()));
                    }
                    return new MarketApi.SpotPrices(clusterId, since, until, items, rows.size() > MOST);
                });
    }
}

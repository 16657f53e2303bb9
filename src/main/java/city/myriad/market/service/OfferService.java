package city.myriad.market.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.catalog.service.ClusterSupply.ClusterRef;
import city.myriad.catalog.service.ClusterSupply.ModelSupply;
import city.myriad.market.mapping.MarketApi.OfferPriceChange;
import city.myriad.market.mapping.MarketApi.OfferView;
import city.myriad.market.model.Price;
import city.myriad.market.model.PriceBook;
import city.myriad.market.model.PriceClass;
import city.myriad.market.repository.PriceBookRepository;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.money.Money;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What is for sale now: for every cluster with a price book, every priced model and class, with today's price,
 * the cards available now and the largest gang that fits in one block. Offers are computed, not stored.
 *
 * <p>Utilization is that of running work per model, as the cluster's scheduling loop last reported it (every few
 * seconds): a SPOT price that follows utilization moves with it, and the cards available are those free now. Each
 * offer names the next change of its price its operator scheduled (the next version of the book to come into force).
 */
@ApplicationScoped
public class OfferService {

    private final Scoped scoped;
    private final ClusterSupply clusters;
    private final PriceBookRepository books;
    private final java.time.Clock clock;

    OfferService(Scoped scoped, ClusterSupply clusters, PriceBookRepository books, java.time.Clock clock) {
        this.clock = clock;
        this.scoped = scoped;
        this.clusters = clusters;
        this.books = books;
    }

    /** The offers, filtered by cluster, model and class when given, in (cluster, model, class) order. */
    public Uni<Page<OfferView>> list(Caller caller, UUID clusterId, String model, String classFilter,
            PageRequest page) {
        PriceClass priceClass = city.myriad.platform.validation.Fields.oneOf("class", classFilter, PriceClass.class);
        java.time.Instant now = clock.instant();
        return clusters.all().chain(all -> scoped.unscoped(() -> books.currentOfAll(now)
                .chain(priced -> books.scheduled(clusterId, now).map(scheduled -> {
                    Map<UUID, PriceBook> next = new java.util.HashMap<>();
                    scheduled.forEach(b -> next.putIfAbsent(b.clusterId(), b));  // soonest first
                    return new Priced(priced, next);
                }))).chain(priced -> {
            Map<UUID, ClusterRef> byId = all.stream().collect(Collectors.toMap(ClusterRef::id, Function.identity()));
            List<PriceBook> selected = priced.inForce().stream()
                    .filter(b -> clusterId == null || b.clusterId().equals(clusterId))
                    .filter(b -> byId.containsKey(b.clusterId())).toList();
            return offers(selected, priced.next(), byId, 0, new ArrayList<>());
        })).map(offers -> {
            List<OfferView> matching = offers.stream()
                    .filter(o -> model == null || o.model().equals(model))
                    .filter(o -> priceClass == null || o.priceClass() == priceClass)
                    .sorted(Comparator.comparing(OfferView::key))
                    .filter(o -> page.after().map(after -> o.key().compareTo(after) > 0).orElse(true))
                    .limit(page.limit() + 1L)
                    .toList();
            return page.page(matching, OfferView::key);
        });
    }

    /** The books in force, and each cluster's next scheduled one. */
    private record Priced(List<PriceBook> inForce, Map<UUID, PriceBook> next) {}

    private Uni<List<OfferView>> offers(List<PriceBook> books, Map<UUID, PriceBook> next,
            Map<UUID, ClusterRef> clustersById, int from, List<OfferView> into) {
        if (from >= books.size()) {
            return Uni.createFrom().item(into);
        }
        PriceBook book = books.get(from);
        return clusters.supply(book.clusterId()).chain(supply -> {
            into.addAll(offersOf(clustersById.get(book.clusterId()), book, next.get(book.clusterId()), supply));
            return offers(books, next, clustersById, from + 1, into);
        });
    }

    /** The offers of one book in force, each with its price under {@code next} (the next scheduled book, or null). */
    static List<OfferView> offersOf(ClusterRef cluster, PriceBook book, PriceBook next, List<ModelSupply> supply) {
        Map<String, ModelSupply> byModel = supply.stream()
                .collect(Collectors.toMap(ModelSupply::model, Function.identity()));
        List<OfferView> offers = new ArrayList<>();
        for (Price p : book.prices()) {
            ModelSupply s = byModel.getOrDefault(p.model(), new ModelSupply(p.model(), 0, 0, BigDecimal.ZERO));
            Money now = p.at(s.utilization());
            OfferPriceChange change = null;
            if (next != null) {
                Money then = next.price(p.model(), p.priceClass()).map(n -> n.at(s.utilization())).orElse(null);
                change = new OfferPriceChange(next.effectiveAt(), next.version(), then,
                        then == null ? null : then.times(premium(next)));
            }
            offers.add(new OfferView(cluster.id(), cluster.slug(), cluster.region(), p.model(), p.priceClass(), now,
                    now.times(premium(book)), p.followsUtilization(), s.availableCards(), s.largestBlockCards(),
                    book.version(), change));
        }
        return offers;
    }

    private static BigDecimal premium(PriceBook book) {
        return BigDecimal.ONE.add(BigDecimal.valueOf(book.sameBlockPremiumPercent(), 2));
    }
}

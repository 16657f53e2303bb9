package city.myriad.market.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.catalog.service.ClusterSupply.ClusterRef;
import city.myriad.catalog.service.ClusterSupply.ModelSupply;
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
 * seconds): a SPOT price that follows utilization moves with it, and the cards available are those free now.
 */
@ApplicationScoped
public class OfferService {

    private final Scoped scoped;
    private final ClusterSupply clusters;
    private final PriceBookRepository books;

    OfferService(Scoped scoped, ClusterSupply clusters, PriceBookRepository books) {
        this.scoped = scoped;
        this.clusters = clusters;
        this.books = books;
    }

    /** The offers, filtered by cluster, model and class when given, in (cluster, model, class) order. */
    public Uni<Page<OfferView>> list(Caller caller, UUID clusterId, String model, String classFilter,
            PageRequest page) {
        PriceClass priceClass = city.myriad.platform.validation.Fields.oneOf("class", classFilter, PriceClass.class);
        return clusters.all().chain(all -> scoped.unscoped(books::currentOfAll).chain(priced -> {
            Map<UUID, ClusterRef> byId = all.stream().collect(Collectors.toMap(ClusterRef::id, Function.identity()));
            List<PriceBook> selected = priced.stream()
                    .filter(b -> clusterId == null || b.clusterId().equals(clusterId))
                    .filter(b -> byId.containsKey(b.clusterId())).toList();
            return offers(selected, byId, 0, new ArrayList<>());
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

    private Uni<List<OfferView>> offers(List<PriceBook> books, Map<UUID, ClusterRef> clustersById, int from,
            List<OfferView> into) {
        if (from >= books.size()) {
            return Uni.createFrom().item(into);
        }
        PriceBook book = books.get(from);
        return clusters.supply(book.clusterId()).chain(supply -> {
            into.addAll(offersOf(clustersById.get(book.clusterId()), book, supply));
            return offers(books, clustersById, from + 1, into);
        });
    }

    static List<OfferView> offersOf(ClusterRef cluster, PriceBook book, List<ModelSupply> supply) {
        Map<String, ModelSupply> byModel = supply.stream()
                .collect(Collectors.toMap(ModelSupply::model, Function.identity()));
        BigDecimal premium = BigDecimal.ONE.add(BigDecimal.valueOf(book.sameBlockPremiumPercent(), 2));
        List<OfferView> offers = new ArrayList<>();
        for (Price p : book.prices()) {
            ModelSupply s = byModel.getOrDefault(p.model(), new ModelSupply(p.model(), 0, 0, BigDecimal.ZERO));
            Money now = p.at(s.utilization());
            offers.add(new OfferView(cluster.id(), cluster.slug(), cluster.region(), p.model(), p.priceClass(), now,
                    now.times(premium), p.followsUtilization(), s.availableCards(), s.largestBlockCards(),
                    book.version()));
        }
        return offers;
    }
}

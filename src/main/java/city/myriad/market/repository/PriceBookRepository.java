package city.myriad.market.repository;

import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;

import city.myriad.market.model.Price;
import city.myriad.market.model.PriceBook;
import city.myriad.market.model.PriceBookTimeline;
import city.myriad.market.model.PriceClass;
import city.myriad.platform.money.Money;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Price books, append-only: a new version is inserted whole, nothing is ever updated. Runs in the caller's transaction. */
@ApplicationScoped
public class PriceBookRepository {

    /**
     * The version in force at {@code at} of every cluster that has one, in cluster order: of the versions effective by
     * then, the newest (a version set later with an earlier {@code effectiveAt} supersedes one scheduled after it).
     */
    public Uni<List<PriceBook>> currentOfAll(Instant at) {
        return SessionSql.select(CURRENT.formatted("")).setParameter("at", SqlTimes.utc(at))
                .getResultList().map(PriceBookRepository::books);
    }

    /** The version of the cluster's price book in force at {@code at}; empty if none is. */
    public Uni<java.util.Optional<PriceBook>> current(UUID clusterId, Instant at) {
        return SessionSql.select(CURRENT.formatted("and cluster_id = :cluster"))
                .setParameter("cluster", clusterId).setParameter("at", SqlTimes.utc(at))
                .getResultList().map(rows -> books(rows).stream().findFirst());
    }

    private static final String CURRENT = """
            select b.cluster_id, b.version, b.currency, b.same_block_premium_percent, b.effective_at,
                   b.set_by, p.model, p.price_class, p.unit_price_minor, p.floor_minor, p.ceiling_minor
              from (select distinct on (cluster_id) * from price_books where effective_at <= :at %s
                     order by cluster_id, version desc) b
              join prices p on p.cluster_id = b.cluster_id and p.version = b.version
             order by b.cluster_id, p.model, p.price_class""";

    /**
     * The versions of the cluster's book (every cluster's for null) that will come into force after {@code at}, in
     * cluster and time order: effective after {@code at}, and not superseded (no newer version effective at or before
     * theirs).
     */
    public Uni<List<PriceBook>> scheduled(UUID clusterId, Instant at) {
        SessionSql q = SessionSql.select("""
                        select b.cluster_id, b.version, b.currency, b.same_block_premium_percent, b.effective_at,
                               b.set_by, p.model, p.price_class, p.unit_price_minor, p.floor_minor, p.ceiling_minor
                          from price_books b
                          join prices p on p.cluster_id = b.cluster_id and p.version = b.version
                         where b.effective_at > :at""" + (clusterId == null ? "" : " and b.cluster_id = :cluster") + """

                           and not exists (select 1 from price_books later
                                            where later.cluster_id = b.cluster_id and later.version > b.version
                                              and later.effective_at <= b.effective_at)
                         order by b.cluster_id, b.effective_at, p.model, p.price_class""")
                .setParameter("at", SqlTimes.utc(at));
        if (clusterId != null) {
            q.setParameter("cluster", clusterId);
        }
        return q.getResultList().map(PriceBookRepository::books);
    }

    /**
     * The cluster's versions older than {@code before} (every one for null), newest first, at most {@code limit}, each
     * with its prices.
     */
    public Uni<List<PriceBook>> versions(UUID clusterId, Integer before, int limit) {
        return SessionSql.select("""
                        select b.cluster_id, b.version, b.currency, b.same_block_premium_percent, b.effective_at,
                               b.set_by, p.model, p.price_class, p.unit_price_minor, p.floor_minor, p.ceiling_minor
                          from (select * from price_books
                                 where cluster_id = :cluster and version < :before
                                 order by version desc limit :limit) b
                          join prices p on p.cluster_id = b.cluster_id and p.version = b.version
                         order by b.version desc, p.model, p.price_class""")
                .setParameter("cluster", clusterId).setParameter("before", before == null ? Integer.MAX_VALUE : before)
                .setParameter("limit", limit)
                .getResultList().map(PriceBookRepository::books);
    }

    /** Every version's number and effectiveAt of the cluster's book: its timeline. */
    public Uni<List<PriceBookTimeline.Entry>> timeline(UUID clusterId) {
        return SessionSql.select("select version, effective_at from price_books where cluster_id = :cluster")
                .setParameter("cluster", clusterId).getResultList()
                .map(rows -> rows.stream().map(r -> new PriceBookTimeline.Entry(((Number) r[0]).intValue(),
                        SqlTimes.instant(r[1]))).toList());
    }

    /**
     * Records the SPOT price of the cluster's model now, unless it is the price recorded last (same amount, currency
     * and book version). Whether a row was written.
     */
    public Uni<Boolean> recordSpotPrice(UUID clusterId, String model, java.time.Instant at, int version,
            String currency, long unitPriceMinor, java.math.BigDecimal utilization) {
        return SessionSql.select("""
                        with last as (select price_book_version, currency, unit_price_minor from spot_prices
                                       where cluster_id = :cluster and model = :model order by at desc limit 1),
                             added as (insert into spot_prices (cluster_id, model, at, price_book_version, currency,
                                                                unit_price_minor, utilization)
                                       select :cluster, :model, :at, :version, :currency, :price, :utilization
                                        where not exists (select 1 from last where price_book_version = :version
                                                            and currency = :currency and unit_price_minor = :price)
                                       on conflict do nothing
                                       returning 1)
                        select count(*) from added""")
                .setParameter("cluster", clusterId).setParameter("model", model)
                .setParameter("at", city.myriad.platform.db.SqlTimes.utc(at)).setParameter("version", version)
                .setParameter("currency", currency).setParameter("price", unitPriceMinor)
                .setParameter("utilization", utilization)
                .singleValue(Long.class).map(n -> n > 0);
    }

    /**
     * Removes the SPOT prices recorded before {@code before}, but for the last one of each cluster and model (still in
     * force at {@code before}, so that a read from then on starts with it). How many went.
     */
    public Uni<Long> pruneSpotPrices(java.time.Instant before) {
        return SessionSql.select("""
                        with gone as (delete from spot_prices s
                                       where s.at < :before
                                         and exists (select 1 from spot_prices later
                                                      where later.cluster_id = s.cluster_id and later.model = s.model
                                                        and later.at > s.at and later.at <= :before)
                                      returning 1)
                        select count(*) from gone""")
                .setParameter("before", city.myriad.platform.db.SqlTimes.utc(before))
                .singleValue(Long.class);
    }

    /**
     * The SPOT prices of the cluster's model (every model's for null) in force in [from, to): the one in force at
     * {@code from} (recorded before it) and those recorded since, in time order, at most {@code limit}: model, at,
     * book version, currency, unit price, utilization.
     */
    public Uni<List<Object[]>> spotPrices(UUID clusterId, String model, java.time.Instant from, java.time.Instant to,
            int limit) {
        String byModel = model == null ? "" : " and model = :model";
        SessionSql q = SessionSql.select("""
                        select model, at, price_book_version, currency, unit_price_minor, utilization from (
                            select distinct on (model) * from spot_prices
                             where cluster_id = :cluster and at <= :from""" + byModel + """

                             order by model, at desc) before
                        union all
                        select model, at, price_book_version, currency, unit_price_minor, utilization from spot_prices
                         where cluster_id = :cluster and at > :from and at < :to""" + byModel + """

                        order by at, model limit :limit""")
                .setParameter("cluster", clusterId)
                .setParameter("from", city.myriad.platform.db.SqlTimes.utc(from))
                .setParameter("to", city.myriad.platform.db.SqlTimes.utc(to))
                .setParameter("limit", limit);
        if (model != null) {
            q.setParameter("model", model);
        }
        return q.getResultList();
    }

    /** The newest version number of the cluster's price book, 0 if it has none. */
    public Uni<Integer> latestVersion(UUID clusterId) {
        return SessionSql.select("select coalesce(max(version), 0) from price_books where cluster_id = :cluster")
                .setParameter("cluster", clusterId)
                .singleValue(Integer.class);
    }

    /** Inserts a new version; a concurrent writer of the same version makes this fail on the primary key. */
    public Uni<Void> insert(PriceBook book) {
        return Panache.getSession().chain(s -> s.createNativeQuery("""
                        insert into price_books (cluster_id, version, currency, same_block_premium_percent,
                                                 effective_at, set_by)
                        values (:cluster, :version, :currency, :premium, :at, :by)""")
                .setParameter("cluster", book.clusterId())
                .setParameter("version", book.version())
                .setParameter("currency", book.currency())
                .setParameter("premium", book.sameBlockPremiumPercent())
                .setParameter("at", SqlTimes.utc(book.effectiveAt()))
                .setParameter("by", book.setBy())
                .executeUpdate()
                .chain(() -> insertPrices(s, book, 0)))
                .replaceWithVoid();
    }

    private static Uni<Void> insertPrices(org.hibernate.reactive.mutiny.Mutiny.Session s, PriceBook book, int from) {
        if (from >= book.prices().size()) {
            return Uni.createFrom().voidItem();
        }
        Price p = book.prices().get(from);
        return s.createNativeQuery("""
                        insert into prices (cluster_id, version, model, price_class, unit_price_minor, floor_minor,
                                            ceiling_minor)
                        values (:cluster, :version, :model, :class, :unit, :floor, :ceiling)""")
                .setParameter("cluster", book.clusterId())
                .setParameter("version", book.version())
                .setParameter("model", p.model())
                .setParameter("class", p.priceClass().name())
                .setParameter("unit", p.unitPrice().amountMinor())
                .setParameter("floor", p.floor() == null ? null : p.floor().amountMinor())
                .setParameter("ceiling", p.ceiling() == null ? null : p.ceiling().amountMinor())
                .executeUpdate()
                .chain(() -> insertPrices(s, book, from + 1));
    }

    private static List<PriceBook> books(List<Object[]> rows) {
        Map<String, PriceBook> books = new LinkedHashMap<>();
        Map<String, List<Price>> prices = new LinkedHashMap<>();
        for (Object[] r : rows) {
            UUID cluster = (UUID) r[0];
            int version = ((Number) r[1]).intValue();
            String currency = (String) r[2];
            String key = cluster + "/" + version;
            books.computeIfAbsent(key, k -> new PriceBook(cluster, version, currency, ((Number) r[3]).intValue(),
                    SqlTimes.instant(r[4]), (String) r[5], List.of()));
            Money floor = r[9] == null ? null : Money.of(((Number) r[9]).longValue(), currency);
            Money ceiling = r[10] == null ? null : Money.of(((Number) r[10]).longValue(), currency);
            prices.computeIfAbsent(key, k -> new ArrayList<>()).add(new Price((String) r[6],
                    PriceClass.valueOf((String) r[7]), Money.of(((Number) r[8]).longValue(), currency), floor, ceiling));
        }
        List<PriceBook> result = new ArrayList<>();
        books.forEach((key, b) -> result.add(new PriceBook(b.clusterId(), b.version(), b.currency(),
                b.sameBlockPremiumPercent(), b.effectiveAt(), b.setBy(), prices.get(key))));
        return result;
    }
}

package city.myriad.metering.service;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.metering.mapping.MeteringApi.OccupancyLine;
import city.myriad.metering.mapping.MeteringApi.OccupancyView;
import city.myriad.metering.repository.OccupancyRepository;
import city.myriad.metering.repository.OccupancyRepository.Amount;
import city.myriad.metering.repository.OccupancyRepository.Kind;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.json.Decimals;
import city.myriad.platform.security.Caller;
import city.myriad.platform.validation.Fields;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * How full a cluster was kept: its cards by the state of their nodes, against the cards given to runs and held by
 * reservations, by hour or day and card model. Rules:
 * <ul>
 * <li>The cluster's operator and platform admins only (403 {@code OPERATOR_ROLE_REQUIRED} for anyone else, 403
 * {@code NOT_CLUSTER_OPERATOR} for another operator, 404 {@code CLUSTER_NOT_FOUND}).</li>
 * <li>Over [from, to), buckets aligned on {@code from}: at most 31 days by hour, 400 days by day.</li>
 * <li>Cards in service are those of AVAILABLE and DRAINING nodes (a draining node still runs its work); DOWN cards
 * count in the inventory, not in the denominator: no scheduler can fill a card that is down.</li>
 * <li>A node's state over time comes from V71's history, kept from when Myriad first knew the node; before that its
 * cards are not counted (a run recorded on them then shows with no capacity: allocation null).</li>
 * </ul>
 */
@ApplicationScoped
public class ClusterOccupancy {

    static final Duration MAX_HOURLY_RANGE = Duration.ofDays(31);
    static final Duration MAX_RANGE = Duration.ofDays(400);

    private final Scoped scoped;
    private final OccupancyRepository occupancy;
    private final ClusterSupply clusters;
    private final Clock clock;

    ClusterOccupancy(Scoped scoped, OccupancyRepository occupancy, ClusterSupply clusters, Clock clock) {
        this.scoped = scoped;
        this.occupancy = occupancy;
        this.clusters = clusters;
        this.clock = clock;
    }

    public Uni<OccupancyView> of(Caller caller, UUID clusterId, String fromText, String toText, String groupByText,
            String model) {
        Instant from = Fields.instant("from", fromText);
        Instant to = Fields.instant("to", toText);
        String groupBy = groupByText == null ? "day" : groupByText;
        if (!groupBy.equals("hour") && !groupBy.equals("day")) {
            throw Fields.invalid("groupBy", "hour or day");
        }
        if (!to.isAfter(from)) {
            throw Fields.invalid("to", "after from");
        }
        boolean hourly = groupBy.equals("hour");
        if (Duration.between(from, to).compareTo(hourly ? MAX_HOURLY_RANGE : MAX_RANGE) > 0) {
            throw Fields.invalid("to", hourly ? "at most 31 days after from when grouped by hour"
                    : "at most 400 days after from");
        }
        Duration step = hourly ? Duration.ofHours(1) : Duration.ofDays(1);
        Instant now = clock.instant();
        return clusters.managed(caller, clusterId)
                .chain(cluster -> model == null ? Uni.createFrom().voidItem()
                        : scoped.asPlatform(() -> occupancy.modelsEver(clusterId)).invoke(models -> {
                            if (!models.contains(model)) {
                                throw Fields.invalid("model", "a card model the cluster has or had: " + String.join(
                                        ", ", models));
                            }
                        }).replaceWithVoid())
                .chain(() -> scoped.asPlatform(() -> occupancy.amounts(clusterId, model, from, to, step, now)))
                .map(amounts -> view(clusterId, from, to, groupBy, model, amounts));
    }

    static OccupancyView view(UUID clusterId, Instant from, Instant to, String groupBy, String model,
            List<Amount> amounts) {
        Map<Instant, Map<String, Map<Kind, Long>>> byBucket = new TreeMap<>();
        Map<String, Map<Kind, Long>> total = new TreeMap<>();
        for (Amount a : amounts) {
            byBucket.computeIfAbsent(a.bucket(), b -> new TreeMap<>())
                    .computeIfAbsent(a.model(), m -> new EnumMap<>(Kind.class)).merge(a.kind(), a.cardMilliSeconds(),
                            Long::sum);
            total.computeIfAbsent(a.model(), m -> new EnumMap<>(Kind.class)).merge(a.kind(), a.cardMilliSeconds(),
                    Long::sum);
        }
        List<OccupancyLine> lines = new ArrayList<>();
        byBucket.forEach((bucket, models) -> models.forEach((m, kinds) -> lines.add(line(bucket, m, kinds))));
        Map<String, Map<Kind, Long>> ordered = new LinkedHashMap<>(total);
        return new OccupancyView(clusterId, from, to, groupBy, model, lines,
                ordered.entrySet().stream().map(e -> line(from, e.getKey(), e.getValue())).toList());
    }

    static OccupancyLine line(Instant start, String model, Map<Kind, Long> kinds) {
        long available = kinds.getOrDefault(Kind.AVAILABLE, 0L);
        long draining = kinds.getOrDefault(Kind.DRAINING, 0L);
        long down = kinds.getOrDefault(Kind.DOWN, 0L);
        long onDemand = kinds.getOrDefault(Kind.RUN_ON_DEMAND, 0L);
        long spot = kinds.getOrDefault(Kind.RUN_SPOT, 0L);
        long reserved = kinds.getOrDefault(Kind.RUN_RESERVED, 0L);
        long held = kinds.getOrDefault(Kind.HOLD, 0L);
        long inService = available + draining;
        return new OccupancyLine(start, model, cardSeconds(available + draining + down), cardSeconds(available),
                cardSeconds(draining), cardSeconds(down), cardSeconds(onDemand + spot + reserved),
                cardSeconds(onDemand), cardSeconds(spot), cardSeconds(reserved), cardSeconds(held),
                ratio(onDemand + spot + reserved, inService), ratio(held + onDemand + spot, inService));
    }

    /** part / whole to four decimals, half even; null when the whole is 0. */
    static BigDecimal ratio(long part, long whole) {
        return whole == 0 ? null : BigDecimal.valueOf(part).divide(BigDecimal.valueOf(whole), 4,
                RoundingMode.HALF_EVEN);
    }

    private static BigDecimal cardSeconds(long cardMilliSeconds) {
        return Decimals.plain(BigDecimal.valueOf(cardMilliSeconds, 3));
    }
}

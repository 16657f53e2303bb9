package city.myriad.market.mapping;

import city.myriad.market.model.Price;
import city.myriad.market.model.PriceBook;
import city.myriad.market.model.PriceClass;
import city.myriad.platform.money.Money;
import city.myriad.platform.validation.MaxChars;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The market domain's API models, kept apart from its values. */
public final class MarketApi {

    private MarketApi() {}

    @Schema(name = "PriceEntry", description = "The price of one card-hour of one model in one class")
    public record PriceEntry(
            @NotBlank @MaxChars(128) @Schema(maxLength = 128, examples = "ASCEND-910B") String model,
            @NotNull @JsonProperty("class") @Schema(name = "class", examples = "ON_DEMAND") PriceClass priceClass,
            @NotNull @Valid Money unitPrice,
            @Valid @Schema(description = "SPOT only, with ceiling: the price at 0% utilization") Money floor,
            @Valid @Schema(description = "SPOT only, with floor: the price at 100% utilization") Money ceiling) {

        public static PriceEntry of(Price p) {
            return new PriceEntry(p.model(), p.priceClass(), p.unitPrice(), p.floor(), p.ceiling());
        }
    }

    @Schema(name = "SetPrices", description = "A cluster's whole price book: one currency, one price per model and class")
    public record SetPrices(
            @NotEmpty @Size(max = 300) List<@Valid @NotNull PriceEntry> prices,
            @Min(0) @Max(1000) @Schema(description = "Surcharge in percent for keeping a gang inside one block "
                    + "(default 0)", examples = "10", minimum = "0", maximum = "1000") Integer sameBlockPremiumPercent,
            @Schema(description = "When the book comes into force: now when left out, or a time to come, at most 366 "
                    + "days ahead (a price change announced to buyers: `getPrices` lists it under `scheduled`, "
                    + "`listOffers` as each offer's `priceChange`). It replaces the schedule from then on: a change "
                    + "scheduled at or after it is superseded and never comes into force",
                    examples = "2027-01-01T00:00:00Z") Instant effectiveAt) {}

    @Schema(name = "PriceBook", description = "A version of a cluster's price book, never changed once set: the one "
            + "in force (getPrices), or the one just set (setPrices)")
    public record PriceBookView(UUID clusterId, @Schema(examples = "3") int version,
            @Schema(examples = "CNY") String currency, @Schema(examples = "10") int sameBlockPremiumPercent,
            @Schema(description = "When it came (or comes) into force") Instant effectiveAt, List<PriceEntry> prices,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Schema(description = "getPrices: the versions set to come into "
                    + "force later, soonest first ([] for none), each in force from its effectiveAt until the next; "
                    + "left out of setPrices' answer")
            List<ScheduledPriceBook> scheduled) {

        /** A version alone: setPrices' answer. */
        public static PriceBookView of(PriceBook b) {
            return of(b, null);
        }

        /** The version in force with what is scheduled after it (getPrices). */
        public static PriceBookView of(PriceBook b, List<PriceBook> scheduled) {
            return new PriceBookView(b.clusterId(), b.version(), b.currency(), b.sameBlockPremiumPercent(),
                    b.effectiveAt(), b.prices().stream().map(PriceEntry::of).toList(),
                    scheduled == null ? null : scheduled.stream().map(ScheduledPriceBook::of).toList());
        }
    }

    @Schema(name = "ScheduledPriceBook", description = "A version of the price book set to come into force later")
    public record ScheduledPriceBook(@Schema(examples = "4") int version, @Schema(examples = "CNY") String currency,
            @Schema(examples = "10") int sameBlockPremiumPercent,
            @Schema(description = "When it comes into force", examples = "2027-01-01T00:00:00Z") Instant effectiveAt,
            List<PriceEntry> prices) {

        static ScheduledPriceBook of(PriceBook b) {
            return new ScheduledPriceBook(b.version(), b.currency(), b.sameBlockPremiumPercent(), b.effectiveAt(),
                    b.prices().stream().map(PriceEntry::of).toList());
        }
    }

    @Schema(name = "PriceBookVersion", description = "A version of a cluster's price book, past, present or to come, "
            + "with its standing: what a job or reservation sold at that version was priced by")
    public record PriceBookVersionView(UUID clusterId, @Schema(examples = "3") int version,
            @Schema(examples = "CNY") String currency, @Schema(examples = "10") int sameBlockPremiumPercent,
            @Schema(description = "When it came (or comes) into force, or would have (SUPERSEDED)") Instant effectiveAt,
            List<PriceEntry> prices,
            @Schema(description = "IN_FORCE now; SCHEDULED to come; RETIRED: was in force until inForceUntil; "
                    + "SUPERSEDED: never in force (a newer version took over at or before its effectiveAt)",
                    enumeration = {"IN_FORCE", "SCHEDULED", "RETIRED", "SUPERSEDED"}) String status,
            @Schema(description = "When it stops (or stopped) being in force: the next version's effectiveAt; null "
                    + "while none is set to follow it, and for a SUPERSEDED one") Instant inForceUntil) {

        public static PriceBookVersionView of(PriceBook b, city.myriad.market.model.PriceBookTimeline.Standing s) {
            return new PriceBookVersionView(b.clusterId(), b.version(), b.currency(), b.sameBlockPremiumPercent(),
                    b.effectiveAt(), b.prices().stream().map(PriceEntry::of).toList(), s.status().name(),
                    s.inForceUntil());
        }
    }

    @Schema(name = "OfferPriceChange", description = "The next price change of an offer, scheduled by its cluster's "
            + "operator (setPrices with effectiveAt)")
    public record OfferPriceChange(@Schema(description = "When the new price comes into force") Instant effectiveAt,
            @Schema(examples = "4") int priceBookVersion,
            @Schema(description = "Per card-hour from then (a SPOT price that follows utilization: at today's "
                    + "utilization); null when the offer is no longer sold from then") Money unitPrice,
            @Schema(description = "The same with the guarantee that a gang stays inside one block; null with "
                    + "unitPrice") Money sameBlockUnitPrice) {}

    @Schema(name = "Offer", description = "Cards of one model in one class on one cluster, for sale now")
    public record OfferView(UUID clusterId, @Schema(examples = "hangzhou-city") String clusterSlug,
            @Schema(examples = "cn-east-hangzhou") String region, @Schema(examples = "ASCEND-910B") String model,
            @JsonProperty("class") @Schema(name = "class", examples = "ON_DEMAND") PriceClass priceClass,
            @Schema(description = "Per card-hour, now (a SPOT price that follows utilization is today's)")
            Money unitPrice,
            @Schema(description = "Per card-hour with the guarantee that a gang stays inside one block") Money sameBlockUnitPrice,
            @Schema(examples = "false") boolean priceFollowsUtilization,
            @Schema(description = "Cards on available nodes now", examples = "10000") long cardsAvailable,
            @Schema(description = "The most cards available in one block: the largest gang that fits in one block now",
                    examples = "1280") long largestGangInOneBlock,
            @Schema(examples = "3") int priceBookVersion,
            @Schema(description = "The next change of this price that its operator scheduled; null for none")
            OfferPriceChange priceChange) {

        public String key() {
            return clusterId + "|" + model + "|" + priceClass;
        }
    }

    @Schema(name = "CreateReservation", description = "A block of cards to buy for a window")
    public record CreateReservation(
            @NotNull UUID clusterId,
            @NotNull UUID projectId,
            @NotBlank @MaxChars(128) @Schema(maxLength = 128, examples = "ASCEND-910B") String model,
            @NotNull @Min(1) @Max(1000000) @Schema(examples = "64", minimum = "1", maximum = "1000000") Integer cards,
            @NotNull @Schema(examples = "2026-12-01T08:00:00Z") Instant startAt,
            @NotNull @Schema(examples = "2026-12-01T20:00:00Z") Instant endAt,
            @Schema(description = "Keep all cards inside one block (the same-block premium applies); default false")
            Boolean sameBlock,
            @Schema(description = "A quote of this tenant for this very shape: the reservation gets its price")
            UUID quoteId) {}

    @Schema(name = "CreateQuote", description = "A shape to price: a reservation (startAt, endAt) or a job (maxRunSeconds)")
    public record CreateQuote(
            @NotNull UUID clusterId,
            @NotBlank @MaxChars(128) @Schema(maxLength = 128, examples = "ASCEND-910B") String model,
            @NotNull @Min(1) @Max(1000000) @Schema(examples = "16", minimum = "1", maximum = "1000000") Integer cards,
            @NotNull @JsonProperty("class") @Schema(name = "class", examples = "RESERVED") PriceClass priceClass,
            @Schema(description = "RESERVED: the window's start", examples = "2026-12-01T08:00:00Z") Instant startAt,
            @Schema(description = "RESERVED: the window's end", examples = "2026-12-01T20:00:00Z") Instant endAt,
            @Min(1) @Max(31622400) @Schema(description = "ON_DEMAND and SPOT: the job's longest run, in seconds",
                    examples = "3600", minimum = "1", maximum = "31622400") Long maxRunSeconds,
            @Schema(description = "Keep all cards inside one block (the same-block premium applies)") Boolean sameBlock,
            @Min(0) @Max(1000000000)
            @Schema(description = "ON_DEMAND and SPOT: the CPU the job will ask, in thousandths of a core (createJob's "
                    + "cpuMilli): earliestStartAt counts it, and a job no nodes could ever carry is not quoted (409). "
                    + "The price is per card-hour either way", examples = "64000", minimum = "0",
                    maximum = "1000000000") Long cpuMilli,
            @Min(0) @Max(1000000000)
            @Schema(description = "ON_DEMAND and SPOT: the memory the job will ask, in MiB (createJob's memoryMib)",
                    examples = "524288", minimum = "0", maximum = "1000000000") Long memoryMib,
            @Schema(description = "ON_DEMAND and SPOT: the job's notBefore (createJob's; at most 31 days ahead): "
                    + "earliestStartAt is no sooner, and counts the queue as the job would meet it, eligible from "
                    + "then. Left out, or a time past: as soon as it can", examples = "2026-12-06T22:00:00Z")
            Instant notBefore,
            @Min(-100) @Max(100)
            @Schema(description = "ON_DEMAND and SPOT: the job's priority among the tenant's own jobs (createJob's; "
                    + "-100 to 100, default 0): earliestStartAt counts the tenant's queued jobs as a job of that "
                    + "priority meets them. Not a term of the price", minimum = "-100", maximum = "100",
                    examples = "10") Integer priority,
            @Schema(description = "ON_DEMAND and SPOT: the project the job will run in (createJob's projectId): "
                    + "earliestStartAt counts that project's card limits beside the tenant's (a job waits for both). "
                    + "Left out: the tenant's limits only. Not a term of the price: a job bought with the quote may be "
                    + "of another project") UUID projectId) {}

    @Schema(name = "Quote", description = "When, where and at what price; valid until expiresAt")
    public record QuoteView(UUID id, UUID clusterId, @Schema(examples = "ASCEND-910B") String model,
            @Schema(examples = "16") int cards,
            @JsonProperty("class") @Schema(name = "class", examples = "RESERVED") PriceClass priceClass,
            @Schema(examples = "false") boolean sameBlock, Instant startAt, Instant endAt,
            @Schema(examples = "3600") Long maxRunSeconds,
            @Schema(description = "The job's CPU the quote counts, in thousandths of a core (0: none)",
                    examples = "64000") long cpuMilli,
            @Schema(description = "The job's memory the quote counts, in MiB (0: none)", examples = "524288")
            long memoryMib,
            @Schema(description = "The job's notBefore the quote was asked for; absent: as soon as it can")
            Instant notBefore,
            @Schema(description = "The job's priority among the tenant's jobs the quote was asked for (0: normal)",
                    examples = "0") int priority,
            @Schema(description = "The project whose card limits the quote counted beside the tenant's; absent: "
                    + "the tenant's only") UUID projectId,
            @Schema(description = "Per card-hour") Money unitPrice,
            @Schema(description = "For the whole window; for a job, for its longest run") Money totalPrice,
            @Schema(description = "The earliest start the cluster can honour now: for a reservation from the "
                    + "capacity calendar; for a job also behind the work running and the queued jobs the scheduler "
                    + "would start first, the estimatedStartAt its view shows once submitted (docs/market.md: how "
                    + "it is estimated, and how good it is)") Instant earliestStartAt,
            @Schema(examples = "1") int priceBookVersion, Instant expiresAt, Instant createdAt,
            @Schema(description = "The reservation or job that used it: a quote prices one purchase (another one "
                    + "naming it is 409 QUOTE_USED). Absent while unused") UUID usedBy,
            @Schema(description = "OPEN while it can price a purchase, USED once one used it, EXPIRED once its "
                    + "time is up unused", enumeration = {"OPEN", "USED", "EXPIRED"}, examples = "OPEN") String state)
            implements city.myriad.platform.Identified {}

    @Schema(name = "ReservationNode", description = "A node the cluster's scheduler gives a reservation")
    public record ReservationNodeView(@Schema(examples = "hz-n0001") String node,
            @Schema(examples = "hz-b01") String block, @Schema(examples = "hz-r001") String rack,
            @Schema(description = "HELD: its window is open and the node takes the tenant's jobs (and others' spot "
                    + "work while idle); KEPT: its window begins within the look-ahead, and the node takes no other "
                    + "tenant's non-preemptible job declared to run past the window's start",
                    enumeration = {"HELD", "KEPT"}, examples = "HELD") String state,
            @Schema(description = "Since when the scheduler has given it so") Instant since) {}

    @Schema(name = "ReservationNodes")
    public record ReservationNodes(List<ReservationNodeView> items) {}

    @Schema(name = "ClusterReservedNode", description = "A node of the cluster that a reservation holds or keeps")
    public record ClusterReservedNodeView(@Schema(examples = "hz-n0001") String node,
            @Schema(examples = "hz-b01") String block, @Schema(examples = "hz-r001") String rack,
            @Schema(description = "HELD: the reservation's window is open; KEPT: kept for its window to come",
                    enumeration = {"HELD", "KEPT"}, examples = "KEPT") String state,
            @Schema(description = "Since when the scheduler has given it so") Instant since, UUID reservationId,
            UUID tenantId, @Schema(description = "The reservation's window") Instant startAt, Instant endAt) {}

    @Schema(name = "ClusterReservedNodes")
    public record ClusterReservedNodes(List<ClusterReservedNodeView> items) {}

    @Schema(name = "Reservation", description = "Cards bought for a window, at the price they were sold at")
    public record ReservationView(UUID id, UUID tenantId, UUID projectId, UUID clusterId,
            @Schema(examples = "ASCEND-910B") String model, @Schema(examples = "64") int cards, Instant startAt,
            Instant endAt, @Schema(examples = "false") boolean sameBlock,
            @Schema(description = "The block that holds the cards of a same-block reservation", examples = "hz-b01")
            String block,
            @Schema(examples = "CONFIRMED", enumeration = {"CONFIRMED", "ACTIVE", "ENDED", "CANCELLED"}) String state,
            @Schema(description = "Per card-hour, as bought") Money unitPrice,
            @Schema(description = "The purchase: unitPrice × cards × the hours of the window as bought (startAt to "
                    + "boughtEndAt)") Money totalPrice,
            @Schema(examples = "1") int priceBookVersion,
            @Schema(description = "What the cancellation cost, if cancelled") Money cancellationFee,
            Instant cancelledAt, Instant createdAt,
            @Schema(description = "Cards it is short of now: sold, but not usable by it, while nodes of its model are "
                    + "out of service and no other node can stand in, or while other tenants' work placed before its "
                    + "window still runs on the nodes it holds and no freer node can stand in. The reserved card time "
                    + "not delivered is credited on the invoice (`RESERVATION_SHORTFALL_CREDIT`)", examples = "0")
            int cardsShort,
            @Schema(description = "The window's end as bought; `endAt` is later once the reservation was extended")
            Instant boughtEndAt,
            @Schema(description = "What its extensions cost together (`listReservationExtensions`); zero when it "
                    + "was never extended") Money extensionsPrice)
            implements city.myriad.platform.Identified {}

    @Schema(name = "ExtendReservation", description = "The later end a reservation's window is to have")
    public record ExtendReservation(
            @NotNull @Schema(description = "The window's new end, after its end now", examples = "2026-12-02T08:00:00Z")
            Instant endAt) {}

    @Schema(name = "ReservationExtension", description = "A reservation's window made longer: the same cards from its "
            + "end before (`fromAt`) to its new end (`toAt`), bought at the RESERVED price of the book in force then "
            + "and billed once, in the period it was bought (invoice line `RESERVATION_EXTENSION`)")
    public record ReservationExtensionView(UUID id, UUID reservationId, Instant fromAt, Instant toAt,
            @Schema(examples = "64") int cards, @Schema(description = "Per card-hour") Money unitPrice,
            @Schema(description = "unitPrice × cards × the hours from fromAt to toAt") Money totalPrice,
            @Schema(examples = "2") int priceBookVersion, Instant createdAt,
            @Schema(description = "The reservation as it is after this extension (in the answer to "
                    + "extendReservation only)") ReservationView reservation)
            implements city.myriad.platform.Identified {}

    @Schema(name = "ReservationUtilization", description = "How much of a reservation's card time its jobs used, from "
            + "its window's start up to now (or its end): card-hours reserved and used, in all and per UTC day. The "
            + "unused part was paid and idle; `unusedCost` is its share of the price (extensions included)")
    public record ReservationUtilizationView(UUID reservationId,
            @Schema(description = "The window's start") Instant from,
            @Schema(description = "Up to when it is counted: now, or the window's end once it has passed; `from` "
                    + "for a reservation not begun or cancelled (nothing reserved yet)") Instant to,
            @Schema(examples = "128") BigDecimal reservedCardHours,
            @Schema(examples = "101.5") BigDecimal usedCardHours,
            @Schema(examples = "26.5") BigDecimal unusedCardHours,
            @Schema(description = "usedCardHours / reservedCardHours, 0 to 1; absent before anything was reserved",
                    examples = "0.793") BigDecimal utilization,
            @Schema(description = "The price's share for the unused card-hours (price and extensions × unused ÷ the "
                    + "whole window's card-hours), rounded half-even") Money unusedCost,
            @Schema(description = "Cards its jobs run on now", examples = "8") BigDecimal cardsInUseNow,
            @Schema(description = "Jobs that ran in it so far", examples = "3") int jobs,
            List<DayUtilizationView> days) {}

    @Schema(name = "DayUtilization", description = "One UTC day of a reservation's utilization (the first and last "
            + "may be part days)")
    public record DayUtilizationView(@Schema(examples = "2026-12-06") java.time.LocalDate day,
            @Schema(examples = "64") BigDecimal reservedCardHours, @Schema(examples = "50.25") BigDecimal usedCardHours,
            @Schema(examples = "0.785") BigDecimal utilization) {}

    @Schema(name = "SpotPrice", description = "A SPOT price of a model, in force from `at` until the next one")
    public record SpotPriceView(@Schema(examples = "ASCEND-910B") String model, Instant at,
            @Schema(description = "Per card-hour") Money unitPrice,
            @Schema(description = "The price book version it follows", examples = "3") int priceBookVersion,
            @Schema(description = "The model's utilization it was priced at (0 to 1)", examples = "0.8125")
            BigDecimal utilization) {}

    @Schema(name = "SpotPrices", description = "The SPOT prices of a cluster over a stretch: the one in force at "
            + "`from`, then each change, in time order (sampled each minute)")
    public record SpotPrices(UUID clusterId, Instant from, Instant to, List<SpotPriceView> items,
            @Schema(description = "true when more than 10,000 prices fell in the stretch and only the first are here: "
                    + "ask again from the last one's `at`") boolean truncated) {}

    @Schema(name = "ExtensionOffer", description = "What extending a reservation to `toAt` would cost now and whether "
            + "its cards are free for it (nothing is bought or held: extendReservation buys it, checking again, and "
            + "checks the card quota and the budget too)")
    public record ExtensionOfferView(UUID reservationId,
            @Schema(description = "The reservation's end now: where the extension would begin") Instant fromAt,
            @Schema(description = "The end asked") Instant toAt,
            @Schema(description = "Whether its cards (its block's, for a same-block one) are free up to toAt now")
            boolean available,
            @Schema(description = "The latest end they are free to now, up to toAt; absent when not a moment past "
                    + "its end is free") Instant latestEndAt,
            @Schema(examples = "64") int cards, @Schema(description = "Per card-hour, the book in force now") Money
            unitPrice,
            @Schema(description = "unitPrice × cards × the hours from fromAt to toAt") Money totalPrice,
            @Schema(examples = "2") int priceBookVersion) {}

    @Schema(name = "ReservationExtensions")
    public record ReservationExtensions(List<ReservationExtensionView> items) {}
}

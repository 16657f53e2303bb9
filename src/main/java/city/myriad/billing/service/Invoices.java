package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.BillTo;
import city.myriad.billing.mapping.BillingApi.BillingAddress;
import city.myriad.billing.mapping.BillingApi.InvoiceLineView;
import city.myriad.billing.mapping.BillingApi.InvoiceView;
import city.myriad.billing.mapping.BillingApi.Seller;
import city.myriad.billing.model.InvoiceState;
import city.myriad.billing.repository.InvoiceRepository;
import city.myriad.billing.repository.InvoiceRepository.InvoiceRow;
import city.myriad.billing.repository.InvoiceRepository.LineRow;
import city.myriad.billing.repository.InvoiceRepository.TaxRate;
import city.myriad.platform.time.Period;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.json.Decimals;
import city.myriad.platform.validation.Fields;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.money.Money;
import city.myriad.platform.money.SignedMoney;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Invoices as tenants, finance and admins read them. A tenant (any tenant role) sees its own, a platform admin
 * everyone's; anyone else's invoice is 404. A DRAFT is read live: its lines are the rating of its period so far.
 * Reads run in platform scope with the tenant as an explicit filter (the lines name clusters, which are the
 * platform's), after the caller's access to the tenant was checked.
 */
@ApplicationScoped
public class Invoices {

    /** Stripe's statuses of a finalized invoice, as V41 keeps them ({@code stripeStatus}). */
    public static final List<String> STRIPE_STATUSES = List.of("open", "uncollectible", "paid", "void");

    private final PlainTx tx;
    private final InvoiceRepository invoices;
    private final TenantProjects tenants;
    private final java.time.Clock clock;
    private final BillingConfig config;

    Invoices(PlainTx tx, InvoiceRepository invoices, TenantProjects tenants, java.time.Clock clock,
            BillingConfig config) {
        this.config = config;
        this.tx = tx;
        this.invoices = invoices;
        this.tenants = tenants;
        this.clock = clock;
    }

    public Uni<Page<InvoiceView>> list(Caller caller, UUID tenantId, String period, String state, String stripeStatus,
            String overdueText, PageRequest page) {
        if (period != null && Period.parse(period).isEmpty()) {
            throw invalid("period", "a month written yyyy-MM, like 2026-11");
        }
        if (state != null && Arrays.stream(InvoiceState.values()).noneMatch(s -> s.name().equals(state))) {
            throw invalid("state", "one of DRAFT, ISSUED, PAID, VOID, UNCOLLECTIBLE");
        }
        if (stripeStatus != null && !STRIPE_STATUSES.contains(stripeStatus)) {
            throw invalid("stripeStatus", "one of " + String.join(", ", STRIPE_STATUSES));
        }
        if (overdueText != null && !overdueText.equals("true") && !overdueText.equals("false")) {
            throw invalid("overdue", "true or false");
        }
        Boolean overdue = overdueText == null ? null : Boolean.valueOf(overdueText);
        Instant now = clock.instant();
        return reader(caller, tenantId).chain(scope -> tx.asPlatform(c -> invoices.page(c, scope, period, state,
                        stripeStatus, overdue, now, page.afterUuid(), page.limit() + 1)
                .chain(rows -> Multi.createFrom().iterable(rows).onItem().transformToUniAndConcatenate(r ->
                        view(c, r, false)).collect().asList())))
                .map(views -> page.page(views, v -> v.id().toString()));
    }

    public Uni<InvoiceView> get(Caller caller, UUID id) {
        return readable(caller, id, (c, row) -> view(c, row, true));
    }

    /** Who reads invoices: a platform admin (everyone's, or {@code tenantId}'s) or the caller's own tenant. */
    Uni<UUID> reader(Caller caller, UUID tenantId) {
        if (caller.isPlatformAdmin()) {
            return tenantId == null ? Uni.createFrom().nullItem() : tenants.tenant(caller, tenantId, false);
        }
        if (tenantId != null) {
            return tenants.tenant(caller, tenantId, false);
        }
        return tenants.readableTenant(caller);
    }

    interface Read<T> {
        Uni<T> apply(SqlConnection c, InvoiceRow row);
    }

    <T> Uni<T> readable(Caller caller, UUID id, Read<T> read) {
        return reader(caller, null).chain(scope -> tx.asPlatform(c -> invoices.find(c, id).chain(found -> {
            InvoiceRow row = found.filter(r -> scope == null || r.tenantId().equals(scope))
                    .orElseThrow(() -> new MyriadProblem.NotFound(ProblemCode.INVOICE_NOT_FOUND, "No invoice " + id));
            return read.apply(c, row);
        })));
    }

    Uni<InvoiceView> view(SqlConnection c, InvoiceRow r, boolean withLines) {
        Period p = Period.parse(r.period()).orElseThrow();
        if (!"DRAFT".equals(r.state())) {
            Uni<List<LineRow>> lines = withLines ? invoices.stored(c, r.id()) : Uni.createFrom().item(List.of());
            return lines.map(ls -> new InvoiceView(r.id(), r.number(), r.tenantId(), r.period(), p.start(), p.end(),
                    r.currency(), r.state(), SignedMoney.of(r.subtotalMinor(), r.currency()),
                    SignedMoney.of(r.taxMinor(), r.currency()), Money.of(r.creditAppliedMinor(), r.currency()),
                    Money.of(r.totalMinor(), r.currency()),
                    Money.of(r.refundedMinor(), r.currency()), r.issuedAt(), r.dueAt(), r.paidAt(),
                    r.paymentFailedAt(), r.stripeInvoiceId(), r.stripeState(), r.stripeNote(), billTo(r.billToJson()),
                    seller(r.sellerJson()),
                    r.collectionMethod(), r.hostedInvoiceUrl(), r.invoicePdfUrl(), r.stripeStatus(),
                    "ISSUED".equals(r.state()) && r.overdueSince() != null
                            && !r.overdueSince().isAfter(clock.instant()) ? r.overdueSince() : null,
                    Money.of(r.creditedMinor(), r.currency()), Money.of(r.amountDueMinor(), r.currency()),
                    withLines ? ls.stream().map(l -> line(r.period(), r.currency(), l)).toList() : null));
        }
        return invoices.live(c, r.tenantId(), r.period(), r.currency(), p.start(), p.end(), clock.instant(),
                new TaxRate(config.tax().ratePercent(), config.tax().name())).map(ls -> {
            long subtotal = ls.stream().filter(l -> !settles(l) && !l.kind().equals("TAX"))
                    .mapToLong(LineRow::amountMinor).sum();
            long tax = ls.stream().filter(l -> l.kind().equals("TAX")).mapToLong(LineRow::amountMinor).sum();
            long applied = -ls.stream().filter(l -> l.kind().equals("PREPAID_CREDIT"))
                    .mapToLong(LineRow::amountMinor).sum();
            long total = ls.stream().mapToLong(LineRow::amountMinor).sum();
            return new InvoiceView(r.id(), null, r.tenantId(), r.period(), p.start(), p.end(), r.currency(),
                    r.state(), SignedMoney.of(subtotal, r.currency()), SignedMoney.of(tax, r.currency()),
                    Money.of(applied, r.currency()),
                    Money.of(total, r.currency()), Money.of(0, r.currency()), null, null, null, null, null, null, null,
                    billTo(r.billToJson()), seller(config.seller()), r.collectionMethod(), null, null, null, null,
                    Money.of(0, r.currency()), null,
                    withLines ? ls.stream().map(l -> line(r.period(), r.currency(), l)).toList()
                            : null);
        });
    }

    /** Who sells, as the invoice keeps it from its issue; null for one issued before sellers were kept. */
    static Seller seller(String json) {
        if (json == null) {
            return null;
        }
        io.vertx.core.json.JsonObject o = new io.vertx.core.json.JsonObject(json);
        return new Seller(o.getString("name"), o.getString("address"), o.getString("taxId"));
    }

    /** Who sells now (a draft's, and what the close keeps on each invoice). */
    static Seller seller(BillingConfig.Seller s) {
        return new Seller(s.name(), s.address().orElse(null), s.taxId().orElse(null));
    }

    /** The seller as the close stores it on each invoice it issues. */
    static String sellerJson(BillingConfig.Seller s) {
        io.vertx.core.json.JsonObject o = new io.vertx.core.json.JsonObject().put("name", s.name());
        s.address().ifPresent(a -> o.put("address", a));
        s.taxId().ifPresent(t -> o.put("taxId", t));
        return o.encode();
    }

    /** Who the invoice is made out to, as the database keeps it (V34, {@code myriad_bill_to}); null for none. */
    static BillTo billTo(String json) {
        if (json == null) {
            return null;
        }
        io.vertx.core.json.JsonObject o = new io.vertx.core.json.JsonObject(json);
        io.vertx.core.json.JsonObject a = o.getJsonObject("address");
        return new BillTo(o.getString("name"), o.getString("email"), a == null ? null : new BillingAddress(
                a.getString("line1"), a.getString("line2"), a.getString("city"), a.getString("postalCode"),
                a.getString("state"), a.getString("country")), TaxIds.of(o.getJsonArray("taxIds")));
    }

    private static boolean settles(LineRow l) {
        return l.kind().equals("PREPAID_CREDIT") || l.kind().equals("CREDIT_CARRIED");
    }

    public static InvoiceLineView line(String period, String currency, LineRow l) {
        BigDecimal gpuHours = l.cardMilliSeconds() == null ? null
                : plain(BigDecimal.valueOf(l.cardMilliSeconds()).divide(BigDecimal.valueOf(3_600_000L), 6,
                        RoundingMode.HALF_EVEN));
        return new InvoiceLineView(l.lineNo(), l.kind(), description(l, gpuHours), l.projectId(), l.clusterId(),
                l.model(), l.priceClass(), l.hoursFrom(), l.hoursTo(), gpuHours,
                SignedMoney.of(l.amountMinor(), currency), l.reservationId(), l.commitmentId(), source(period, l),
                l.taxRatePercent() == null ? null : plain(l.taxRatePercent()), l.taxName());
    }

    static String description(LineRow l, BigDecimal gpuHours) {
        String what = l.model() + " " + l.priceClass() + " on " + l.clusterSlug()
                + (l.projectSlug() == null ? "" : ", project " + l.projectSlug());
        return switch (l.kind()) {
            case "USAGE" -> what + ": " + gpuHours.toPlainString() + " GPU-hours";
            case "ADJUSTMENT" -> what + ": " + gpuHours.toPlainString() + " GPU-hours of an earlier period, "
                    + "metered after it closed";
            case "PREEMPTION_CREDIT" -> what + ": runs interrupted by preemption or node failure, credited";
            case "RESERVATION" -> "Reservation of " + gpuHours.toPlainString() + " card-hours, " + l.model()
                    + " on " + l.clusterSlug() + ", " + l.hoursFrom() + " to " + l.hoursTo();
            case "RESERVATION_EXTENSION" -> "Reservation extended by " + gpuHours.toPlainString() + " card-hours, "
                    + l.model() + " on " + l.clusterSlug() + ", " + l.hoursFrom() + " to " + l.hoursTo();
            case "RESERVATION_CANCELLATION" -> "Reservation cancelled: its price less the cancellation fee";
            case "RESERVATION_SHORTFALL_CREDIT" -> "Reservation on " + l.clusterSlug() + ": " + gpuHours.toPlainString()
                    + " reserved " + l.model() + " card-hours not delivered (nodes out of service), " + l.hoursFrom()
                    + " to " + l.hoursTo() + ", credited";
            case "COMMITMENT_DISCOUNT" -> what + ": committed-use discount";
            case "COMMITMENT_SHORTFALL" -> "Commitment: spend below the period's minimum";
            case "TAX" -> l.taxName() + " at " + plain(l.taxRatePercent()).toPlainString() + "%";
            case "PREPAID_CREDIT" -> "Prepaid credit applied";
            default -> "Credit above the period's charges, carried to the prepaid wallet";
        };
    }

    static String source(String period, LineRow l) {
        return switch (l.kind()) {
            case "USAGE", "ADJUSTMENT", "PREEMPTION_CREDIT", "COMMITMENT_DISCOUNT" -> "usage_rollups period=" + period
                    + " hours=[" + l.hoursFrom() + "," + l.hoursTo() + ") project=" + l.projectId() + " cluster="
                    + l.clusterId() + " model=" + l.model() + " class=" + l.priceClass()
                    + (l.commitmentId() == null ? "" : " commitment=" + l.commitmentId());
            case "RESERVATION", "RESERVATION_CANCELLATION" -> "reservation " + l.reservationId();
            case "RESERVATION_EXTENSION" -> "reservation_extensions reservation=" + l.reservationId() + " from="
                    + l.hoursFrom();
            case "RESERVATION_SHORTFALL_CREDIT" -> "reservation_shortfalls reservation=" + l.reservationId()
                    + " from=" + l.hoursFrom() + " to=" + l.hoursTo();
            case "COMMITMENT_SHORTFALL" -> "commitment " + l.commitmentId();
            case "TAX" -> "the subtotal of the lines above at " + plain(l.taxRatePercent()).toPlainString() + "% "
                    + l.taxName() + " (the tenant's payment terms, or the platform's rate)";
            default -> "prepaid wallet (ledger account TENANT_CREDIT)";
        };
    }

    static BigDecimal plain(BigDecimal v) {
        return Decimals.plain(v);
    }

    static MyriadProblem.Validation invalid(String field, String reason) {
        return Fields.invalid(field, reason);
    }
}

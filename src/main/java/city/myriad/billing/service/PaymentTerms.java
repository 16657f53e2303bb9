package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.PaymentTermsView;
import city.myriad.billing.mapping.BillingApi.SetPaymentTerms;
import city.myriad.billing.model.CollectionMethod;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.http.Preconditions;
import city.myriad.platform.json.Decimals;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A tenant's payment terms: whether Stripe charges its invoices automatically or sends them to be paid within net
 * days. Net terms are credit the marketplace extends, so platform admins set them (audited); the tenant reads them.
 * They apply from the next invoice issued: each invoice keeps its own collection method and due date. They also
 * name the tenant's tax rate (0 for a tenant charged none), else the platform's applies: the rate a draft and the next
 * close rate at, each invoice keeping it on its TAX line.
 *
 * <p>Rules: SEND_INVOICE needs at least one day (Stripe's shortest net terms) and the tenant's billing contact (the
 * email Stripe sends the invoice to): 409 BILLING_PROFILE_REQUIRED before it is set.
 */
@ApplicationScoped
public class PaymentTerms {

    private final PlainTx tx;
    private final TenantProjects tenants;
    private final BillingConfig config;
    private final AuditTrail audit;
    private final Clock clock;
    private final Preconditions preconditions;

    PaymentTerms(PlainTx tx, TenantProjects tenants, BillingConfig config, AuditTrail audit, Clock clock,
            Preconditions preconditions) {
        this.preconditions = preconditions;
        this.tx = tx;
        this.tenants = tenants;
        this.config = config;
        this.audit = audit;
        this.clock = clock;
    }

    /** The tenant's terms (any tenant role of its own, platform admins any); the platform's default if none set. */
    public Uni<PaymentTermsView> get(Caller caller, UUID tenantId) {
        return tenants.tenant(caller, tenantId, false).chain(t -> tx.asTenant(t, c -> view(c, t)));
    }

    /**
     * Sets the tenant's terms (platform admins), from its next invoice on. Setting them as they are changes nothing.
     * With {@code ifMatch} (the ETag of {@link #get}), only if they are still the terms it names: 412 otherwise.
     */
    public Uni<PaymentTermsView> set(Caller caller, UUID tenantId, SetPaymentTerms body, String ifMatch) {
        PeriodClose.requireAdmin(caller);
        if (body.collectionMethod() == CollectionMethod.SEND_INVOICE && body.daysUntilDue() < 1) {
            throw new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "A sent invoice is due one day after "
                    + "issue at the earliest", List.of(new Violation(null, "daysUntilDue", "must be at least 1 for "
                    + "SEND_INVOICE")));
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return tenants.tenant(caller, tenantId, true).chain(t -> tx.asTenant(t, c -> c
                .preparedQuery("select pg_advisory_xact_lock(hashtextextended($1, 0))")
                .execute(Tuple.of("payment-terms:" + t))
                .chain(() -> view(c, t)).invoke(current -> preconditions.check(ifMatch, current))
                .chain(() -> c.preparedQuery("""
                        select exists (select 1 from billing_profiles where tenant_id = $1),
                               (select collection_method from payment_terms where tenant_id = $1),
                               (select days_until_due from payment_terms where tenant_id = $1),
                               (select tax_rate_percent from payment_terms where tenant_id = $1),
                               (select tax_name from payment_terms where tenant_id = $1)""")
                        .execute(Tuple.of(t)))
                .map(rows -> rows.iterator().next())
                .chain(row -> {
                    if (body.collectionMethod() == CollectionMethod.SEND_INVOICE && !row.getBoolean(0)) {
                        throw new MyriadProblem.Conflict(ProblemCode.BILLING_PROFILE_REQUIRED, "Tenant " + tenantId
                                + " has no billing contact yet: a sent invoice goes to its email, so its admins set "
                                + "it first (setBillingProfile)");
                    }
                    BigDecimal rate = body.taxRatePercent();
                    if (body.collectionMethod().name().equals(row.getString(1))
                            && body.daysUntilDue().equals(row.getInteger(2))
                            && sameRate(rate, row.getBigDecimal(3)) && Objects.equals(body.taxName(), row.getString(4))) {
                        return Uni.createFrom().voidItem();  // as they are: nothing written or audited
                    }
                    Map<String, Object> details = new LinkedHashMap<>();
                    details.put("collectionMethod", body.collectionMethod().name());
                    details.put("daysUntilDue", body.daysUntilDue());
                    details.put("taxRatePercent", rate == null ? null : Decimals.plain(rate));
                    details.put("taxName", body.taxName());
                    return c.preparedQuery("""
                                    insert into payment_terms (tenant_id, collection_method, days_until_due, updated_at,
                                                               updated_by, tax_rate_percent, tax_name)
                                    values ($1, $2, $3, $4, $5, $6, $7)
                                    on conflict (tenant_id) do update set
                                        collection_method = excluded.collection_method,
                                        days_until_due = excluded.days_until_due,
                                        tax_rate_percent = excluded.tax_rate_percent, tax_name = excluded.tax_name,
                                        updated_at = excluded.updated_at, updated_by = excluded.updated_by""")
                            .execute(Tuple.from(new Object[] {t, body.collectionMethod().name(), body.daysUntilDue(),
                                    SqlTimes.utc(now), caller.username(), rate, body.taxName()}))
                            .chain(() -> audit.record(c, caller, t, "setPaymentTerms", Target.of("TENANT", t),
                                    details));
                })
                .chain(() -> view(c, t))));
    }

    private Uni<PaymentTermsView> view(SqlConnection c, UUID tenant) {
        BigDecimal platformRate = Decimals.plain(config.tax().ratePercent());
        String platformName = config.tax().name();
        return c.preparedQuery("select collection_method, days_until_due, updated_at, updated_by, tax_rate_percent, "
                + "tax_name from payment_terms where tenant_id = $1").execute(Tuple.of(tenant)).map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return new PaymentTermsView(tenant, CollectionMethod.CHARGE_AUTOMATICALLY.name(),
                                config.paymentTermsDays(), "PLATFORM_DEFAULT", null, null, platformRate, platformName,
                                "PLATFORM_DEFAULT");
                    }
                    Row r = rows.iterator().next();
                    BigDecimal rate = r.getBigDecimal(4);
                    String name = r.getString(5);
                    return new PaymentTermsView(tenant, r.getString(0), r.getInteger(1), "TENANT",
                            SqlTimes.instant(r.getValue(2)), r.getString(3),
                            rate == null ? platformRate : Decimals.plain(rate), name == null ? platformName : name,
                            rate == null ? "PLATFORM_DEFAULT" : "TENANT");
                });
    }

    /** Rates compare by value (6 and 6.0000 are one rate); null is the platform's. */
    private static boolean sameRate(BigDecimal a, BigDecimal b) {
        return a == null ? b == null : b != null && a.compareTo(b) == 0;
    }
}

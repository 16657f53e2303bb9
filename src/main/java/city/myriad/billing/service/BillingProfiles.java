package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.BillingAddress;
import city.myriad.billing.mapping.BillingApi.BillingPortalSessionView;
import city.myriad.billing.mapping.BillingApi.BillingProfileView;
import city.myriad.billing.mapping.BillingApi.SetBillingProfile;
import city.myriad.billing.stripe.StripeApi;
import city.myriad.billing.stripe.StripeCustomers;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.http.Preconditions;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A tenant's billing contact (where Stripe sends invoices and receipts, the legal name and address they carry) and
 * the way to its payment methods: a session of Stripe's customer portal. Invoices are charged automatically to the
 * customer's default payment method, and the portal is where a tenant adds one; without it every charge fails and
 * the tenant is suspended after its grace period. The contact is set whole (tenant-admin; {@code If-Match} against
 * the tag of {@link #get}); the billing worker brings the Stripe customer up to each version ({@link StripeCustomers}).
 */
@ApplicationScoped
public class BillingProfiles {

    private final PlainTx tx;
    private final TenantProjects tenants;
    private final StripeApi stripe;
    private final StripeCustomers customers;
    private final Preconditions preconditions;
    private final AuditTrail audit;
    private final Clock clock;

    BillingProfiles(PlainTx tx, TenantProjects tenants, StripeApi stripe, StripeCustomers customers,
            Preconditions preconditions, AuditTrail audit, Clock clock) {
        this.tx = tx;
        this.tenants = tenants;
        this.stripe = stripe;
        this.customers = customers;
        this.preconditions = preconditions;
        this.audit = audit;
        this.clock = clock;
    }

    /** The tenant's contact: any tenant role of its own, platform admins any; 404 until it is set. */
    public Uni<BillingProfileView> get(Caller caller, UUID tenantId) {
        return tenants.tenant(caller, tenantId, false).chain(t -> tx.asTenant(t, c -> view(c, t))).map(v -> {
            if (v == null) {
                throw notSet(tenantId);
            }
            return v;
        });
    }

    /**
     * Replaces the tenant's contact (tenant-admin): a new version, which the Stripe customer is brought up to. With
     * {@code ifMatch}, only if the contact is still the one whose tag it names (412 otherwise, and on a contact never
     * set).
     */
    public Uni<BillingProfileView> set(Caller caller, UUID tenantId, SetBillingProfile body, String ifMatch) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        BillingAddress a = body.address();
        List<city.myriad.billing.mapping.BillingApi.BillingTaxId> taxIds = TaxIds.checked(body.taxIds());
        String legalName = body.legalName() == null || body.legalName().isBlank() ? null : body.legalName().strip();
        return tenants.tenant(caller, tenantId, true).chain(t -> tx.asTenant(t, c -> c
                .preparedQuery("select pg_advisory_xact_lock(hashtextextended($1, 0))")
                .execute(Tuple.of("billing-profile:" + t))
                .chain(() -> view(c, t))
                .invoke(current -> {
                    if (current == null) {
                        preconditions.checkAbsent(ifMatch);
                    } else {
                        preconditions.check(ifMatch, current);
                    }
                })
                .chain(() -> c.preparedQuery("""
                        insert into billing_profiles (tenant_id, email, legal_name, address_line1, address_line2, city,
                                                      postal_code, state, country, version, updated_at, updated_by,
                                                      tax_ids)
                        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $12::jsonb)
                        on conflict (tenant_id) do update set
                            email = excluded.email, legal_name = excluded.legal_name,
                            address_line1 = excluded.address_line1, address_line2 = excluded.address_line2,
                            city = excluded.city, postal_code = excluded.postal_code, state = excluded.state,
                            country = excluded.country, tax_ids = excluded.tax_ids,
                            version = billing_profiles.version + 1,
                            updated_at = excluded.updated_at, updated_by = excluded.updated_by,
                            stripe_attempts = 0, stripe_next_attempt_at = null, stripe_last_error = null""")
                        .execute(Tuple.from(new Object[] {t, body.email().strip(), legalName,
                                a == null ? null : a.line1().strip(), a == null ? null : blankToNull(a.line2()),
                                a == null ? null : blankToNull(a.city()), a == null ? null : blankToNull(a.postalCode()),
                                a == null ? null : blankToNull(a.state()), a == null ? null : a.country(),
                                SqlTimes.utc(now), caller.username(), TaxIds.json(taxIds)})))
                .chain(() -> {
                    Map<String, Object> details = new LinkedHashMap<>();
                    details.put("email", body.email().strip());
                    details.put("legalName", legalName);
                    details.put("country", a == null ? null : a.country());
                    details.put("taxIds", taxIds.stream().map(x -> x.type()).toList());
                    return audit.record(c, caller, t, "setBillingProfile", Target.of("BILLING_PROFILE", t), details);
                })
                .chain(() -> view(c, t))));
    }

    /**
     * A session of Stripe's customer portal for the tenant (tenant-admin): there it adds the payment method its
     * invoices are charged to, removes one, and sees its Stripe invoices and receipts. Needs the contact set first (the
     * customer then carries the email Stripe writes to) and a deployment connected to Stripe.
     */
    public Uni<BillingPortalSessionView> portalSession(Caller caller, UUID tenantId, String returnUrl) {
        URI back = returnUrl(returnUrl);
        if (!stripe.configured()) {
            return Uni.createFrom().failure(new MyriadProblem.Conflict(ProblemCode.PAYMENTS_NOT_CONFIGURED,
                    "This deployment is not connected to Stripe (myriad.billing.stripe.api-key): there are no payment "
                            + "methods to manage; invoices stay in Myriad"));
        }
        return tenants.tenant(caller, tenantId, true).chain(t -> tx.asTenant(t, c -> c.preparedQuery(
                        "select t.slug, t.name, p.tenant_id is not null from tenants t "
                                + "left join billing_profiles p on p.tenant_id = t.id where t.id = $1")
                        .execute(Tuple.of(t)).map(rows -> rows.iterator().next()))
                .chain(row -> {
                    if (!row.getBoolean(2)) {
                        throw new MyriadProblem.Conflict(ProblemCode.BILLING_PROFILE_REQUIRED, "Tenant " + tenantId
                                + " has no billing contact yet: set it (setBillingProfile) before managing payment "
                                + "methods");
                    }
                    return Blocking.offload(() -> customers.portalSession(t, row.getString(0), row.getString(1), back));
                })
                .chain(session -> {
                    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                    return tx.asTenant(t, c -> audit.record(c, caller, t, "createBillingPortalSession",
                                    Target.of("BILLING_PROFILE", t), Map.of("returnUrl", back.toString())))
                            .replaceWith(new BillingPortalSessionView(session.url(), back.toString(),
                                    session.customerId(), now));
                }));
    }

    /** The contact as the routes answer it, or null if never set. */
    private Uni<BillingProfileView> view(SqlConnection c, UUID tenant) {
        return c.preparedQuery("""
                        select p.email, p.legal_name, p.address_line1, p.address_line2, p.city, p.postal_code, p.state,
                               p.country, p.version, p.updated_at, p.updated_by, p.stripe_synced_version,
                               p.stripe_attempts, p.stripe_last_error, sc.customer_id, p.tax_ids
                          from billing_profiles p left join stripe_customers sc on sc.tenant_id = p.tenant_id
                         where p.tenant_id = $1""")
                .execute(Tuple.of(tenant)).map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    BillingAddress address = r.getString(2) == null ? null : new BillingAddress(r.getString(2),
                            r.getString(3), r.getString(4), r.getString(5), r.getString(6), r.getString(7));
                    long version = r.getLong(8);
                    String state = !stripe.configured() ? "NOT_CONFIGURED"
                            : r.getLong(11) >= version ? "SYNCED"
                            : r.getInteger(12) >= city.myriad.billing.stripe.StripePush.MAX_ATTEMPTS ? "FAILED"
                            : "PENDING";
                    return new BillingProfileView(tenant, r.getString(0), r.getString(1), address,
                            TaxIds.of((io.vertx.core.json.JsonArray) r.getValue(15)), version,
                            r.getOffsetDateTime(9).toInstant(), r.getString(10), state, r.getString(14),
                            "SYNCED".equals(state) ? null : r.getString(13));
                });
    }

    /** An absolute http or https URL with a host: where Stripe sends the browser back. */
    static URI returnUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw invalidReturnUrl("not a URL");
        }
        if (uri.getScheme() == null || uri.getHost() == null || uri.getUserInfo() != null
                || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw invalidReturnUrl("an absolute http or https URL with a host and no user information");
        }
        return uri;
    }

    private static MyriadProblem.Validation invalidReturnUrl(String reason) {
        return new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "The return URL cannot be used: " + reason,
                List.of(Violation.field("returnUrl", reason)));
    }

    private static MyriadProblem.NotFound notSet(UUID tenantId) {
        return new MyriadProblem.NotFound(ProblemCode.BILLING_PROFILE_NOT_FOUND, "Tenant " + tenantId + " has not set "
                + "its billing contact yet (setBillingProfile)");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}

package city.myriad.billing.stripe;

import city.myriad.billing.service.BillingConfig;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.StripeException;
import com.stripe.model.Customer;
import com.stripe.net.RequestOptions;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerTaxIdCreateParams;
import com.stripe.param.CustomerTaxIdListParams;
import com.stripe.param.CustomerUpdateParams;
import com.stripe.param.billingportal.SessionCreateParams;
import com.stripe.param.common.EmptyParam;
import io.vertx.core.json.JsonArray;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Each tenant's Stripe customer: made once (the first invoice pushed or payment portal opened, whichever comes first;
 * {@code myriad-customer-<tenantId>}, name and Myriad's ids only, so that a retried create always sends the same
 * request), then brought up to the tenant's billing contact (email, legal name, address), one update per contact
 * version ({@code myriad-customer-<tenantId>-profile-<version>}). An update that fails backs off as an invoice push
 * does and, after 12 attempts, waits for the next change of the contact. Blocking (stripe-java is): the billing
 * worker's thread, or a worker thread of the request that opens the portal.
 */
@ApplicationScoped
public class StripeCustomers {

    private static final Logger LOG = Logger.getLogger(StripeCustomers.class);

    private final PlainTx tx;
    private final StripeApi api;
    private final BillingConfig config;
    private final Clock clock;

    StripeCustomers(PlainTx tx, StripeApi api, BillingConfig config, Clock clock) {
        this.tx = tx;
        this.api = api;
        this.config = config;
        this.clock = clock;
    }

    /** The tenant's contact as the customer should carry it, and the customer. */
    record Contact(UUID tenantId, String customerId, String email, String name, String line1, String line2,
            String city, String postalCode, String state, String country, long version, int attempts,
            List<TaxId> taxIds) {}

    /** A tax ID as the contact has it. */
    record TaxId(String type, String value) {}

    /** The tenant's Stripe customer id, made now if it has none; then the customer is brought up to the contact. */
    public String ensure(UUID tenantId, String tenantSlug, String tenantName) throws StripeException {
        String stored = customerOf(tenantId);
        if (stored != null) {
            return stored;
        }
        Customer created = stripe().customers().create(CustomerCreateParams.builder()
                .setName(tenantName).putMetadata("myriad_tenant_id", tenantId.toString())
                .putMetadata("myriad_tenant_slug", tenantSlug).build(), key("myriad-customer-" + tenantId));
        run("insert into stripe_customers (tenant_id, customer_id, created_at) values ($1, $2, $3) "
                + "on conflict (tenant_id) do nothing", Tuple.of(tenantId, created.getId(),
                SqlTimes.utc(clock.instant())));
        syncNow(tenantId);
        return customerOf(tenantId);
    }

    /**
     * Brings the customers whose contact changed up to it, those due now (their backoff passed); returns how many
     * are up to date after this round's calls.
     */
    public int syncDue() {
        if (!api.configured()) {
            return 0;
        }
        int synced = 0;
        for (Contact c : lease(null)) {
            synced += sync(c) ? 1 : 0;
        }
        return synced;
    }

    /** The tenant's customer brought up to its contact now, whatever its backoff; false if Stripe failed it. */
    boolean syncNow(UUID tenantId) {
        boolean ok = true;
        for (Contact c : lease(tenantId)) {
            ok &= sync(c);
        }
        return ok;
    }

    /**
     * A session of Stripe's customer portal for the tenant (its customer made first if need be, and brought up to the
     * contact, so the portal shows the current one): its URL.
     */
    public PortalSession portalSession(UUID tenantId, String tenantSlug, String tenantName, URI returnUrl) {
        try {
            String customer = customerOf(tenantId);
            if (customer == null) {
                customer = ensure(tenantId, tenantSlug, tenantName);  // made, and brought up to the contact
            } else {
                syncNow(tenantId);
            }
            // No idempotency key: each call is a new, short-lived session, and a retry simply opens another.
            return new PortalSession(stripe().billingPortal().sessions().create(SessionCreateParams.builder()
                    .setCustomer(customer).setReturnUrl(returnUrl.toString()).build()).getUrl(), customer);
        } catch (StripeException e) {
            LOG.warnf("Stripe failed to open a customer portal session for tenant %s: %s", tenantId, e.getMessage());
            throw new MyriadProblem.Upstream(ProblemCode.PAYMENT_PROVIDER_FAILED, "Stripe refused or failed to open "
                    + "the portal (" + e.getMessage() + "); nothing was changed, retry later");
        }
    }

    /** A portal session's URL, and the customer it is for. */
    public record PortalSession(String url, String customerId) {}

    /** The tenant's customer, if it has one. */
    public String customerOf(UUID tenantId) {
        return Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery(
                "select customer_id from stripe_customers where tenant_id = $1").execute(Tuple.of(tenantId))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0))));
    }

    /**
     * Leases the contacts ahead of their customers (those due now, or the one tenant's whatever its backoff) for a
     * few minutes, so that another replica's round leaves them alone while this one calls Stripe.
     */
    private List<Contact> lease(UUID onlyTenant) {
        java.time.Instant now = clock.instant();
        return Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery("""
                        with due as (
                            select p.tenant_id from billing_profiles p
                              join stripe_customers sc on sc.tenant_id = p.tenant_id
                             where p.stripe_synced_version < p.version
                               and (($3::uuid is null and p.stripe_attempts < $4
                                     and coalesce(p.stripe_next_attempt_at, '-infinity') <= $1)
                                    or p.tenant_id = $3)
                             order by p.stripe_next_attempt_at nulls first limit 20 for update of p skip locked),
                        leased as (
                            update billing_profiles p set stripe_next_attempt_at = $2 from due
                             where p.tenant_id = due.tenant_id
                         returning p.tenant_id, p.email, p.legal_name, p.address_line1, p.address_line2, p.city,
                                   p.postal_code, p.state, p.country, p.version, p.stripe_attempts, p.tax_ids)
                        select l.tenant_id, sc.customer_id, l.email, coalesce(l.legal_name, t.name), l.address_line1,
                               l.address_line2, l.city, l.postal_code, l.state, l.country, l.version, l.stripe_attempts,
                               l.tax_ids
                          from leased l join stripe_customers sc on sc.tenant_id = l.tenant_id
                          join tenants t on t.id = l.tenant_id""")
                .execute(Tuple.from(new Object[] {SqlTimes.utc(now), SqlTimes.utc(now.plus(StripePush.LEASE)),
                        onlyTenant, StripePush.MAX_ATTEMPTS}))
                .map(rows -> {
                    List<Contact> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Contact(r.getUUID(0), r.getString(1), r.getString(2), r.getString(3),
                                r.getString(4), r.getString(5), r.getString(6), r.getString(7), r.getString(8),
                                r.getString(9), r.getLong(10), r.getInteger(11), taxIds((JsonArray) r.getValue(12))));
                    }
                    return out;
                })));
    }

    /** One update of the customer to one version of the contact; the outcome stored. */
    private boolean sync(Contact c) {
        CustomerUpdateParams.Builder update = CustomerUpdateParams.builder().setEmail(c.email()).setName(c.name());
        if (c.line1() == null) {
            update.setAddress(EmptyParam.EMPTY);  // the contact has no address: neither does the customer
        } else {
            // Every part sent, an absent one as empty: Stripe then holds this address, nothing of an earlier one.
            CustomerUpdateParams.Address.Builder address = CustomerUpdateParams.Address.builder()
                    .setLine1(c.line1()).setCountry(c.country());
            if (c.line2() == null) {
                address.setLine2(EmptyParam.EMPTY);
            } else {
                address.setLine2(c.line2());
            }
            if (c.city() == null) {
                address.setCity(EmptyParam.EMPTY);
            } else {
                address.setCity(c.city());
            }
            if (c.postalCode() == null) {
                address.setPostalCode(EmptyParam.EMPTY);
            } else {
                address.setPostalCode(c.postalCode());
            }
            if (c.state() == null) {
                address.setState(EmptyParam.EMPTY);
            } else {
                address.setState(c.state());
            }
            update.setAddress(address.build());
        }
        try {
            stripe().customers().update(c.customerId(), update.build(),
                    key("myriad-customer-" + c.tenantId() + "-profile-" + c.version()));
            reconcileTaxIds(c);
        } catch (StripeException | RuntimeException e) {
            int attempts = c.attempts() + 1;
            long backoff = StripePush.backoffMillis(config, attempts);
            LOG.warnf("Stripe update of customer %s (tenant %s, contact version %d) failed (attempt %d): %s",
                    c.customerId(), c.tenantId(), c.version(), attempts, e.getMessage());
            // Only this version's attempts: a contact changed meanwhile starts its own count.
            run("update billing_profiles set stripe_attempts = $3, stripe_next_attempt_at = $4, stripe_last_error = $5 "
                    + "where tenant_id = $1 and version = $2", Tuple.of(c.tenantId(), c.version(), attempts,
                    SqlTimes.utc(clock.instant().plusMillis(backoff)), String.valueOf(e.getMessage())));
            return false;
        }
        run("update billing_profiles set stripe_synced_version = greatest(stripe_synced_version, $2), "
                + "stripe_attempts = 0, stripe_next_attempt_at = null, stripe_last_error = null where tenant_id = $1",
                Tuple.of(c.tenantId(), c.version()));
        return true;
    }

    /**
     * Brings the customer's tax IDs to the contact's: those it no longer has are deleted, those it lacks are created
     * (keyed by the contact's version and the ID, so a retried sync never adds one twice). Stripe's tax IDs cannot be
     * changed, only replaced. A delete Stripe answers "no such tax ID" to was done by an earlier attempt.
     */
    private void reconcileTaxIds(Contact c) throws StripeException {
        Set<TaxId> wanted = new LinkedHashSet<>(c.taxIds());
        Set<TaxId> held = new HashSet<>();
        for (com.stripe.model.TaxId t : stripe().customers().taxIds().list(c.customerId(),
                CustomerTaxIdListParams.builder().setLimit(100L).build()).getData()) {
            TaxId id = new TaxId(t.getType(), t.getValue());
            if (wanted.contains(id)) {
                held.add(id);
                continue;
            }
            try {
                stripe().customers().taxIds().delete(c.customerId(), t.getId());
            } catch (InvalidRequestException e) {
                if (!"resource_missing".equals(e.getCode())) {
                    throw e;
                }
            }
        }
        for (TaxId t : wanted) {
            if (!held.contains(t)) {
                stripe().customers().taxIds().create(c.customerId(), CustomerTaxIdCreateParams.builder()
                        .setType(StripeTaxIds.type(t.type())).setValue(t.value()).build(),
                        key("myriad-customer-" + c.tenantId() + "-profile-" + c.version() + "-tax-" + t.type() + "-"
                                + t.value().replace(' ', '_')));
            }
        }
    }

    private static List<TaxId> taxIds(JsonArray a) {
        List<TaxId> out = new ArrayList<>();
        for (int i = 0; a != null && i < a.size(); i++) {
            out.add(new TaxId(a.getJsonObject(i).getString("type"), a.getJsonObject(i).getString("value")));
        }
        return out;
    }

    private StripeClient stripe() {
        return api.client().orElseThrow(() -> new IllegalStateException("no Stripe API key configured"));
    }

    private void run(String sql, Tuple args) {
        Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery(sql).execute(args).replaceWithVoid()));
    }

    private static RequestOptions key(String idempotencyKey) {
        return RequestOptions.builder().setIdempotencyKey(idempotencyKey).build();
    }
}

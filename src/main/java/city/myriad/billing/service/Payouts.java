package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.OperatorBalanceView;
import city.myriad.billing.mapping.BillingApi.OperatorCurrencyBalance;
import city.myriad.billing.mapping.BillingApi.PayoutAccountView;
import city.myriad.billing.mapping.BillingApi.PayoutRequest;
import city.myriad.billing.mapping.BillingApi.SetPayoutAccount;
import city.myriad.billing.mapping.BillingApi.PayoutView;
import city.myriad.billing.model.Account;
import city.myriad.billing.repository.LedgerRepository;
import city.myriad.billing.repository.LedgerRepository.Entry;
import city.myriad.billing.repository.LedgerRepository.Posting;
import city.myriad.platform.TextRules;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.money.Money;
import city.myriad.platform.money.SignedMoney;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Payouts to city operators: the marketplace pays an operator what it is payable (its share of every issued invoice,
 * in the ledger's OPERATOR_PAYABLE account), by a bank transfer made outside that a platform admin records (RECORDED),
 * or by a Stripe transfer to the operator's connected account that Myriad sends (STRIPE_TRANSFER: an outbox row the
 * billing worker sends, {@code StripeTransfers}; one refused for good is reversed in the ledger). The ledger posts
 * either at once as its own transaction: the payable debited, Stripe clearing credited (the money collected leaves).
 *
 * <p>Rules: a payout is more than zero and at most what the operator is payable in that currency (409
 * PAYOUT_EXCEEDS_PAYABLE: the marketplace never pays an operator ahead of revenue); payouts of one operator are
 * serialised (a lock per operator), so two recorded at once cannot together pass the payable. With an
 * Idempotency-Key a payout is posted once, however often it is sent.
 */
@ApplicationScoped
public class Payouts {

    /** A payout as recorded, and whether it was recorded by an earlier request with the same key. */
    public record Recorded(PayoutView view, boolean replayed) {}

    private final PlainTx tx;
    private final LedgerRepository ledger;
    private final Settlements settlements;
    private final AuditTrail audit;
    private final Clock clock;

    /** How a payout is made. */
    public static final List<String> METHODS = List.of("RECORDED", "STRIPE_TRANSFER");

    private final city.myriad.billing.stripe.StripePush stripe;
    private final city.myriad.platform.http.Preconditions preconditions;

    Payouts(PlainTx tx, LedgerRepository ledger, Settlements settlements, AuditTrail audit, Clock clock,
            city.myriad.billing.stripe.StripePush stripe, city.myriad.platform.http.Preconditions preconditions) {
        this.stripe = stripe;
        this.preconditions = preconditions;
        this.tx = tx;
        this.ledger = ledger;
        this.settlements = settlements;
        this.audit = audit;
        this.clock = clock;
    }

    /** Records a payout made to the operator (platform admins). */
    public Uni<Recorded> record(Caller caller, UUID operatorId, String key, PayoutRequest body) {
        PeriodClose.requireAdmin(caller);
        city.myriad.platform.idempotency.Creations.checkKey(key);
        if (body.amount().amountMinor() <= 0) {
            throw Invoices.invalid("amount.amountMinor", "above 0");
        }
        if (TextRules.problem(body.reference(), false) != null) {
            throw Invoices.invalid("reference", TextRules.problem(body.reference(), false));
        }
        String method = body.method() == null ? "RECORDED" : body.method();
        if (!METHODS.contains(method)) {
            throw Invoices.invalid("method", "RECORDED or STRIPE_TRANSFER");
        }
        if (method.equals("STRIPE_TRANSFER") && !stripe.configured()) {
            throw new MyriadProblem.Conflict(ProblemCode.PAYMENTS_NOT_CONFIGURED, "This deployment has no Stripe key: "
                    + "record the payout made outside Stripe instead (method RECORDED)");
        }
        Instant now = clock.instant();
        Money amount = body.amount();
        String reference = body.reference().strip();
        String ledgerReference = operatorId + ":" + (key == null ? UUID.randomUUID().toString() : key);
        return settlements.readable(caller, operatorId).chain(op -> tx.asPlatform(c -> c
                .preparedQuery("select pg_advisory_xact_lock(hashtextextended($1, 0))")
                .execute(Tuple.of("operator-payouts:" + op))
                .chain(() -> payouts(c, op, ledgerReference, null, null, 1))
                .chain(earlier -> {
                    if (!earlier.isEmpty()) {  // the same key: answered as recorded, if it is the same payout
                        PayoutView was = earlier.get(0);
                        if (!was.amount().equals(amount) || !was.reference().equals(reference)
                                || !was.method().equals(method)) {
                            throw new MyriadProblem.Conflict(ProblemCode.IDEMPOTENCY_KEY_REUSED, "This "
                                    + "Idempotency-Key recorded a payout of " + was.amount().amountMinor() + " "
                                    + was.amount().currency() + " (" + was.reference() + "); another payout needs a "
                                    + "new key");
                        }
                        return Uni.createFrom().item(new Recorded(was, true));
                    }
                    Uni<String> destination = method.equals("STRIPE_TRANSFER") ? account(c, op).map(a -> a
                            .orElseThrow(() -> new MyriadProblem.Conflict(ProblemCode.PAYOUT_ACCOUNT_MISSING,
                                    "Operator " + op + " has no Stripe connected account (setPayoutAccount)"))
                            .stripeAccountId()) : Uni.createFrom().nullItem();
                    return destination.chain(to -> payable(c, op, amount.currency()).chain(payable -> {
                        if (amount.amountMinor() > payable) {
                            throw new MyriadProblem.Conflict(ProblemCode.PAYOUT_EXCEEDS_PAYABLE, "Operator " + op
                                    + " is payable " + payable + " " + amount.currency() + " (minor units); a payout "
                                    + "of " + amount.amountMinor() + " would pay it ahead of revenue");
                        }
                        return ledger.post(c, new Posting("OPERATOR_PAYOUT", ledgerReference, null, null, null,
                                        reference, caller.username(), now), List.of(
                                        new Entry(Account.OPERATOR_PAYABLE, op, null, amount.currency(),
                                                amount.amountMinor()),
                                        new Entry(Account.STRIPE_CLEARING, null, null, amount.currency(),
                                                -amount.amountMinor())))
                                .chain(id -> to == null ? Uni.createFrom().voidItem() : c.preparedQuery("""
                                        insert into payout_transfers (transaction_id, operator_id, destination,
                                                                      amount_minor, currency, description, state,
                                                                      next_attempt_at)
                                        values ($1, $2, $3, $4, $5, $6, 'PENDING', $7)""")
                                        .execute(Tuple.from(new Object[] {id.orElseThrow(), op, to,
                                                amount.amountMinor(), amount.currency(), reference,
                                                city.myriad.platform.db.SqlTimes.utc(now)})).replaceWithVoid())
                                .chain(() -> payouts(c, op, ledgerReference, null, null, 1))
                                .chain(made -> {
                                    PayoutView view = made.get(0);
                                    Map<String, Object> details = new LinkedHashMap<>();
                                    details.put("amount", amount);
                                    details.put("reference", reference);
                                    details.put("method", method);
                                    if (to != null) {
                                        details.put("destination", to);
                                    }
                                    return audit.recordForOperator(c, caller, op, "createPayout",
                                            Target.of("PAYOUT", view.id()), details)
                                            .replaceWith(new Recorded(view, false));
                                });
                    }));
                })));
    }

    /** The operator's Stripe connected account, if set (its staff and platform admins); 404 if none is set. */
    public Uni<PayoutAccountView> getAccount(Caller caller, UUID operatorId) {
        return settlements.readable(caller, operatorId).chain(op -> tx.asPlatform(c -> account(c, op)))
                .map(a -> a.orElseThrow(() -> new MyriadProblem.NotFound(ProblemCode.PAYOUT_ACCOUNT_NOT_FOUND,
                        "Operator " + operatorId + " has no Stripe connected account")));
    }

    /**
     * Sets the operator's Stripe connected account (platform admins), audited in the operator's trail. With
     * {@code ifMatch} (the ETag of {@link #getAccount}), only if it is still the account it names: 412 otherwise, and
     * on an operator with none set yet. Writers of one operator's account take turns (an advisory lock).
     */
    public Uni<PayoutAccountView> setAccount(Caller caller, UUID operatorId, SetPayoutAccount body, String ifMatch) {
        PeriodClose.requireAdmin(caller);
        String account = body.stripeAccountId().strip();
        if (!account.matches("acct_[A-Za-z0-9]{1,64}")) {
            throw Invoices.invalid("stripeAccountId", "a Stripe connected account id: acct_ and up to 64 letters "
                    + "and digits");
        }
        Instant now = clock.instant();
        return settlements.readable(caller, operatorId).chain(op -> tx.asPlatform(c -> c
                .preparedQuery("select pg_advisory_xact_lock(hashtextextended($1, 0))")
                .execute(Tuple.of("payout-account:" + op))
                .chain(() -> account(c, op)).invoke(current -> {
                    if (current.isEmpty()) {
                        preconditions.checkAbsent(ifMatch);
                    } else {
                        preconditions.check(ifMatch, current.get());
                    }
                })
                .chain(() -> c.preparedQuery("""
                        insert into operator_payout_accounts (operator_id, stripe_account_id, updated_at, updated_by)
                        values ($1, $2, $3, $4)
                        on conflict (operator_id) do update set stripe_account_id = excluded.stripe_account_id,
                               updated_at = excluded.updated_at, updated_by = excluded.updated_by""")
                .execute(Tuple.of(op, account, city.myriad.platform.db.SqlTimes.utc(now), caller.username())))
                .chain(() -> audit.recordForOperator(c, caller, op, "setPayoutAccount", Target.of("OPERATOR", op),
                        Map.of("stripeAccountId", account)))
                .chain(() -> account(c, op)).map(java.util.Optional::orElseThrow)));
    }

    private static Uni<java.util.Optional<PayoutAccountView>> account(SqlConnection c, UUID op) {
        return c.preparedQuery("select stripe_account_id, updated_at, updated_by from operator_payout_accounts "
                + "where operator_id = $1").execute(Tuple.of(op)).map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return java.util.Optional.empty();
                    }
                    Row r = rows.iterator().next();
                    return java.util.Optional.of(new PayoutAccountView(op, r.getString(0),
                            r.getOffsetDateTime(1).toInstant(), r.getString(2)));
                });
    }

    /** A page of the operator's payouts, newest first (its staff and platform admins). */
    public Uni<Page<PayoutView>> list(Caller caller, UUID operatorId, String transferState, PageRequest page) {
        if (transferState != null && !List.of("PENDING", "SENT", "FAILED").contains(transferState)) {
            throw Invoices.invalid("transferState", "PENDING, SENT or FAILED");
        }
        return settlements.readable(caller, operatorId).chain(op -> tx.asPlatform(c -> payouts(c, op, null,
                transferState, page.afterUuid(), page.limit() + 1)))
                .map(views -> page.page(views, v -> v.id().toString()));
    }

    /** What the operator has earned, been paid and is payable, per currency (its staff and platform admins). */
    public Uni<OperatorBalanceView> balance(Caller caller, UUID operatorId) {
        return settlements.readable(caller, operatorId).chain(op -> tx.asPlatform(c -> c.preparedQuery("""
                        select e.currency,
                               coalesce(-sum(e.amount_minor) filter (where t.kind not in ('OPERATOR_PAYOUT',
                                   'OPERATOR_PAYOUT_REVERSED')), 0)::bigint,
                               coalesce(sum(e.amount_minor) filter (where t.kind in ('OPERATOR_PAYOUT',
                                   'OPERATOR_PAYOUT_REVERSED')), 0)::bigint,
                               -sum(e.amount_minor)::bigint
                          from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
                         where e.account = 'OPERATOR_PAYABLE' and e.owner_id = $1
                         group by e.currency order by e.currency""").execute(Tuple.of(op)).map(rows -> {
                    List<OperatorCurrencyBalance> out = new ArrayList<>();
                    for (Row r : rows) {
                        String cur = r.getString(0);
                        out.add(new OperatorCurrencyBalance(cur, SignedMoney.of(r.getLong(1), cur),
                                SignedMoney.of(r.getLong(2), cur), SignedMoney.of(r.getLong(3), cur)));
                    }
                    return new OperatorBalanceView(op, out);
                })));
    }

    /** What the operator is payable in the currency now (the payable account's credit balance). */
    private static Uni<Long> payable(SqlConnection c, UUID operator, String currency) {
        return c.preparedQuery("select coalesce(-sum(amount_minor), 0)::bigint from ledger_entries "
                        + "where account = 'OPERATOR_PAYABLE' and owner_id = $1 and currency = $2")
                .execute(Tuple.of(operator, currency)).map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * The operator's payouts newest first (by id: version 7 ids sort by time), those older than {@code before}, of
     * Stripe transfers in one state ({@code transferState}), or the one posted under a ledger reference.
     */
    private static Uni<List<PayoutView>> payouts(SqlConnection c, UUID operator, String reference,
            String transferState, UUID before, int limit) {
        return c.preparedQuery("""
                        select t.id, e.amount_minor, e.currency, t.memo, t.created_at, t.created_by,
                               (select -sum(p.amount_minor) from ledger_entries p
                                 where p.account = 'OPERATOR_PAYABLE' and p.owner_id = $1
                                   and p.currency = e.currency)::bigint,
                               x.state, x.destination, x.stripe_transfer_id, x.last_error
                          from ledger_transactions t join ledger_entries e on e.transaction_id = t.id
                          left join payout_transfers x on x.transaction_id = t.id
                         where t.kind = 'OPERATOR_PAYOUT' and e.account = 'OPERATOR_PAYABLE' and e.owner_id = $1
                           and ($2::text is null or t.reference = $2::text) and ($3::uuid is null or t.id < $3::uuid)
                           and ($5::text is null or x.state = $5::text)
                         order by t.id desc limit $4""").execute(Tuple.of(operator, reference, before, limit,
                        transferState))
                .map(rows -> {
                    List<PayoutView> out = new ArrayList<>();
                    for (Row r : rows) {
                        String cur = r.getString(2);
                        out.add(new PayoutView(r.getUUID(0), operator, Money.of(r.getLong(1), cur), r.getString(3),
                                r.getOffsetDateTime(4).toInstant(), r.getString(5), SignedMoney.of(r.getLong(6), cur),
                                r.getString(7) == null ? "RECORDED" : "STRIPE_TRANSFER", r.getString(7),
                                r.getString(8), r.getString(9), r.getString(10)));
                    }
                    return out;
                });
    }
}

package city.myriad.billing.stripe;

import city.myriad.billing.repository.LedgerRepository;
import city.myriad.billing.repository.LedgerRepository.Posting;
import city.myriad.billing.service.BillingConfig;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.net.RequestOptions;
import com.stripe.param.TransferCreateParams;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Pays operators by Stripe transfer, from the outbox on {@code payout_transfers} (V66), on the billing worker's
 * thread: each payout made with method STRIPE_TRANSFER becomes one transfer to the operator's connected account
 * ({@code /v1/transfers}), its idempotency key the payout's ({@code myriad-payout-<id>}), so a retry after a lost
 * answer is the same transfer: failures back off as invoice pushes do (at most an hour apart, the 12 attempts well
 * inside the 24 hours Stripe keeps a key). Stripe refusing it 12 times ends it FAILED, and the payout is reversed in
 * the ledger in the same transaction ({@code OPERATOR_PAYOUT_REVERSED}: the operator's payable restored, Stripe
 * clearing debited back), so the books never say paid what was not: a platform admin pays it again, or records it
 * paid otherwise.
 */
@ApplicationScoped
public class StripeTransfers {

    private static final Logger LOG = Logger.getLogger(StripeTransfers.class);

    private final PlainTx tx;
    private final LedgerRepository ledger;
    private final BillingConfig config;
    private final Clock clock;
    private final Optional<StripeClient> client;

    StripeTransfers(PlainTx tx, LedgerRepository ledger, BillingConfig config, Clock clock, StripeApi api) {
        this.tx = tx;
        this.ledger = ledger;
        this.config = config;
        this.clock = clock;
        this.client = api.client();
    }

    /** A transfer to send, as leased. */
    record Due(UUID payout, UUID operator, String destination, long amountMinor, String currency, String description,
            int attempts) {}

    /** Sends the transfers that are due; returns how many Stripe made. */
    public int sendDue() {
        if (client.isEmpty()) {
            return 0;
        }
        Instant now = clock.instant();
        List<Due> due = Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery("""
                        with due as (
                            select transaction_id from payout_transfers
                             where state = 'PENDING' and next_attempt_at <= $1
                             order by next_attempt_at limit 20 for update skip locked)
                        update payout_transfers p set next_attempt_at = $2 from due
                         where p.transaction_id = due.transaction_id
                     returning p.transaction_id, p.operator_id, p.destination, p.amount_minor, p.currency,
                               p.description, p.attempts""")
                .execute(Tuple.of(SqlTimes.utc(now), SqlTimes.utc(now.plus(StripePush.LEASE)))).map(rows -> {
                    List<Due> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Due(r.getUUID(0), r.getUUID(1), r.getString(2), r.getLong(3), r.getString(4),
                                r.getString(5), r.getInteger(6)));
                    }
                    return out;
                })));
        int sent = 0;
        for (Due d : due) {
            try {
                String id = client.orElseThrow().transfers().create(params(d),
                        RequestOptions.builder().setIdempotencyKey(key(d)).build()).getId();
                run("update payout_transfers set state = 'SENT', stripe_transfer_id = $2, sent_at = $3, "
                        + "last_error = null where transaction_id = $1 and state = 'PENDING'",
                        Tuple.of(d.payout(), id, SqlTimes.utc(clock.instant())));
                sent++;
            } catch (StripeException | RuntimeException e) {
                failed(d, e);
            }
        }
        return sent;
    }

    static String key(Due d) {
        return "myriad-payout-" + d.payout();
    }

    /** The transfer: the amount in Stripe's lower-case currency, the payout's reference, Myriad's ids. */
    static TransferCreateParams params(Due d) {
        return TransferCreateParams.builder().setAmount(d.amountMinor())
                .setCurrency(d.currency().toLowerCase(Locale.ROOT)).setDestination(d.destination())
                .setDescription(d.description()).setTransferGroup("myriad-operator-" + d.operator())
                .putMetadata("myriad_payout_id", d.payout().toString())
                .putMetadata("myriad_operator_id", d.operator().toString()).build();
    }

    private void failed(Due d, Exception e) {
        int attempts = d.attempts() + 1;
        boolean last = attempts >= StripePush.MAX_ATTEMPTS;
        LOG.warnf("Stripe transfer of payout %s failed (attempt %d%s): %s", d.payout(), attempts,
                last ? ", FAILED: reversed in the ledger" : "", e.getMessage());
        Instant now = clock.instant();
        Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery("update payout_transfers set attempts = $2, "
                        + "state = $3, next_attempt_at = $4, last_error = $5 where transaction_id = $1 "
                        + "and state = 'PENDING' returning transaction_id")
                .execute(Tuple.of(d.payout(), attempts, last ? "FAILED" : "PENDING",
                        SqlTimes.utc(now.plusMillis(StripePush.backoffMillis(config, attempts))),
                        String.valueOf(e.getMessage())))
                .chain(rows -> !last || rows.size() == 0 ? io.smallrye.mutiny.Uni.createFrom().voidItem()
                        : ledger.reverse(c, d.payout(), new Posting("OPERATOR_PAYOUT_REVERSED",
                                d.payout() + ":reversed", null, null, null, "Stripe transfer of payout "
                                + d.payout() + " failed: " + abbreviated(String.valueOf(e.getMessage())), "stripe",
                                now)).replaceWithVoid())));
    }

    private static String abbreviated(String message) {
        return message.length() <= 200 ? message : message.substring(0, 200) + "…";
    }

    private void run(String sql, Tuple args) {
        Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery(sql).execute(args).replaceWithVoid()));
    }
}

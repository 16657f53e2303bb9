package city.myriad.billing.stripe;

import city.myriad.billing.repository.LedgerRepository;
import city.myriad.billing.repository.LedgerRepository.Posting;
import city.myriad.billing.service.BillingConfig;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import com.stripe.StripeClient;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.StripeException;
import com.stripe.model.Transfer;
import com.stripe.net.RequestOptions;
import com.stripe.param.TransferCreateParams;
import com.stripe.param.TransferListParams;
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
 * ({@code /v1/transfers}), its idempotency key the payout's ({@code myriad-payout-<id>}); failures back off as invoice
 * pushes do (at most an hour apart).
 *
 * <p>Rules, so that an operator is paid once and the books never say paid what was not:
 * <ul>
 * <li>The create is marked sent before it is sent. Every attempt after one that may have reached Stripe first looks
 *     the transfer up ({@link #madeBefore}: the operator's transfer group and destination, the payout's metadata)
 *     and takes the one it finds: the key alone would not do, as Stripe forgets it after 24 hours and a worker down
 *     that long would send the payout twice.</li>
 * <li>Only a refusal ends it: after 12 attempts, the last of them answered by Stripe with a 4xx (the account
 *     unusable, the balance short), it is FAILED and the payout reversed in the ledger in the same transaction
 *     ({@code OPERATOR_PAYOUT_REVERSED}: the operator's payable restored, Stripe clearing debited back), for a
 *     platform admin to pay again or record paid otherwise. An attempt that ended without an answer (Stripe
 *     unreachable, a 5xx, a 429) may have made the transfer, so it never ends the payout: it stays PENDING and is
 *     tried hourly, looked up first, until Stripe answers.</li>
 * </ul>
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
            int attempts, boolean createSent) {}

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
                               p.description, p.attempts, p.create_sent_at is not null""")
                .execute(Tuple.of(SqlTimes.utc(now), SqlTimes.utc(now.plus(StripePush.LEASE)))).map(rows -> {
                    List<Due> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Due(r.getUUID(0), r.getUUID(1), r.getString(2), r.getLong(3), r.getString(4),
                                r.getString(5), r.getInteger(6), r.getBoolean(7)));
                    }
                    return out;
                })));
        int sent = 0;
        for (Due d : due) {
            try {
                String id = send(d);
                if (id == null) {
                    continue;
                }
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

    /** The transfer Stripe holds for the payout, made now or by an earlier attempt; null if it is no longer due. */
    private String send(Due d) throws StripeException {
        if (!marked("update payout_transfers set create_sent_at = coalesce(create_sent_at, $2) "
                + "where transaction_id = $1 and state = 'PENDING' returning transaction_id",
                Tuple.of(d.payout(), SqlTimes.utc(clock.instant())))) {
            return null;
        }
        String made = d.createSent() ? madeBefore(d) : null;
        return made != null ? made : client.orElseThrow().transfers().create(params(d),
                RequestOptions.builder().setIdempotencyKey(key(d)).build()).getId();
    }

    /**
     * The transfer an earlier attempt made for this payout, found among the operator's transfer group to its
     * destination by the {@code myriad_payout_id} metadata; null if there is none. Stripe's list is consistent, unlike
     * its search.
     */
    private String madeBefore(Due d) throws StripeException {
        for (Transfer t : client.orElseThrow().transfers().list(TransferListParams.builder()
                .setDestination(d.destination()).setTransferGroup(group(d)).setLimit(100L).build())
                .autoPagingIterable()) {
            if (t.getMetadata() != null && d.payout().toString().equals(t.getMetadata().get("myriad_payout_id"))) {
                return t.getId();
            }
        }
        return null;
    }

    /**
     * Whether Stripe answered the attempt with a refusal: a 4xx, so it made no transfer. Not a 429 (too many
     * requests), a 409 or an idempotency error (another request with the key under way), nor anything without
     * Stripe's answer: those may have made it.
     */
    static boolean refusal(Exception e) {
        if (!(e instanceof StripeException s) || e instanceof IdempotencyException || s.getStatusCode() == null) {
            return false;
        }
        int status = s.getStatusCode();
        return status >= 400 && status < 500 && status != 409 && status != 429;
    }

    static String group(Due d) {
        return "myriad-operator-" + d.operator();
    }

    static String key(Due d) {
        return "myriad-payout-" + d.payout();
    }

    /** The transfer: the amount in Stripe's lower-case currency, the payout's reference, Myriad's ids. */
    static TransferCreateParams params(Due d) {
        return TransferCreateParams.builder().setAmount(d.amountMinor())
                .setCurrency(d.currency().toLowerCase(Locale.ROOT)).setDestination(d.destination())
                .setDescription(d.description()).setTransferGroup(group(d))
                .putMetadata("myriad_payout_id", d.payout().toString())
                .putMetadata("myriad_operator_id", d.operator().toString()).build();
    }

    private void failed(Due d, Exception e) {
        int attempts = d.attempts() + 1;
        boolean last = attempts >= StripePush.MAX_ATTEMPTS && refusal(e);
        LOG.warnf("Stripe transfer of payout %s failed (attempt %d%s): %s", d.payout(), attempts,
                last ? ", FAILED: reversed in the ledger" : attempts >= StripePush.MAX_ATTEMPTS
                        ? ", no answer from Stripe: kept PENDING, looked up before it is sent again" : "",
                e.getMessage());
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

    private boolean marked(String sql, Tuple args) {
        return Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery(sql).execute(args).map(rows -> rows.size() > 0)));
    }

    private void run(String sql, Tuple args) {
        Blocking.await(() -> tx.asPlatform(c -> c.preparedQuery(sql).execute(args).replaceWithVoid()));
    }
}

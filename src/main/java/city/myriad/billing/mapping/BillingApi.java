package city.myriad.billing.mapping;

import city.myriad.platform.Identified;
import city.myriad.platform.money.Money;
import city.myriad.platform.money.SignedMoney;
import city.myriad.platform.validation.MaxChars;
import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The billing domain's API models: invoices, balances and credit, commitments, settlements, period closes. */
public final class BillingApi {

    private BillingApi() {}

    @Schema(name = "InvoiceLine", description = "One line of an invoice, traced to what it bills")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InvoiceLineView(
            @Schema(examples = "1") int lineNo,
            @Schema(enumeration = {"USAGE", "ADJUSTMENT", "PREEMPTION_CREDIT", "RESERVATION",
                    "RESERVATION_EXTENSION", "RESERVATION_CANCELLATION", "RESERVATION_SHORTFALL_CREDIT", "COMMITMENT_DISCOUNT",
                    "COMMITMENT_SHORTFALL", "TAX", "PREPAID_CREDIT", "CREDIT_CARRIED"}, examples = "USAGE") String kind,
            @Schema(examples = "ASCEND-910B ON_DEMAND on hangzhou-a, project research: 12.5 GPU-hours")
            String description,
            UUID projectId, UUID clusterId,
            @Schema(examples = "ASCEND-910B") String model,
            @com.fasterxml.jackson.annotation.JsonProperty("class")
            @Schema(name = "class", enumeration = {"ON_DEMAND", "SPOT", "RESERVED"}) String priceClass,
            @Schema(description = "First hour billed (usage), the reservation's start, or the first moment of the "
                    + "period its cards were short (a shortfall credit)") Instant from,
            @Schema(description = "End of the last hour billed, the reservation's end, or the last moment of the "
                    + "period its cards were short") Instant to,
            @Schema(description = "Card-hours billed (or, for a shortfall credit, not delivered)", examples = "12.5")
            BigDecimal gpuHours,
            SignedMoney amount,
            UUID reservationId, UUID commitmentId,
            @Schema(description = "Where the line comes from: the rollups (period, hours, project, cluster, model, "
                    + "class), a reservation, a commitment or the prepaid wallet",
                    examples = "usage_rollups period=2026-11 hours=[2026-11-03T08:00Z,2026-11-03T11:00Z)")
            String source,
            @Schema(description = "A TAX line's rate in percent, as it stood when the invoice was rated (the tenant's "
                    + "payment terms, or the platform's rate)", examples = "6") BigDecimal taxRatePercent,
            @Schema(description = "A TAX line's tax: VAT, GST, Sales tax", examples = "VAT") String taxName) {}

    @Schema(name = "Invoice", description = "One invoice of a tenant, period and currency. A DRAFT follows usage "
            + "as it is rated (its amounts are live); from ISSUED on, its lines and amounts never change")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InvoiceView(
            UUID id,
            @Schema(description = "Set at issue", examples = "MYR-202611-000001") String number,
            UUID tenantId,
            @Schema(examples = "2026-11") String period,
            Instant periodStart, Instant periodEnd,
            @Schema(examples = "CNY") String currency,
            @Schema(enumeration = {"DRAFT", "ISSUED", "PAID", "VOID", "UNCOLLECTIBLE"}) String state,
            @Schema(description = "Sum of the lines before tax and prepaid credit") SignedMoney subtotal,
            @Schema(description = "The TAX line: the subtotal's tax at the tenant's rate (its payment terms, or the "
                    + "platform's), rounded half-even once; 0 for a tenant charged no tax. Prepaid credit pays it as "
                    + "it pays the rest") SignedMoney tax,
            @Schema(description = "Prepaid credit consumed") Money creditApplied,
            @Schema(description = "What is to be paid: the sum of all lines") Money total,
            Money refunded,
            Instant issuedAt, Instant dueAt, Instant paidAt,
            @Schema(description = "When a payment first failed (Stripe); for a charged invoice the grace period "
                    + "runs from here, for a sent one from `dueAt`") Instant paymentFailedAt,
            @Schema(description = "The invoice in Stripe, once pushed") String stripeInvoiceId,
            @Schema(description = "Stripe push: PENDING (to push, or retrying), PUSHED, FAILED (given up after 12 "
                    + "attempts), SKIPPED (no Stripe key configured: the invoice stays in Myriad; or voided before "
                    + "it was finalized in Stripe, any Stripe draft of it deleted), VOID_PENDING (voided in Myriad, "
                    + "to be voided in Stripe, or its Stripe draft deleted), VOIDED (voided in Stripe too), "
                    + "VOID_FAILED (the void in Stripe given up after 12 attempts, or the invoice was paid in Stripe "
                    + "before the void: an admin refunds it there)",
                    enumeration = {"PENDING", "PUSHED", "FAILED", "SKIPPED", "VOID_PENDING", "VOIDED", "VOID_FAILED"})
            String stripeState,
            @Schema(description = "Why the Stripe push stands where it does, when there is more to say than its "
                    + "state: Stripe's last error on a push or void that retries or was given up (what an admin "
                    + "looks at), or what a void did there (a Stripe draft deleted, an invoice paid in Stripe left "
                    + "to refund)", examples = "paid in Stripe before Myriad's void: refund it there")
            String stripeNote,
            @Schema(description = "Who the invoice is made out to: the tenant's billing contact as it stood when the "
                    + "invoice was issued, never changed after (a draft shows the contact now; invoices issued before "
                    + "2026-12-05 have none)") BillTo billTo,
            @Schema(description = "Who sells (myriad.billing.seller): its name, address and tax number as they stood "
                    + "at the invoice's issue (a draft: now; invoices issued before 2026-12-07 have none)")
            Seller seller,
            @Schema(description = "How the invoice is collected, by the tenant's payment terms at its issue (a "
                    + "draft: the terms now): CHARGE_AUTOMATICALLY (Stripe charges the default payment method when "
                    + "it is issued, and retries), SEND_INVOICE (Stripe emails it with a page to pay it by "
                    + "`dueAt`)", enumeration = {"CHARGE_AUTOMATICALLY", "SEND_INVOICE"}) String collectionMethod,
            @Schema(description = "Stripe's page where the invoice is paid (by card or bank transfer) once it is "
                    + "in Stripe: how a SEND_INVOICE invoice is paid, and a charged one whose payment failed",
                    examples = "https://invoice.stripe.com/i/acct_1M2JTkLkdIwHu7ix/test_YWNjdF8x")
            String hostedInvoiceUrl,
            @Schema(description = "Stripe's PDF of the invoice (what Stripe emails), once it is in Stripe",
                    examples = "https://pay.stripe.com/invoice/acct_1M2JTkLkdIwHu7ix/test_YWNjdF8x/pdf")
            String invoicePdfUrl,
            @Schema(description = "Stripe's own status of the invoice, as Stripe last told Myriad: open from the "
                    + "finalize, then paid, uncollectible (Stripe's retries ended and it wrote the invoice off, or "
                    + "someone did in Stripe's dashboard) or void (voided there, or by Myriad's void). Shown beside "
                    + "`state`, never driving it: an invoice written off or voided in Stripe stays ISSUED here "
                    + "(and its tenant overdue) until a platform admin decides (`markInvoiceUncollectible`, "
                    + "`voidInvoice`) or it is paid", enumeration = {"open", "uncollectible", "paid", "void"})
            String stripeStatus,
            @Schema(description = "Since when the invoice is overdue, while it is ISSUED and overdue: a sent "
                    + "invoice's due date once passed, a charged one's first failed payment. The grace period before "
                    + "the tenant's suspension runs from here") Instant overdueSince,
            @Schema(description = "What its credit notes credited (listCreditNotes): on an invoice still owed they "
                    + "lower what is owed, on a paid one they went to the prepaid wallet. The lines and `total` "
                    + "stay as issued") Money credited,
            @Schema(description = "What the tenant still owes on it: `total` less `credited` while it is ISSUED or "
                    + "UNCOLLECTIBLE, 0 once PAID or VOID; absent on a DRAFT") Money amountDue,
            @Schema(description = "Only on getInvoice") List<InvoiceLineView> lines) {}

    @Schema(name = "Seller", description = "Who sells: the marketplace's legal identity, as it stood at the "
            + "invoice's issue")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Seller(@Schema(examples = "Hangzhou City Compute Marketplace Co., Ltd.") String name,
            @Schema(examples = "88 Cloud Town Road, Xihu District, Hangzhou 310024, CN") String address,
            @Schema(description = "Its tax registration number", examples = "91330106MA2J8K7Q3X") String taxId) {}

    @Schema(name = "BillTo", description = "Who an invoice is made out to")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BillTo(
            @Schema(description = "The contact's legal name, else the tenant's name", examples = "ACME Robotics Co., "
                    + "Ltd.") String name,
            @Schema(examples = "finance@acme.example") String email,
            BillingAddress address,
            List<BillingTaxId> taxIds) {}

    @Schema(name = "CreditGrant", description = "Prepaid credit for a tenant; consumed before anything is invoiced")
    public record CreditGrantRequest(
            @NotNull @Valid Money amount,
            @Size(max = 500) @Schema(examples = "Welcome credit") String reason) {}

    @Schema(name = "CreditNoteRequest", description = "What to credit on an issued or paid invoice, and why")
    public record CreditNoteRequest(
            @NotNull @Valid @Schema(description = "In the invoice's currency; at most what it billed less its earlier "
                    + "credit notes and refunds") Money amount,
            @NotNull @Schema(enumeration = {"SERVICE_LEVEL", "BILLING_ERROR", "DUPLICATE", "FRAUDULENT", "GOODWILL"},
                    description = "SERVICE_LEVEL: the service fell short of what was sold (an outage, slow nodes); "
                    + "BILLING_ERROR: the invoice billed the wrong amount; DUPLICATE: billed twice; FRAUDULENT: usage "
                    + "the tenant did not make; GOODWILL: a gesture") String reason,
            @Size(max = 500) @Schema(description = "Printed on the credit note (and Stripe's)",
                    examples = "Hangzhou outage of 2026-11-12, 6 h on 64 cards") String memo) {}

    @Schema(name = "CreditNote", description = "A correction of an issued invoice, which stays as it was issued: "
            + "what it credits lowers what the invoice asks (AMOUNT_DUE) or, on a paid invoice, goes to the prepaid "
            + "wallet (PREPAID_WALLET)")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreditNoteView(
            UUID id,
            @Schema(description = "The invoice's number and the note's place among its credit notes",
                    examples = "MYR-202611-000001-CN1") String number,
            UUID invoiceId,
            @Schema(examples = "MYR-202611-000001") String invoiceNumber,
            UUID tenantId,
            @Schema(examples = "2026-11") String period,
            Money amount,
            @Schema(description = "Of `amount`, the tax it takes back: the invoice's tax in the proportion of its "
                    + "subtotal and tax, rounded half-even (0 on an invoice charged no tax)") Money tax,
            @Schema(enumeration = {"SERVICE_LEVEL", "BILLING_ERROR", "DUPLICATE", "FRAUDULENT", "GOODWILL"})
            String reason,
            String memo,
            @Schema(enumeration = {"AMOUNT_DUE", "PREPAID_WALLET"}, description = "AMOUNT_DUE: the invoice was "
                    + "still owed, and now asks less (all of it credited: it is PAID); PREPAID_WALLET: it was paid, "
                    + "and the credit went to the tenant's wallet, spent by the next invoices") String appliedTo,
            Instant createdAt,
            @Schema(description = "Stripe: PENDING (to make on the Stripe invoice, or retrying), PUSHED, FAILED "
                    + "(given up after 12 attempts), SKIPPED (the invoice is not in Stripe: no Stripe key, or it "
                    + "never went there)", enumeration = {"PENDING", "PUSHED", "FAILED", "SKIPPED"}) String stripeState,
            @Schema(description = "The credit note in Stripe, once made", examples = "cn_1MxvRqLkdIwHu7ixY0xbUcxk")
            String stripeCreditNoteId,
            @Schema(description = "Why the Stripe state stands where it does: Stripe's last error, or why skipped")
            String stripeNote,
            @Schema(description = "ISSUED, or VOID once voided (voidCreditNote): it credits nothing",
                    enumeration = {"ISSUED", "VOID"}) String status,
            @Schema(description = "When it was voided") Instant voidedAt,
            @Schema(description = "Who voided it") String voidedBy,
            @Schema(description = "Why it was voided, as its voider wrote") String voidMemo,
            @Schema(description = "The void in Stripe: PENDING (to void there once made there, or retrying), VOIDED, "
                    + "FAILED (given up after 12 attempts; stripeVoidNote says why); absent: nothing to void there",
                    enumeration = {"PENDING", "VOIDED", "FAILED"}) String stripeVoidState,
            @Schema(description = "Stripe's last error voiding it") String stripeVoidNote,
            @Schema(description = "Who sells: its invoice's seller") Seller seller) implements Identified {}

    @Schema(name = "CreditNoteVoidRequest", description = "Why a credit note is voided (optional)")
    public record CreditNoteVoidRequest(
            @Size(max = 500) @Schema(description = "Kept on the note and in the audit trail",
                    examples = "Made on the wrong invoice") String memo) {}

    @Schema(name = "CreditGranted", description = "A grant as the ledger recorded it")
    public record CreditGrantView(@Schema(description = "The grant: its ledger transaction") UUID id, UUID tenantId,
            Money amount, String reason, Instant grantedAt,
            @Schema(description = "The wallet's balance now") Money walletBalance) implements Identified {}

    @Schema(name = "AccountStatement", description = "What the tenant owed over a window, line by line: the "
            + "movements of its receivable in the ledger, in one currency")
    public record StatementView(UUID tenantId, @Schema(examples = "CNY") String currency, Instant from, Instant to,
            @Schema(description = "Owed at `from`") SignedMoney openingBalance,
            List<StatementLine> lines,
            @Schema(description = "Owed at `to`: the opening balance plus every line") SignedMoney closingBalance) {}

    @Schema(name = "ReceivablesAging", description = "What tenants owe at `asOf` in one currency, by how long it is "
            + "past due: the ledger's receivable of each unpaid invoice at that instant, bucketed by its due date")
    public record ReceivablesAgingView(Instant asOf, @Schema(examples = "CNY") String currency,
            @Schema(description = "Every tenant's together") AgingBuckets totals,
            @Schema(description = "Each tenant that owes anything, the most owed first") List<TenantAging> tenants) {}

    @Schema(name = "TaxReport", description = "The tax of the documents dated in [from, to) in one currency, as "
            + "a tax return is filed: each rate's sales and tax on the invoices issued, the tax taken back or "
            + "restored by corrections, and what the marketplace owes the tax authority for the window. From the "
            + "ledger's TAX_PAYABLE account: `taxPayable` is its movement over the window to the minor unit")
    public record TaxReportView(Instant from, Instant to, @Schema(examples = "CNY") String currency,
            @Schema(description = "The invoices issued in the window, by rate (0: tenants charged no tax)")
            List<TaxRateSales> rates,
            @Schema(description = "Every document that moved tax in the window, by kind: INVOICE_ISSUED, "
                    + "CREDIT_NOTE, CREDIT_NOTE_VOIDED, REFUND, INVOICE_UNCOLLECTIBLE (a write-off, or its reversal), "
                    + "INVOICE_VOIDED; tax owed positive, tax taken back negative") List<TaxMovement> movements,
            @Schema(description = "The tax owed for the window: the movements' sum") SignedMoney taxPayable) {}

    @Schema(name = "TaxRateSales", description = "The invoices issued in the window at one rate")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TaxRateSales(@Schema(examples = "VAT", description = "Absent at 0%") String taxName,
            @Schema(examples = "6") BigDecimal ratePercent,
            @Schema(description = "How many invoices") int invoices,
            @Schema(description = "Their subtotals: the sales the tax is on") SignedMoney taxable,
            SignedMoney tax) {}

    @Schema(name = "TaxMovement", description = "The tax moved by the documents of one kind in the window")
    public record TaxMovement(@Schema(examples = "CREDIT_NOTE") String kind,
            @Schema(description = "How many documents") int documents, SignedMoney tax) {}

    @Schema(name = "AgingBuckets", description = "Amounts owed by days past due at `asOf`: `current` not yet due, "
            + "then up to 30, 31-60, 61-90 and over 90 days past the due date (past due from the first instant after "
            + "it: an hour past due is in `days1To30`)")
    public record AgingBuckets(SignedMoney current, SignedMoney days1To30, SignedMoney days31To60,
            SignedMoney days61To90, SignedMoney over90, @Schema(description = "All of it") SignedMoney total) {}

    @Schema(name = "TenantAging", description = "What one tenant owes at `asOf`, aged")
    public record TenantAging(UUID tenantId, String tenantSlug, String tenantName, AgingBuckets amounts,
            @Schema(description = "How many invoices it owes on") int invoices,
            @Schema(description = "The earliest due date it has not paid by, if any is past due") Instant oldestPastDue) {}

    @Schema(name = "StatementLine", description = "One movement of what the tenant owes")
    public record StatementLine(Instant at,
            @Schema(description = "What moved it", enumeration = {"INVOICE_ISSUED", "PAYMENT",
                    "INVOICE_VOIDED", "INVOICE_UNCOLLECTIBLE", "CREDIT_NOTE", "CREDIT_NOTE_VOIDED"}) String kind,
            @Schema(examples = "Invoice MYR-202611-000001 paid") String description,
            UUID invoiceId, @Schema(examples = "MYR-202611-000001") String invoiceNumber,
            @Schema(description = "More owed (an invoice issued) is positive, less (a payment, a credit note, a void, "
                    + "a write-off) negative") SignedMoney amount,
            @Schema(description = "Owed after this line") SignedMoney balance) {}

    @Schema(name = "Balance", description = "A tenant's balances, each a query over the ledger, per currency")
    public record BalanceView(UUID tenantId,
            @Schema(enumeration = {"GOOD", "GRACE", "SUSPENDED"}, description = "GOOD; GRACE while an overdue "
                    + "invoice (a charged one whose payment failed, a sent one past its due date) is inside its grace "
                    + "period; SUSPENDED from new work after it") String standing,
            @Schema(description = "GRACE: when the suspension takes effect; SUSPENDED: since when") Instant standingUntil,
            List<CurrencyBalance> balances) {}

    @Schema(name = "CurrencyBalance", description = "One currency's balances")
    public record CurrencyBalance(@Schema(examples = "CNY") String currency,
            @Schema(description = "Owed on issued invoices (the receivable)") SignedMoney receivable,
            @Schema(description = "Prepaid credit not yet consumed") SignedMoney prepaidCredit,
            @Schema(description = "This period's bill so far: the open drafts' totals") SignedMoney openDrafts,
            @Schema(description = "Of the receivable, what is overdue now (the issued invoices past their "
                    + "`overdueSince`): what the grace period and a suspension are about") SignedMoney overdue) {}

    @Schema(name = "Commitment", description = "A committed-use discount: the tenant commits to a minimum spend per "
            + "period in one currency, for a term, and gets a discount on its ON_DEMAND usage")
    public record CommitmentRequest(
            @NotNull @DecimalMin(value = "0.01") @DecimalMax(value = "99.99") @Schema(examples = "15")
            BigDecimal discountPercent,
            @NotNull @Valid @Schema(description = "Minimum spend per period; less bills the shortfall")
            Money minimumPerPeriod,
            @NotNull @Pattern(regexp = "^[0-9]{4}-(0[1-9]|1[0-2])$") @Schema(examples = "2026-12") String firstPeriod,
            @NotNull @Pattern(regexp = "^[0-9]{4}-(0[1-9]|1[0-2])$") @Schema(examples = "2027-11") String lastPeriod) {}

    @Schema(name = "CommitmentView", description = "A commitment in force or to come")
    public record CommitmentView(UUID id, UUID tenantId, BigDecimal discountPercent, Money minimumPerPeriod,
            String firstPeriod, String lastPeriod, Instant createdAt) implements Identified {}

    @Schema(name = "BillingPeriod", description = "A billing period's state: OPEN takes usage; CLOSED takes no more "
            + "(late usage goes to the next open period); invoicedAt is set when its invoices were issued")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PeriodView(@Schema(examples = "2026-11") String period,
            @Schema(enumeration = {"OPEN", "CLOSED"}) String state, Instant closedAt, String closedBy,
            Instant invoicedAt,
            @Schema(description = "Invoices issued by the close") Integer invoiceCount) {}

    @Schema(name = "PayoutRequest", description = "A payout made to the operator, to record")
    public record PayoutRequest(
            @NotNull @Valid @Schema(description = "What was paid; at most what the operator is payable in that "
                    + "currency") Money amount,
            @NotBlank @MaxChars(100) @Schema(maxLength = 100, description = "The bank transfer's reference, as the "
                    + "operator's statement shows it (a Stripe transfer's description)",
                    examples = "HZ-2026-11-000123") String reference,
            @Schema(description = "RECORDED (default): a payout made outside Myriad, recorded; STRIPE_TRANSFER: "
                    + "Myriad pays it by a Stripe transfer to the operator's connected account (setPayoutAccount)",
                    enumeration = {"RECORDED", "STRIPE_TRANSFER"}) String method) {}

    @Schema(name = "Payout", description = "A payout to an operator, as the ledger recorded it")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PayoutView(@Schema(description = "The payout: its ledger transaction") UUID id, UUID operatorId,
            Money amount, @Schema(examples = "HZ-2026-11-000123") String reference, Instant paidAt,
            @Schema(examples = "admin") String recordedBy,
            @Schema(description = "What the operator is payable in that currency now") SignedMoney payable,
            @Schema(enumeration = {"RECORDED", "STRIPE_TRANSFER"}) String method,
            @Schema(description = "STRIPE_TRANSFER: PENDING (to send, or retrying), SENT, FAILED (Stripe refused it "
                    + "for good: the payout was reversed in the ledger, the operator payable again)",
                    enumeration = {"PENDING", "SENT", "FAILED"}) String transferState,
            @Schema(description = "The Stripe connected account paid", examples = "acct_1PgafTB7WZ01zgkW")
            String destination,
            @Schema(description = "The Stripe transfer, once sent", examples = "tr_1Pgc7BB7WZ01zgkWVJfE40RX")
            String stripeTransferId,
            @Schema(description = "Stripe's last error sending it") String transferNote) implements Identified {}

    @Schema(name = "PayoutAccount", description = "Where Stripe transfers pay the operator")
    public record PayoutAccountView(UUID operatorId,
            @Schema(description = "The operator's Stripe connected account", examples = "acct_1PgafTB7WZ01zgkW")
            String stripeAccountId, Instant updatedAt, String updatedBy) {}

    @Schema(name = "SetPayoutAccount", description = "The operator's Stripe connected account")
    public record SetPayoutAccount(@NotBlank @Schema(examples = "acct_1PgafTB7WZ01zgkW", maxLength = 69)
            String stripeAccountId) {}

    @Schema(name = "OperatorBalance", description = "What the marketplace owes an operator, per currency, from the "
            + "ledger")
    public record OperatorBalanceView(UUID operatorId, List<OperatorCurrencyBalance> balances) {}

    @Schema(name = "OperatorCurrencyBalance", description = "One currency's figures")
    public record OperatorCurrencyBalance(@Schema(examples = "CNY") String currency,
            @Schema(description = "The operator's share of every issued invoice, less voids and shortfall credits")
            SignedMoney earned,
            @Schema(description = "Payouts recorded") SignedMoney paidOut,
            @Schema(description = "Still to pay: earned less paid out (the payable account's balance)")
            SignedMoney payable) {}

    @Schema(name = "Settlement", description = "An operator's statement for a period: revenue of its clusters, the "
            + "marketplace fee and what is payable, from the ledger, reconciled with the issued invoices' lines")
    public record SettlementView(UUID operatorId, String period,
            @Schema(examples = "10") BigDecimal feePercent,
            List<SettlementLine> clusters, List<SettlementTotal> totals,
            @Schema(description = "True when the ledger's figures equal those recomputed from the invoice lines")
            boolean reconciled) {}

    @Schema(name = "SettlementLine", description = "One cluster's revenue in one currency")
    public record SettlementLine(UUID clusterId, @Schema(examples = "hangzhou-a") String clusterSlug,
            SignedMoney revenue, SignedMoney marketplaceFee, SignedMoney payable, long invoiceCount,
            @Schema(description = "Included in `revenue`: the credits to tenants for reserved card time this "
                    + "cluster did not deliver (nodes out of service under sold reservations), zero or negative")
            SignedMoney reservationShortfallCredits) {}

    @Schema(name = "SettlementTotal", description = "One currency's totals; ledgerPayable is the movement of the "
            + "operator's payable account for the period")
    public record SettlementTotal(String currency, SignedMoney revenue, SignedMoney marketplaceFee,
            SignedMoney payable, SignedMoney ledgerPayable) {}

    @Schema(name = "BillingAddress", description = "A postal address, as Stripe keeps a customer's")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BillingAddress(
            @NotBlank @MaxChars(200) @Schema(maxLength = 200, examples = "1 Science Avenue") String line1,
            @MaxChars(200) @Schema(maxLength = 200, examples = "Building 7") String line2,
            @MaxChars(100) @Schema(maxLength = 100, examples = "Hangzhou") String city,
            @MaxChars(20) @Schema(maxLength = 20, examples = "310000") String postalCode,
            @MaxChars(100) @Schema(maxLength = 100, description = "State, province or region", examples = "Zhejiang")
            String state,
            @NotBlank @Pattern(regexp = "^[A-Z]{2}$", message = "an ISO 3166-1 alpha-2 country code in capitals, "
                    + "e.g. CN") @Schema(pattern = "^[A-Z]{2}$", description = "ISO 3166-1 alpha-2",
                    examples = "CN") String country) {}

    @Schema(name = "BillingTaxId", description = "A tax ID of the tenant, as Stripe types it: printed on its "
            + "invoices and receipts")
    public record BillingTaxId(
            @NotBlank @Pattern(regexp = "^[a-z]{2}_[a-z]{2,8}$", message = "a Stripe tax ID type, e.g. eu_vat or "
                    + "cn_tin") @Schema(description = "Stripe's tax ID type (eu_vat, gb_vat, cn_tin, us_ein, jp_cn, "
                    + "sg_uen, ...; docs.stripe.com/billing/customer/tax-ids)", examples = "cn_tin") String type,
            @NotBlank @MaxChars(64) @Pattern(regexp = "^[A-Za-z0-9][A-Za-z0-9 .\\-/]*$", message = "letters, digits, "
                    + "spaces, dots, dashes and slashes") @Schema(maxLength = 64, examples = "91330100MA2H123456")
            String value) {}

    @Schema(name = "SetPaymentTerms", description = "How the tenant's invoices are collected, from the next one "
            + "issued")
    public record SetPaymentTerms(
            @NotNull @Schema(description = "CHARGE_AUTOMATICALLY: Stripe charges the default payment method at issue; "
                    + "SEND_INVOICE: Stripe emails the invoice with a page to pay it by its due date (net terms)")
            city.myriad.billing.model.CollectionMethod collectionMethod,
            @NotNull @jakarta.validation.constraints.Min(0) @jakarta.validation.constraints.Max(120)
            @Schema(description = "Days from issue to due (0-120; SEND_INVOICE: at least 1). The grace period before "
                    + "a suspension runs from the due date of a sent invoice", examples = "30") Integer daysUntilDue,
            @jakarta.validation.constraints.DecimalMin("0") @jakarta.validation.constraints.DecimalMax("100")
            @jakarta.validation.constraints.Digits(integer = 3, fraction = 4)
            @Schema(description = "The tax on the tenant's invoices, in percent (up to four decimals): 0 for a tenant "
                    + "charged no tax (exempt, or reverse charge: its tax ID in its billing profile says who accounts "
                    + "for it); left out, the platform's rate (myriad.billing.tax.rate-percent) applies",
                    examples = "6") BigDecimal taxRatePercent,
            @jakarta.validation.constraints.Pattern(regexp = "[A-Za-z][A-Za-z0-9 .()&/-]{0,31}")
            @Schema(description = "The tax's name on invoices; left out, the platform's (myriad.billing.tax.name)",
                    maxLength = 32, examples = "VAT") String taxName) {}

    @Schema(name = "PaymentTerms", description = "How the tenant's invoices are collected")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PaymentTermsView(
            UUID tenantId,
            @Schema(enumeration = {"CHARGE_AUTOMATICALLY", "SEND_INVOICE"}) String collectionMethod,
            @Schema(examples = "30") int daysUntilDue,
            @Schema(description = "PLATFORM_DEFAULT while the tenant has no terms of its own "
                    + "(CHARGE_AUTOMATICALLY, due after myriad.billing.payment-terms-days), else TENANT",
                    enumeration = {"PLATFORM_DEFAULT", "TENANT"}) String source,
            Instant updatedAt,
            @Schema(examples = "admin") String updatedBy,
            @Schema(description = "The tax rate its next invoice is rated at, in percent (0: charged no tax)",
                    examples = "6") BigDecimal taxRatePercent,
            @Schema(examples = "VAT") String taxName,
            @Schema(description = "PLATFORM_DEFAULT while the tenant's terms name no rate (the platform's, "
                    + "myriad.billing.tax.rate-percent), else TENANT", enumeration = {"PLATFORM_DEFAULT", "TENANT"})
            String taxSource) {}

    @Schema(name = "SetBillingProfile", description = "The tenant's billing contact, replaced whole")
    public record SetBillingProfile(
            @NotBlank @Email @MaxChars(254) @Schema(maxLength = 254, description = "Where Stripe sends invoices and "
                    + "receipts", examples = "finance@acme.example") String email,
            @MaxChars(200) @Schema(maxLength = 200, description = "The name invoices are made out to; the tenant's "
                    + "name when left out", examples = "ACME Robotics Co., Ltd.") String legalName,
            @Valid BillingAddress address,
            @Size(max = 5) @Schema(maxItems = 5, description = "The tenant's tax IDs (left out: none); Stripe checks "
                    + "each against its type, and refuses a malformed one (`stripeState` FAILED, `stripeNote` says "
                    + "why)") List<@Valid @NotNull BillingTaxId> taxIds) {}

    @Schema(name = "BillingProfile", description = "The tenant's billing contact, and how far the tenant's Stripe "
            + "customer has caught up with it")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BillingProfileView(
            UUID tenantId,
            @Schema(examples = "finance@acme.example") String email,
            @Schema(examples = "ACME Robotics Co., Ltd.") String legalName,
            BillingAddress address,
            List<BillingTaxId> taxIds,
            @Schema(description = "1 for the first contact set, one more for each change", examples = "1") long version,
            Instant updatedAt,
            @Schema(examples = "alice") String updatedBy,
            @Schema(description = "NOT_CONFIGURED: this deployment has no Stripe; PENDING: the Stripe customer does "
                    + "not carry this version yet (it is made with the first invoice pushed or payment portal "
                    + "opened); SYNCED: it does; FAILED: Stripe refused it 12 times (`stripeNote` says why; setting "
                    + "the contact again retries)",
                    enumeration = {"NOT_CONFIGURED", "PENDING", "SYNCED", "FAILED"}) String stripeState,
            @Schema(examples = "cus_QXg1o8vcGmoR32") String stripeCustomerId,
            @Schema(description = "Stripe's last error while bringing the customer up to date") String stripeNote) {}

    @Schema(name = "CreateBillingPortalSession")
    public record CreateBillingPortalSession(
            @NotBlank @MaxChars(2000) @Schema(maxLength = 2000, description = "Where Stripe sends the browser back: "
                    + "an absolute http or https URL", examples = "https://portal.myriad.example/billing")
            String returnUrl) {}

    @Schema(name = "BillingPortalSession", description = "A short-lived link to Stripe's customer portal, where the "
            + "tenant adds or removes payment methods and sees its Stripe invoices and receipts")
    public record BillingPortalSessionView(
            @Schema(description = "Open it in the browser now: it is for one visit and expires within minutes",
                    examples = "https://billing.stripe.com/p/session/test_YWNjdF8x") String url,
            String returnUrl,
            @Schema(examples = "cus_QXg1o8vcGmoR32") String stripeCustomerId,
            Instant createdAt) {}
}

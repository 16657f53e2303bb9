package city.myriad.metering.mapping;

import city.myriad.platform.money.Money;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import city.myriad.metering.service.WebhookEvents;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The metering domain's API models: usage events in, usage and alerts out, webhooks. */
public final class MeteringApi {

    private MeteringApi() {}

    /**
     * One measured interval. The fields are checked one event at a time (a bad one is REJECTED, MALFORMED, and the
     * rest of the batch goes on), so none of them is checked by the batch's validation.
     */
    @Schema(name = "UsageEvent", description = "What an agent measured: one job's use of cards on one node over an "
            + "interval")
    public record UsageEvent(
            @Schema(description = "Unique per cluster, 1 to 128 characters: a retried event is counted once",
                    maxLength = 128, examples = "agent-7:2026-11-29T10:00Z:job-1") String eventId,
            @Schema(required = true) UUID clusterId,
            @Schema(required = true) UUID jobId,
            @Schema(required = true, description = "A node of the job's run", examples = "hz-n0001") String node,
            @Schema(required = true, description = "Cards used on that node: whole, or a fraction in thousandths",
                    examples = "8", minimum = "0.001") BigDecimal cards,
            @Schema(required = true, description = "Start of the measured interval") Instant startAt,
            @Schema(required = true, description = "End of the measured interval (after startAt)") Instant endAt,
            @Schema(description = "Mean utilization of the cards, 0 to 1", minimum = "0", maximum = "1",
                    examples = "0.93") BigDecimal utilization,
            @Schema(description = "Energy used, in watt-hours", minimum = "0", examples = "2400") BigDecimal energyWh) {}

    @Schema(name = "UsageEvents", description = "A batch of 1 to 1,000 events; the valid ones commit together")
    public record UsageEvents(@NotNull @NotEmpty @Size(max = 1000) List<@NotNull UsageEvent> events) {}

    @Schema(name = "UsageEventResult", description = "What became of one event")
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record UsageEventResult(@Schema(examples = "agent-7:2026-11-29T10:00Z:job-1") String eventId,
            @Schema(enumeration = {"ACCEPTED", "DUPLICATE", "REJECTED"}, examples = "ACCEPTED") String status,
            @Schema(description = "REJECTED: why", enumeration = {"MALFORMED", "UNKNOWN_JOB", "OUTSIDE_RUN",
                    "NODE_NOT_IN_PLACEMENT", "CARDS_ABOVE_PLACEMENT", "TOO_LATE"}) String reason,
            @Schema(description = "REJECTED: the detail") String detail) {}

    @Schema(name = "UsageEventResults", description = "One result per event, in order; counted after the commit is "
            + "durable")
    public record UsageEventResults(long accepted, long duplicates, long rejected, List<UsageEventResult> results) {}

    @Schema(name = "UsageLine", description = "Usage of one group (by project, cluster, model, class, hour or day)")
    public record UsageLine(
            @Schema(description = "The group's key: a project or cluster id, a model, a class, an hour or a day "
                    + "(ISO-8601), the billing period, or the value of the tag `tagKey` (null: the jobs without it)",
                    examples = "ON_DEMAND") String key,
            @Schema(description = "Card-seconds run, from the job lifecycle (what bills)", examples = "28800")
            BigDecimal cardSeconds,
            @Schema(description = "The same in card-hours (GPU-hours)", examples = "8") BigDecimal gpuHours,
            @Schema(description = "Cost at the prices the jobs were sold at, before credits") Money cost,
            @Schema(description = "Preemption and node-failure credits") Money credit,
            @Schema(description = "Card-seconds the agents measured (usage events); null grouped by tag (measured "
                    + "usage is kept by the hour and project, not by job)", examples = "28750")
            BigDecimal measuredCardSeconds,
            @Schema(description = "Usage events counted; null grouped by tag", examples = "8") Long eventCount,
            @Schema(description = "How busy the cards were, as the agents measured: the events' utilization weighted "
                    + "by their card-seconds, 0 to 1 (three decimals), over the events that reported one; null if none "
                    + "did, and grouped by tag", examples = "0.874") BigDecimal meanUtilization,
            @Schema(description = "Energy the agents measured, in watt-hours, over the events that reported it; null "
                    + "if none did, and grouped by tag", examples = "2400.5") BigDecimal energyWh) {}

    @Schema(name = "Usage", description = "A tenant's (or a cluster's) usage over [from, to), by the hour it ran")
    public record UsageView(UUID tenantId, Instant from, Instant to,
            @Schema(enumeration = {"project", "cluster", "model", "class", "hour", "day", "period", "tag"}) String groupBy,
            List<UsageLine> lines,
            @Schema(description = "Card-seconds of runs still going on, not yet in the lines (they count when the run "
                    + "ends)") BigDecimal runningCardSeconds) {}

    @Schema(name = "ClusterOccupancy", description = "What a cluster's cards were and what they were given to, over "
            + "[from, to) by hour or day and card model: the operator's measure of how full the cluster is kept")
    public record OccupancyView(UUID clusterId, Instant from, Instant to,
            @Schema(enumeration = {"hour", "day"}) String groupBy,
            @Schema(description = "The one card model asked for; null: every model") String model,
            @Schema(description = "One line per bucket and model that had cards or runs, in time then model order")
            List<OccupancyLine> lines,
            @Schema(description = "The whole range, one line per model (start is from)") List<OccupancyLine> totals) {}

    @Schema(name = "OccupancyLine", description = "One bucket of one card model. Card-seconds in whole seconds per "
            + "interval and bucket; available + draining + down = cardSeconds")
    public record OccupancyLine(@Schema(description = "The bucket's start (buckets are aligned on from)") Instant start,
            @Schema(examples = "ASCEND-910B") String model,
            @Schema(description = "Cards of the cluster's nodes of the model, whatever their state, × seconds")
            BigDecimal cardSeconds,
            @Schema(description = "Of those, on nodes AVAILABLE: taking work") BigDecimal availableCardSeconds,
            @Schema(description = "On nodes DRAINING: finishing their runs, taking no new work")
            BigDecimal drainingCardSeconds,
            @Schema(description = "On nodes DOWN") BigDecimal downCardSeconds,
            @Schema(description = "Cards given to runs (closed runs and, to now, the runs going on), every class")
            BigDecimal allocatedCardSeconds,
            @Schema(description = "Of those, ON_DEMAND runs") BigDecimal onDemandCardSeconds,
            @Schema(description = "Of those, SPOT runs") BigDecimal spotCardSeconds,
            @Schema(description = "Of those, runs inside reservations (RESERVED)") BigDecimal reservedRunCardSeconds,
            @Schema(description = "Cards held by confirmed reservations (to their cancellation, if cancelled), used or "
                    + "not") BigDecimal heldCardSeconds,
            @Schema(description = "allocatedCardSeconds / (available + draining): how much of the cards in service "
                    + "ran work, four decimals; null without cards in service", examples = "0.9312")
            BigDecimal allocation,
            @Schema(description = "(held + on-demand + spot) / (available + draining): how much of the cards in "
                    + "service was sold, four decimals (above 1 when reservations hold cards of nodes that went down); "
                    + "null without cards in service", examples = "0.9650") BigDecimal sold) {}

    @Schema(name = "JobUsage", description = "One job's usage from its lifecycle and from its agents, side by side")
    public record JobUsageView(UUID jobId, UUID tenantId, UUID clusterId, @Schema(examples = "SUCCEEDED") String state,
            @Schema(description = "Card-seconds of the job's ended runs plus the run going on (to now)")
            BigDecimal lifecycleCardSeconds,
            @Schema(description = "Card-seconds its usage events measured") BigDecimal measuredCardSeconds,
            @Schema(description = "Usage events counted for the job") long eventCount,
            @Schema(description = "How busy its cards were, as its agents measured: the mean of the events' "
                    + "utilization weighted by their card-seconds, 0 to 1 (three decimals), over the events that "
                    + "reported one; null if none did", examples = "0.874") BigDecimal meanUtilization,
            @Schema(description = "Energy its agents measured, in watt-hours: the sum over the events that reported "
                    + "it; null if none did", examples = "2400.5") BigDecimal energyWh,
            @Schema(description = "Cost of the ended runs, before credits") Money cost,
            @Schema(description = "PENDING (running, or not yet compared), UNMEASURED (ended, no events), MATCHED, "
                    + "DISCREPANT (flagged for the operator)",
                    enumeration = {"PENDING", "UNMEASURED", "MATCHED", "DISCREPANT"}) String reconciliation,
            List<RunUsage> runs) {}

    @Schema(name = "RunUsage", description = "One run (attempt) of a job")
    public record RunUsage(int attempt, Instant startedAt, Instant endedAt, BigDecimal lifecycleCardSeconds,
            BigDecimal measuredCardSeconds, long eventCount,
            @Schema(description = "As the job's, over this run's events", examples = "0.874") BigDecimal meanUtilization,
            @Schema(description = "As the job's, over this run's events", examples = "2400.5") BigDecimal energyWh) {}

    @Schema(name = "UsageDiscrepancy", description = "An ended job whose agents measured other usage than its "
            + "lifecycle")
    public record DiscrepancyView(UUID jobId, UUID tenantId, UUID clusterId, BigDecimal lifecycleCardSeconds,
            BigDecimal measuredCardSeconds, @Schema(description = "(measured - lifecycle) / lifecycle",
                    examples = "-0.05") BigDecimal difference, long eventCount, Instant checkedAt) {}

    @Schema(name = "Alert", description = "A threshold of a budget or GPU-hour limit crossed in a period, or a "
            + "budget's forecast for the month reaching it (BUDGET_FORECAST)")
    public record AlertView(UUID id, UUID tenantId, @Schema(description = "Absent: the tenant's own limit")
            UUID projectId, @Schema(description = "BUDGET and GPU_HOURS: what was used crossed a threshold; "
                    + "BUDGET_FORECAST: the month's forecast (getTenantBudget's `forecast`) reached the quotas' "
                    + "forecastAlertPercent of the budget (the threshold), once a month; SPEND_ANOMALY: a day's spend "
                    + "was above the median of the 14 days before it by more than the quotas' spendAnomalyPercent (the "
                    + "threshold), once a day",
                    enumeration = {"BUDGET", "GPU_HOURS", "BUDGET_FORECAST", "SPEND_ANOMALY"})
            String measure,
            @Schema(description = "The month (yyyy-MM); SPEND_ANOMALY: the day (yyyy-MM-dd, UTC)", examples = "2026-11")
            String period,
            @Schema(description = "The percentage crossed (1-100; SPEND_ANOMALY: how far above the median, 10-1000)",
                    examples = "80") int threshold,
            @Schema(description = "Used when raised (BUDGET_FORECAST: the forecast; SPEND_ANOMALY: the day's spend): "
                    + "minor units of the currency, or GPU-hours", examples = "400000")
            BigDecimal used,
            @Schema(description = "The budget or limit (SPEND_ANOMALY: the median daily spend of the 14 days before)",
                    examples = "500000") BigDecimal limit,
            @Schema(description = "The currency, or GPU_HOURS", examples = "CNY") String unit, Instant raisedAt,
            @Schema(description = "The webhook delivery: PENDING, DELIVERED, FAILED; absent without a webhook")
            String delivery) {}

    /** The schema of an event type (the contract's enum; the names are {@code WebhookEvents}'). */
    @Schema(name = "WebhookEventType", type = SchemaType.STRING, description = "What a webhook delivery reports: a "
            + "threshold crossed (alert.raised), a reservation short of cards or restored, ending within the hour "
            + "(reservation.ending) or extended (reservation.extended), a job started, preempted "
            + "(and requeued), succeeded, failed or cancelled, held or released, a change recorded in the tenant's audit trail "
            + "(audit.recorded), an invoice issued, paid, its payment failed, overdue (its grace period begins: a "
            + "charged invoice's first failed payment, a sent one's due date), voided, marked uncollectible, "
            + "refunded or credited (a credit note) or a credit note on it voided, the tenant suspended from new work or reinstated, maintenance of a "
            + "cluster it uses scheduled, cancelled, completed early or moved, a cluster's price book changed now or "
            + "announced for later (price.changed)",
            enumeration = {WebhookEvents.ALERT_RAISED,
            WebhookEvents.RESERVATION_SHORT, WebhookEvents.RESERVATION_RESTORED, WebhookEvents.RESERVATION_ENDING,
            WebhookEvents.RESERVATION_EXTENDED, WebhookEvents.JOB_STARTED,
            WebhookEvents.JOB_PREEMPTED, WebhookEvents.JOB_SUCCEEDED, WebhookEvents.JOB_FAILED,
            WebhookEvents.JOB_CANCELLED, WebhookEvents.JOB_HELD, WebhookEvents.JOB_RELEASED,
            WebhookEvents.AUDIT_RECORDED, WebhookEvents.INVOICE_ISSUED,
            WebhookEvents.INVOICE_PAID, WebhookEvents.INVOICE_PAYMENT_FAILED, WebhookEvents.INVOICE_OVERDUE,
            WebhookEvents.INVOICE_VOIDED,
            WebhookEvents.INVOICE_MARKED_UNCOLLECTIBLE, WebhookEvents.INVOICE_REFUNDED, WebhookEvents.INVOICE_CREDITED,
            WebhookEvents.INVOICE_CREDIT_NOTE_VOIDED, WebhookEvents.TENANT_SUSPENDED,
            WebhookEvents.TENANT_REINSTATED, WebhookEvents.MAINTENANCE_SCHEDULED, WebhookEvents.MAINTENANCE_CANCELLED,
            WebhookEvents.MAINTENANCE_COMPLETED, WebhookEvents.MAINTENANCE_RESCHEDULED, WebhookEvents.PRICE_CHANGED})
    public static final class EventType {
        private EventType() {}
    }

    @Schema(name = "SetWebhook", description = "Where the tenant's events go, and which")
    public record SetWebhook(@NotNull @Size(max = 2000) @Pattern(regexp = "^https?://[^\\s]+$",
            message = "an http or https URL") @Schema(examples = "https://hooks.example.com/myriad", maxLength = 2000)
            String url,
            @Size(max = 30) @Schema(type = SchemaType.ARRAY, implementation = EventType.class,
                    description = "The event types to receive (at least one; repeats are ignored). "
                    + "Left out: alert.raised, reservation.short and reservation.restored. A reservation's end coming "
                    + "near (reservation.ending: once per end, an hour before it, while its window is open, with the "
                    + "jobs still running in it) and its extensions (reservation.extended), jobs' lifecycle events "
                    + "(job.started, job.preempted, job.succeeded, job.failed, job.cancelled, job.held, job.released) and the "
                    + "audit trail's "
                    + "(audit.recorded: each event of listAuditEvents as it is written) and billing's (invoice.issued, "
                    + "invoice.paid, invoice.payment_failed, invoice.overdue, invoice.voided, invoice.marked_uncollectible, "
                    + "invoice.refunded, invoice.credited, invoice.credit_note_voided, tenant.suspended, "
                    + "tenant.reinstated) and maintenance of a "
                    + "cluster the tenant uses (maintenance.scheduled, maintenance.cancelled, maintenance.completed, "
                    + "maintenance.rescheduled: "
                    + "with its reservations the window overlaps and its jobs running on the window's nodes) come "
                    + "only when named. "
                    + "Deliveries still PENDING of a type the webhook no longer names end FAILED when it is set, "
                    + "unsent (their log says why).",
                    examples = "[\"alert.raised\", \"job.preempted\", \"job.failed\"]", maxItems = 30)
            List<String> events,
            @Schema(description = "true: keep the signing secret (and any earlier one still signing) and change only "
                    + "the URL and the event types; the answer then shows no secret. Left out or false: a new secret, "
                    + "shown once, and the one before stops signing at once (to switch receivers over without a gap, "
                    + "roll it instead: rollWebhookSecret). A tenant without a webhook gets a new secret either way.",
                    defaultValue = "false", examples = "false")
            Boolean keepSecret) {}

    @Schema(name = "Webhook", description = "The tenant's webhook; the secret only in the answer that made it")
    public record WebhookView(UUID tenantId, String url,
            @Schema(description = "Signs every delivery (HMAC-SHA256): shown once, when set") String secret,
            Instant updatedAt, String updatedBy,
            @Schema(type = SchemaType.ARRAY, implementation = EventType.class,
                    description = "The event types it receives, sorted",
                    examples = "[\"alert.raised\", \"reservation.restored\", \"reservation.short\"]")
            List<String> events,
            @Schema(description = "Until when the secrets from before the last roll (rollWebhookSecret) still sign "
                    + "deliveries beside the current one (more `v1` signatures in Myriad-Signature); absent when only "
                    + "the current one signs")
            Instant previousSecretExpiresAt) {}

    @Schema(name = "WebhookStatus", description = "How the webhook's receiver has been answering, from the tries sent "
            + "to its address now (tries of types it no longer receives were never sent and do not count), and what "
            + "waits for it. After 5 failed tries in a row deliveries wait, due and with their tries kept, while one at "
            + "a time is tried, 30 s apart and then twice as long each time (at most 10 minutes); the first delivered "
            + "try, a test event the receiver takes (testWebhook) or setting the webhook again sends the rest")
    public record WebhookStatusView(UUID tenantId, String url,
            @Schema(enumeration = {"UNTRIED", "HEALTHY", "FAILING"}, description = "UNTRIED: nothing sent to this "
                    + "address yet; HEALTHY: the latest try was delivered (2xx); FAILING: the latest try failed")
            String state,
            @Schema(description = "The latest try sent; absent if none") Instant lastTriedAt,
            @Schema(description = "The latest try the receiver answered 2xx; absent if none") Instant lastDeliveredAt,
            @Schema(description = "Tries that failed since the latest delivered one (or since the first, if none was): "
                    + "counted up to 1000", maximum = "1000") int failuresInARow,
            @Schema(description = "The latest failed try, delivered ones after it or not; absent if none failed")
            WebhookFailureView lastFailure,
            @Schema(description = "Deliveries still PENDING (due now or at their next try)") long pending,
            @Schema(description = "When the oldest PENDING delivery was created; absent if none") Instant oldestPendingAt,
            Instant asOf) {}

    @Schema(name = "WebhookFailure", description = "A try that failed: the receiver's answer, or why it was not reached")
    public record WebhookFailureView(Instant at,
            @Schema(description = "The receiver's HTTP status; absent if it could not be reached") Integer statusCode,
            @Schema(description = "Why it could not be reached (connection refused, timeout, ...)") String error) {}

    @Schema(name = "WebhookAttempt", description = "One try to deliver")
    public record AttemptView(int attempt, Instant at, String url, Integer statusCode, String error, int durationMs) {}

    @Schema(name = "WebhookTest", description = "A test event sent to the webhook now, and how the receiver answered")
    public record WebhookTestView(
            @Schema(description = "The test event's id (its Myriad-Event-Id)") UUID eventId,
            @Schema(examples = "webhook.test") String eventType, String url, Instant at,
            @Schema(description = "Whether the receiver answered 2xx") boolean delivered,
            @Schema(description = "The receiver's HTTP status; absent if it could not be reached") Integer statusCode,
            @Schema(description = "Why it could not be reached (connection refused, timeout, ...)") String error,
            int durationMs) {}

    @Schema(name = "WebhookDelivery", description = "One event's delivery (an alert, a reservation's shortfall "
            + "beginning, changing or ending, a job's start or end) and its attempts")
    public record DeliveryView(UUID id,
            @Schema(description = "The alert delivered; absent for other events") UUID alertId,
            @Schema(implementation = EventType.class) String eventType,
            @Schema(enumeration = {"PENDING", "DELIVERED", "FAILED"}) String state, int attempts,
            Instant nextAttemptAt, Instant createdAt, Instant deliveredAt,
            @Schema(description = "When it was last sent again on request (redeliverWebhookDelivery), and by whom; "
                    + "null if never") Instant redeliveredAt, String redeliveredBy,
            List<AttemptView> log,
            @Schema(description = "The event's id, sent as `Myriad-Event-Id`: what a receiver deduplicates on")
            UUID eventId) {}
}

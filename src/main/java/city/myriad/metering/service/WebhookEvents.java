package city.myriad.metering.service;

import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.validation.Fields;
import java.util.List;
import java.util.TreeSet;

/**
 * The event types a tenant's webhook can receive. Alerts and a reservation's shortfall events are what a webhook
 * receives unless it names its events (the ending and extension of a reservation came later and are asked for); jobs' lifecycle events, the audit trail's and billing's are asked for (a tenant running thousands of jobs an hour would get
 * thousands of posts; a receiver written for the default set meets no new type). The database writes the
 * reservation, job, audit, billing, maintenance and price events (V15, V16, V25, V33, V37, V57, V62, V63, V77), so the
 * names here and there must agree: {@code WebhookEventsTest} reads the types the migrations write.
 */
public final class WebhookEvents {

    public static final String ALERT_RAISED = "alert.raised";
    public static final String RESERVATION_SHORT = "reservation.short";
    public static final String RESERVATION_RESTORED = "reservation.restored";
    public static final String RESERVATION_ENDING = "reservation.ending";
    public static final String RESERVATION_EXTENDED = "reservation.extended";
    public static final String JOB_STARTED = "job.started";
    public static final String JOB_PREEMPTED = "job.preempted";
    public static final String JOB_SUCCEEDED = "job.succeeded";
    public static final String JOB_FAILED = "job.failed";
    public static final String JOB_CANCELLED = "job.cancelled";
    public static final String JOB_HELD = "job.held";
    public static final String JOB_RELEASED = "job.released";
    public static final String AUDIT_RECORDED = "audit.recorded";
    public static final String INVOICE_ISSUED = "invoice.issued";
    public static final String INVOICE_PAID = "invoice.paid";
    public static final String INVOICE_PAYMENT_FAILED = "invoice.payment_failed";
    public static final String INVOICE_OVERDUE = "invoice.overdue";
    public static final String INVOICE_VOIDED = "invoice.voided";
    public static final String INVOICE_MARKED_UNCOLLECTIBLE = "invoice.marked_uncollectible";
    public static final String INVOICE_REFUNDED = "invoice.refunded";
    public static final String INVOICE_CREDITED = "invoice.credited";
    public static final String INVOICE_CREDIT_NOTE_VOIDED = "invoice.credit_note_voided";
    public static final String TENANT_SUSPENDED = "tenant.suspended";
    public static final String TENANT_REINSTATED = "tenant.reinstated";
    public static final String MAINTENANCE_SCHEDULED = "maintenance.scheduled";
    public static final String MAINTENANCE_CANCELLED = "maintenance.cancelled";
    public static final String MAINTENANCE_COMPLETED = "maintenance.completed";
    public static final String MAINTENANCE_RESCHEDULED = "maintenance.rescheduled";
    public static final String PRICE_CHANGED = "price.changed";

    /** Every type, in the order the contract lists them. */
    public static final List<String> ALL = List.of(ALERT_RAISED, RESERVATION_SHORT, RESERVATION_RESTORED,
            RESERVATION_ENDING, RESERVATION_EXTENDED, JOB_STARTED, JOB_PREEMPTED, JOB_SUCCEEDED, JOB_FAILED, JOB_CANCELLED, JOB_HELD, JOB_RELEASED, AUDIT_RECORDED, INVOICE_ISSUED,
            INVOICE_PAID, INVOICE_PAYMENT_FAILED, INVOICE_OVERDUE, INVOICE_VOIDED, INVOICE_MARKED_UNCOLLECTIBLE, INVOICE_REFUNDED,
            INVOICE_CREDITED, INVOICE_CREDIT_NOTE_VOIDED, TENANT_SUSPENDED, TENANT_REINSTATED, MAINTENANCE_SCHEDULED, MAINTENANCE_CANCELLED,
            MAINTENANCE_COMPLETED, MAINTENANCE_RESCHEDULED, PRICE_CHANGED);

    /** What a webhook set without {@code events} receives (the column's default too). */
    public static final List<String> DEFAULT = List.of(ALERT_RAISED, RESERVATION_RESTORED, RESERVATION_SHORT);

    private WebhookEvents() {}

    /**
     * The types asked for, sorted and without repeats; absent: {@link #DEFAULT}. An empty list or an unknown type is
     * 400 {@code VALIDATION_FAILED} on {@code events}: a webhook that receives nothing is a mistake, not a setting.
     */
    public static List<String> chosen(List<String> requested) {
        if (requested == null) {
            return DEFAULT;
        }
        if (requested.isEmpty()) {
            throw invalid("at least one event type (left out: alerts and reservation shortfall events)");
        }
        TreeSet<String> events = new TreeSet<>();
        for (String e : requested) {
            if (e == null || !ALL.contains(e)) {
                throw invalid("event types this service sends, one of " + String.join(", ", ALL) + "; '" + e
                        + "' is none");
            }
            events.add(e);
        }
        return List.copyOf(events);
    }

    private static MyriadProblem invalid(String reason) {
        return Fields.invalid("events", reason);
    }
}

package city.myriad.platform.error;

/**
 * Every stable error code the service can answer with, and the one HTTP status each belongs to. This enum is the
 * single source: the contract's {@code ProblemCode} schema, each operation's documented codes and the table in
 * {@code docs/api.md} are generated from it, and the response validation of the test suite refuses a code that
 * an operation does not declare. A code never changes meaning; a new failure gets a new code.
 */
public enum ProblemCode {

    // 400: the request is wrong; the detail says what to fix
    VALIDATION_FAILED(400, "A field breaks a rule (length, pattern, range); `errors[]` says which"),
    MALFORMED_JSON(400, "The body is not valid JSON (or not valid UTF-8)"),
    UNKNOWN_FIELD(400, "The body has a field the operation does not know (typos never pass silently)"),
    DUPLICATE_FIELD(400, "A field appears twice in one JSON object: which one counts would be a guess"),
    INVALID_FIELD_TYPE(400, "A field has the wrong JSON type (`\"name\": 123`) or shape, or a number too large for it"),
    INVALID_CHARACTER(400, "A value holds a character that is never valid: NUL or another control character, "
            + "or a lone UTF-16 surrogate"),
    UNKNOWN_QUERY_PARAMETER(400, "A query parameter the operation does not take (a misspelt filter is refused, never "
            + "ignored); the detail lists the ones it takes"),
    REPEATED_QUERY_PARAMETER(400, "A query parameter given more than once; each takes one value"),
    INVALID_ID(400, "An id in the path or query is not a canonical 36-character UUID"),
    INVALID_CURSOR(400, "The cursor was not issued by this service for this list and these filters"),
    INVALID_LIMIT(400, "`limit` is not a whole number from 1 to 500"),
    INVALID_IDEMPOTENCY_KEY(400, "`Idempotency-Key` is empty or longer than 255 characters"),
    BAD_CONTENT_LENGTH(400, "`Content-Length` is not a number"),
    BAD_REQUEST(400, "The request cannot be read at all (a malformed header or parameter)"),
    UNKNOWN_ROLE(400, "A role that is not a tenant role (tenant-admin, tenant-member, billing-viewer)"),
    OPERATOR_REQUIRED(400, "A platform admin registering a cluster must name its `operatorId`"),
    UNKNOWN_OPERATOR(400, "The `operatorId` names no operator"),
    INVALID_INVENTORY(400, "Rows of the inventory CSV break its rules; `errors[]` gives row, column and reason"),
    INVALID_INVENTORY_HEADER(400, "The inventory CSV's header is not the expected one"),
    EMPTY_INVENTORY(400, "The inventory CSV has no nodes"),
    RACK_IN_TWO_BLOCKS(400, "The inventory puts one rack in two blocks"),
    QUOTE_MISMATCH(400, "The quote was made for another shape (cluster, model, cards, class, window or block)"),
    DUPLICATE_LIMIT(400, "Two limits for the same cluster, model and class"),
    QUOTA_EXCEEDS_TENANT(400, "A project's limit or budget is above its tenant's"),
    UNKNOWN_MODEL(400, "A price names a card model the cluster does not have"),
    CURRENCY_MISMATCH(400, "A price book mixes currencies; a cluster sells in one"),
    DUPLICATE_PRICE(400, "A price book gives two prices for one model and class"),
    INVALID_CARDS(400, "`cards` is a whole number of cards, or a fraction of one card in thousandths (0.25, 0.5)"),
    RESERVATION_MISMATCH(400, "The reservation is for another cluster or model, or a job of class RESERVED names "
            + "none (or another class names one)"),
    UNKNOWN_NODE(400, "An event names a node the cluster does not have"),
    INVALID_PERIOD(400, "A billing period is a month written yyyy-MM, like 2026-11"),
    INVALID_SIGNATURE(400, "A Stripe webhook without a valid `Stripe-Signature` (unsigned, forged, stale, or no "
            + "webhook secret configured); nothing was changed"),
    INVALID_EXPORT_FORMAT(400, "`format` is csv or json"),
    INVALID_SPOT_BOUNDS(400, "Spot bounds need both floor and ceiling, on SPOT prices only, with floor <= unit price "
            + "<= ceiling"),

    // 401
    UNAUTHENTICATED(401, "No bearer token, or one that does not verify; the detail says why (expired, wrong "
            + "issuer, bad signature)"),

    // 403: the caller is known but may not do this
    FORBIDDEN(403, "The caller's roles do not allow this operation"),
    PLATFORM_ADMIN_REQUIRED(403, "Only a platform admin may do this"),
    TENANT_ROLE_REQUIRED(403, "The caller's tenant roles do not allow this (tenant-admin needed to administer)"),
    NO_TENANT(403, "The token names no tenant"),
    UNKNOWN_TENANT(403, "The token names a tenant that does not exist"),
    OPERATOR_ROLE_REQUIRED(403, "Only a cluster operator may do this"),
    OPERATOR_IDENTITY_UNKNOWN(403, "The token names an operator that does not exist"),
    NOT_CLUSTER_OPERATOR(403, "Only the cluster's own operator (or a platform admin) may do this"),
    NOT_YOUR_OPERATOR(403, "Operators act for themselves only: another operator was named"),
    TENANT_SUSPENDED(403, "The tenant is suspended from new work (an invoice unpaid past its grace period); it "
            + "reads its data, and is restored when the invoice is paid"),

    // 404: absent, or not the caller's to know about
    NOT_FOUND(404, "No such route or resource"),
    TENANT_NOT_FOUND(404, "No such tenant, or not visible to the caller"),
    PROJECT_NOT_FOUND(404, "No such project in the tenant"),
    MEMBER_NOT_FOUND(404, "No such member in the tenant"),
    API_CLIENT_NOT_FOUND(404, "No such API client of the tenant"),
    CLUSTER_NOT_FOUND(404, "No such cluster"),
    NODE_NOT_FOUND(404, "No such node in the cluster"),
    CARD_NOT_FOUND(404, "No such card on the node"),
    MAINTENANCE_NOT_FOUND(404, "No such maintenance window of the cluster"),
    PRICE_BOOK_NOT_FOUND(404, "The cluster has no price book yet: nothing of it is for sale"),
    RESERVATION_NOT_FOUND(404, "No such reservation of the caller's tenant"),
    QUOTE_NOT_FOUND(404, "No such quote of the caller's tenant"),
    JOB_NOT_FOUND(404, "No such job of the caller's tenant"),
    JOB_ARRAY_NOT_FOUND(404, "No such job array of the caller's tenant"),
    WEBHOOK_NOT_FOUND(404, "The tenant has no webhook set"),
    WEBHOOK_DELIVERY_NOT_FOUND(404, "No such webhook delivery of the tenant"),
    INVOICE_NOT_FOUND(404, "No such invoice visible to the caller"),
    OPERATOR_NOT_FOUND(404, "No such operator visible to the caller"),
    CREDIT_GRANT_NOT_FOUND(404, "No such credit grant of the tenant"),
    CREDIT_NOTE_NOT_FOUND(404, "No such credit note visible to the caller"),
    COMMITMENT_NOT_FOUND(404, "No such commitment of the tenant"),
    BILLING_PROFILE_NOT_FOUND(404, "The tenant has not set its billing contact yet (setBillingProfile)"),

    // 405, 406
    METHOD_NOT_ALLOWED(405, "The route exists but not with this method; `Allow` lists those it takes"),
    NOT_ACCEPTABLE(406, "The `Accept` header asks for a media type the operation does not produce"),

    // 409: contradicts the current state
    TENANT_SLUG_TAKEN(409, "A tenant with this slug exists"),
    PROJECT_SLUG_TAKEN(409, "The tenant has a project with this slug"),
    OPERATOR_SLUG_TAKEN(409, "An operator with this slug exists"),
    CLUSTER_SLUG_TAKEN(409, "The operator has a cluster with this slug"),
    NODE_IN_SERVICE(409, "The node is in service: drain it (DRAINING) or take it down (DOWN) before removing it"),
    NODE_IN_USE(409, "Jobs still run on the node: they end, or are cancelled, before it is removed"),
    NODE_RESERVED(409, "Reservations sold need the node's cards: removing it, or taking it out for maintenance then, "
            + "would oversell them"),
    MAINTENANCE_OVERLAPS(409, "A node already has a maintenance window overlapping this one: change that one's "
            + "nodes, or pick another time"),
    MAINTENANCE_NOT_CANCELLABLE(409, "The maintenance window has begun (or ended, or was cancelled): complete it "
            + "instead"),
    MAINTENANCE_NOT_UPDATABLE(409, "The maintenance window has ended or was cancelled: schedule a new one"),
    MAINTENANCE_NOT_IN_PROGRESS(409, "The maintenance window is not under way: only one that has begun and not "
            + "ended can be completed"),
    USERNAME_TAKEN(409, "The user name cannot be used for a new member of this tenant"),
    API_CLIENT_LIMIT(409, "The tenant has as many API clients as it may (25): delete one first"),
    IDENTITY_PROVISIONING_OFF(409, "This deployment does not provision the identity provider: API clients are made "
            + "there by hand"),
    EMAIL_TAKEN(409, "The email address cannot be used for a new member"),
    LAST_TENANT_ADMIN(409, "The change would leave the tenant without a tenant-admin"),
    IDEMPOTENCY_KEY_REUSED(409, "The `Idempotency-Key` was used by this caller for a different request"),
    PRICE_BOOK_CHANGED(409, "Another change of the price book landed at the same moment; read it and retry"),
    NOT_FOR_SALE(409, "The cluster's price book has no price for this model and class"),
    CAPACITY_UNAVAILABLE(409, "Not enough cards for the whole window; `earliestWindow` is the earliest one that fits "
            + "(a purchase), `latestEndAt` the latest end that does (an extension)"),
    RESERVATION_NOT_CANCELLABLE(409, "Only a reservation that has not begun can be cancelled"),
    RESERVATION_NOT_EXTENDABLE(409, "Only a reservation not cancelled and not ended can be extended"),
    RESERVATION_EXTENSION_NOT_FOUND(404, "No such extension of this reservation"),
    QUOTE_EXPIRED(409, "The quote is no longer valid; ask for a new one"),
    QUOTE_USED(409, "The quote was used by another reservation or job; a quote prices one purchase"),
    JOB_NOT_CANCELLABLE(409, "The job has ended (SUCCEEDED, FAILED or CANCELLED); nothing to cancel"),
    JOB_NOT_HOLDABLE(409, "Only a QUEUED job can be held; this one runs or has ended (cancel a running job to stop it)"),
    JOB_NOT_HELD(409, "Only a HELD job can be released; this one runs or has ended"),
    JOB_HELD_BY_ADMIN(409, "A platform admin holds this job; only a platform admin releases it (the tenant may cancel it)"),
    JOB_NOT_UPDATABLE(409, "Only a job that has not started yet (QUEUED or HELD, never run) can be changed: what "
            + "has run was metered with what the job was"),
    JOB_DEPENDENCY_NEVER_SATISFIED(409, "A job named in dependsOn has already ended otherwise than the dependency asks: "
            + "the job would never run"),
    PERIOD_NOT_ENDED(409, "The billing period has not ended yet; it can be closed after its last hour"),
    EARLIER_PERIOD_OPEN(409, "An earlier billing period still has something to bill; periods close in order, and "
            + "`openPeriods` names those to close first, oldest first"),
    PROJECT_ARCHIVED(409, "The project is archived: it takes no new jobs or reservations; a tenant-admin "
            + "unarchives it (unarchiveProject)"),
    PROJECT_HAS_RESERVATIONS(409, "The project holds reservations not yet ended; archived, it could run no job in "
            + "their cards. Cancel those to come, or archive once they have ended"),
    RESERVATION_NOT_USABLE(409, "The reservation was cancelled or has ended; its cards run no more jobs"),
    JOB_LARGER_THAN_RESERVATION(409, "The job asks more cards than its reservation holds"),
    INVOICE_STATE_CONFLICT(409, "The invoice's state does not allow this transition (see the invoice state table)"),
    CREDIT_NOTE_EXCEEDS_INVOICE(409, "A credit note may credit at most what the invoice billed, less what its earlier "
            + "credit notes credited and what was refunded"),
    CREDIT_NOTE_NOT_VOIDABLE(409, "A credit note can be voided only while its invoice is still owed (ISSUED) and the "
            + "note lowered what it asks: one on a paid invoice went to the prepaid wallet"),
    COMMITMENT_OVERLAPS(409, "The tenant already has a commitment in this currency for one of these periods"),
    BILLING_PROFILE_REQUIRED(409, "The tenant has no billing contact yet: set it first (setBillingProfile), so that "
            + "Stripe knows where to send invoices and receipts"),
    PAYOUT_EXCEEDS_PAYABLE(409, "The payout is more than the operator is payable in that currency: the marketplace "
            + "pays an operator its share of issued invoices, never ahead of them (getOperatorBalance)"),
    PAYOUT_ACCOUNT_MISSING(409, "The operator has no Stripe connected account to transfer to: set it first "
            + "(setPayoutAccount), or record a payout made outside Stripe (method RECORDED)"),
    PAYOUT_ACCOUNT_NOT_FOUND(404, "The operator has no Stripe connected account set (setPayoutAccount)"),
    PAYMENTS_NOT_CONFIGURED(409, "This deployment is not connected to Stripe (no API key): invoices stay in Myriad "
            + "and there are no payment methods to manage"),

    // 422: valid, but over a limit the tenant set or was given
    QUOTA_EXCEEDED(422, "The job (or reservation) asks more cards than its quota allows at any time (tenant's or "
            + "project's), or the job's GPU-hours would pass the period's limit"),
    BUDGET_EXCEEDED(422, "The job's projected cost at its maxRunSeconds, or the reservation's total, would take the "
            + "period's committed spending past the budget (tenant's or project's)"),

    // 412: a conditional write (If-Match) whose tag is no longer the resource's
    PRECONDITION_FAILED(412, "The resource changed since the representation whose ETag If-Match names was read; "
            + "nothing was changed: read it again (the answer's ETag is the current tag) and reapply the change"),

    // 413, 414, 415
    PAYLOAD_TOO_LARGE(413, "The body is larger than 16 MiB"),
    URI_TOO_LONG(414, "The request line is longer than 8 KiB"),
    UNSUPPORTED_MEDIA_TYPE(415, "The body's content type is not one the operation takes"),

    // 5xx: not the caller's fault
    // 429: too many of one kind of request in a short time (Retry-After says when to try again)
    RATE_LIMITED(429, "More requests from the caller's account (its tenant, operator or user) than its allowance; "
            + "wait for the seconds of Retry-After. Nothing was changed"),
    WEBHOOK_TEST_RATE_LIMITED(429, "Too many test events for the tenant's webhook in the last minute; wait for the "
            + "seconds of Retry-After"),

    INTERNAL(500, "A bug: logged on our side, no internals in the body"),
    IDENTITY_PROVIDER_FAILED(502, "The identity provider refused or failed a change; nothing was changed, retry "
            + "later"),
    PAYMENT_DECLINED(402, "Stripe could not charge the payment method on file (declined, insufficient funds, none "
            + "on file, or it needs the customer's confirmation); nothing was paid. Change it in the customer portal, "
            + "or pay on the invoice's Stripe page"),
    INVOICE_NOT_IN_STRIPE(409, "The invoice is not in Stripe (yet): its push is still running or has failed, or "
            + "this deployment keeps invoices in Myriad; nothing was charged"),
    PAYMENT_PROVIDER_FAILED(502, "Stripe refused or failed the call; nothing was charged or changed, retry later"),
    IDENTITY_PROVIDER_UNAVAILABLE(503, "The identity provider cannot be reached to verify the token; retry shortly");

    private final int status;
    private final String meaning;

    ProblemCode(int status, String meaning) {
        this.status = status;
        this.meaning = meaning;
    }

    /** The one HTTP status this code is answered with. */
    public int status() {
        return status;
    }

    /** What the code means, for the contract and the docs. */
    public String meaning() {
        return meaning;
    }

    /** The RFC 9457 {@code type} URI of the code. */
    public String type() {
        return Problem.TYPE_BASE + name().toLowerCase().replace('_', '-');
    }

    /** The title every problem of this status carries. */
    public String title() {
        return titleOf(status);
    }

    public static String titleOf(int status) {
        return switch (status) {
            case 400 -> "Invalid request";
            case 401 -> "Unauthorized";
            case 402 -> "Payment Required";
            case 403 -> "Forbidden";
            case 404 -> "Not found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 409 -> "Conflict";
            case 412 -> "Precondition Failed";
            case 413 -> "Request Entity Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable request";
            case 429 -> "Too Many Requests";
            case 502 -> "Upstream failure";
            case 503 -> "Service unavailable";
            default -> "Server error";
        };
    }
}

package city.myriad.metering.service;

import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.metering.mapping.MeteringApi.AttemptView;
import city.myriad.metering.mapping.MeteringApi.DeliveryView;
import city.myriad.metering.mapping.MeteringApi.WebhookFailureView;
import city.myriad.metering.mapping.MeteringApi.WebhookStatusView;
import city.myriad.metering.mapping.MeteringApi.WebhookTestView;
import city.myriad.metering.mapping.MeteringApi.WebhookView;
import city.myriad.metering.model.SigningSecrets;
import city.myriad.metering.repository.AlertRepository;
import city.myriad.metering.repository.AlertRepository.AttemptRow;
import city.myriad.metering.repository.AlertRepository.DeliveryRow;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.http.Preconditions;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Tenants' webhooks and the delivery of their alerts from the outbox. Rules:
 * <ul>
 * <li>Setting a webhook (tenant-admin, or a platform admin) generates a new secret, shown once in that answer;
 * setting it again rotates the secret at once, unless it keeps it ({@code keepSecret}: only the URL and the event
 * types change). {@link #roll} rotates it with an overlap: the secrets before it sign beside it for a while
 * ({@link SigningSecrets}).</li>
 * <li>Each delivery is a POST of the alert's JSON, signed as Stripe signs its webhooks: header
 * {@code Myriad-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>}, one {@code v1}
 * per secret in force; the receiver checks that one matches and that t is recent. {@code Myriad-Event-Id} (the
 * alert's id) is the same on every try.</li>
 * <li>A 2xx answer delivers it. Otherwise it is tried again after 2^(attempt-1) times the base delay (capped at an
 * hour) up to the maximum number of attempts, then FAILED. Every attempt is logged (status or error, duration).</li>
 * <li>A receiver that failed 5 tries in a row is paused: its deliveries wait, their tries kept, while one at a time is
 * tried, further and further apart, until one is delivered ({@link ReceiverPauses}).</li>
 * <li>A delivery is leased before it is sent, so no two replicas send it at once. A crash after the send and
 * before the log leaves it to be sent again when the lease ends: delivery is at least once, and the receiver
 * deduplicates by {@code Myriad-Event-Id}. An alert itself is raised once per crossing.</li>
 * <li>A FAILED or DELIVERED delivery can be sent again on request ({@link #redeliver}): a new round of tries, the log
 * going on. A delivery due when the tenant has no webhook any more fails at once, its reason logged.</li>
 * <li>A webhook receives the event types it names: setting it ends the deliveries still PENDING of types it no longer
 * names FAILED, unsent, their reason logged; one of such a type that comes due anyway (sent again, or leased while the
 * change committed) fails the same way.</li>
 * </ul>
 */
@ApplicationScoped
public class Webhooks {

    private static final Logger LOG = Logger.getLogger(Webhooks.class);
    static final String SIGNATURE = "Myriad-Signature";
    static final String EVENT_ID = "Myriad-Event-Id";

    private final Scoped scoped;
    private final AlertRepository alerts;
    private final TenantProjects projects;
    private final Clock clock;
    private final Duration retryBase;
    private final int maxAttempts;
    private final boolean allowPrivate;
    private final Duration requestTimeout;
    private final Duration retention;
    private final Preconditions preconditions;
    private final AuditTrail audit;
    private final SecureRandom random = new SecureRandom();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    Webhooks(Scoped scoped, AlertRepository alerts, TenantProjects projects, Clock clock,
            @ConfigProperty(name = "myriad.webhooks.retry-base", defaultValue = "PT10S") Duration retryBase,
            @ConfigProperty(name = "myriad.webhooks.max-attempts", defaultValue = "12") int maxAttempts,
            @ConfigProperty(name = "myriad.webhooks.allow-private-targets", defaultValue = "false")
            boolean allowPrivate,
            @ConfigProperty(name = "myriad.webhooks.request-timeout", defaultValue = "PT10S") Duration requestTimeout,
            @ConfigProperty(name = "myriad.webhooks.retention", defaultValue = "P30D") Duration retention,
            @ConfigProperty(name = "myriad.webhooks.first-pause", defaultValue = "PT30S") Duration firstPause,
            Preconditions preconditions, AuditTrail audit) {
        this.audit = audit;
        this.pauses = new ReceiverPauses(firstPause);
        this.requestTimeout = requestTimeout;
        this.retention = retention;
        this.preconditions = preconditions;
        this.scoped = scoped;
        this.alerts = alerts;
        this.projects = projects;
        this.clock = clock;
        this.retryBase = retryBase;
        this.maxAttempts = maxAttempts;
        this.allowPrivate = allowPrivate;
    }

    /**
     * Sets (or replaces) the tenant's webhook. Without {@code keepSecret} a new secret, shown once in the answer, and
     * the secrets before it stop signing at once; with it, only the URL and the event types change (a tenant without
     * a webhook gets a new secret all the same). {@code ifMatch} (the If-Match header, or null): the entity tag of the
     * webhook as last read; if it changed since, or there is none, 412 and nothing changes.
     */
    public Uni<WebhookView> set(Caller caller, UUID tenantId, String url, List<String> requestedEvents,
            boolean keepSecret, String ifMatch) {
        URI target = target(url);
        List<String> events = WebhookEvents.chosen(requestedEvents);
        String secret = newSecret();
        Instant now = clock.instant();
        return projects.tenant(caller, tenantId, true).chain(t -> scoped.asTenant(t, () -> unchangedSince(t, ifMatch)
                .chain(() -> keepSecret ? alerts.updateWebhook(t, target.toString(), now, caller.username(), events)
                        : Uni.createFrom().item(false))
                .chain(kept -> kept ? alerts.webhook(t).map(h -> view(tenantId, h.orElseThrow(), now))
                        : alerts.setWebhook(t, target.toString(), secret, now, caller.username(), events)
                                .replaceWith(new WebhookView(tenantId, target.toString(), secret, now,
                                        caller.username(), events, null)))
                // What is still PENDING of a type no longer named ends FAILED now, not when a receiver comes back.
                .call(() -> alerts.failUnreceived(t, events, target.toString(), now))
                .call(view -> audit.record(caller, t, "setWebhook", Target.of("WEBHOOK", t), Map.of("url",
                        view.url(), "events", view.events(), "secret", view.secret() == null ? "KEPT" : "NEW")))))
                .invoke(() -> pauses.reset(tenantId));  // a receiver set anew (here) is tried at once
    }

    /** whsec_ and 32 random bytes, base64url. */
    private String newSecret() {
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        return "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** How long the secrets before a roll keep signing when the caller does not say: a day. */
    static final long DEFAULT_EARLIER_SECONDS = 86_400;

    /**
     * Rolls the tenant's signing secret: a new one, shown once in the answer, and the secrets before it signing
     * beside it for {@code earlierSeconds} more (the query parameter as given: 0 to 604800, a day when absent; 0 stops
     * them at once, after a leak), so that the receiver can switch without rejecting a delivery. With {@code
     * ifMatch}, only if the webhook has not changed since it was read: a retry after a lost answer then rolls no
     * second time. Without it, a second roll keeps the secret before the first signing until its own end
     * ({@link SigningSecrets#rolled}).
     */
    public Uni<WebhookView> roll(Caller caller, UUID tenantId, String earlierSeconds, String ifMatch) {
        Duration keep = Duration.ofSeconds(earlierSeconds == null ? DEFAULT_EARLIER_SECONDS
                : city.myriad.platform.validation.Fields.intIn("previousSecretExpiresIn", earlierSeconds, 0,
                        (int) SigningSecrets.MAX_KEEP.toSeconds()));
        String secret = newSecret();
        // Locked (unchangedSince locks only with If-Match): two rolls at once must not both start from the same
        // secrets; the time is read once the lock is held, so later rolls end earlier secrets no sooner than earlier
        // rolls did.
        return projects.tenant(caller, tenantId, true).chain(t -> scoped.asTenant(t, () -> alerts.lockWebhook(t)
                .chain(() -> unchangedSince(t, ifMatch)).chain(() -> alerts.webhook(t)).chain(found -> {
                    Instant now = clock.instant();
                    AlertRepository.Hook hook = found.orElseThrow(() -> new MyriadProblem.NotFound(
                            ProblemCode.WEBHOOK_NOT_FOUND, "Tenant " + tenantId + " has no webhook whose secret to "
                            + "roll; set one first (setWebhook)"));
                    SigningSecrets rolled = hook.secrets().rolled(secret, now, keep);
                    Instant earlierEnd = rolled.earlierEndAt(now).orElse(null);
                    Map<String, Object> details = new java.util.LinkedHashMap<>();
                    details.put("previousSecretExpiresAt", earlierEnd == null ? null : earlierEnd.toString());
                    return alerts.setSecrets(t, rolled, now, caller.username())
                            .call(() -> audit.record(caller, t, "rollWebhookSecret", Target.of("WEBHOOK", t), details))
                            .replaceWith(new WebhookView(tenantId, hook.url(), secret, now, caller.username(),
                                    hook.events(), earlierEnd));
                })));
    }

    /** With {@code ifMatch}: the webhook locked, read as GET renders it, and its tag compared (412 otherwise). */
    private Uni<Void> unchangedSince(UUID tenant, String ifMatch) {
        if (ifMatch == null) {
            return Uni.createFrom().voidItem();
        }
        Instant now = clock.instant();
        return alerts.lockWebhook(tenant).chain(() -> alerts.webhook(tenant)).invoke(found -> {
            if (found.isEmpty()) {
                preconditions.checkAbsent(ifMatch);
            }
            preconditions.check(ifMatch, view(tenant, found.get(), now));
        }).replaceWithVoid();
    }

    /** The webhook as GET shows it at {@code now}: without its secrets. */
    private static WebhookView view(UUID tenant, AlertRepository.Hook h, Instant now) {
        return new WebhookView(tenant, h.url(), null, h.updatedAt(), h.updatedBy(), h.events(),
                h.secrets().earlierEndAt(now).orElse(null));
    }

    public Uni<WebhookView> get(Caller caller, UUID tenantId) {
        return projects.tenant(caller, tenantId, true).chain(t -> scoped.asTenant(t, () -> alerts.webhook(t)))
                .map(found -> found.map(h -> view(tenantId, h, clock.instant()))
                        .orElseThrow(() -> new MyriadProblem.NotFound(ProblemCode.WEBHOOK_NOT_FOUND,
                                "Tenant " + tenantId + " has no webhook")));
    }

    /**
     * How the tenant's receiver has been answering (tenant-admin, or a platform admin): read from the tries logged, so
     * every replica answers alike (each keeps its own pauses, {@link ReceiverPauses}); 404 without a webhook.
     */
    public Uni<WebhookStatusView> status(Caller caller, UUID tenantId) {
        return projects.tenant(caller, tenantId, true).chain(t -> scoped.asTenant(t, () -> alerts.webhook(t)
                .chain(found -> {
                    if (found.isEmpty()) {
                        throw new MyriadProblem.NotFound(ProblemCode.WEBHOOK_NOT_FOUND, "Tenant " + tenantId
                                + " has no webhook");
                    }
                    String url = found.get().url();
                    return alerts.receiverStatus(t, url).map(s -> statusView(tenantId, url, s));
                })));
    }

    private WebhookStatusView statusView(UUID tenant, String url, AlertRepository.ReceiverStatus s) {
        String state = s.lastTriedAt() == null ? "UNTRIED"
                : s.lastTriedAt().equals(s.lastDeliveredAt()) ? "HEALTHY" : "FAILING";
        WebhookFailureView failure = s.lastFailureAt() == null ? null
                : new WebhookFailureView(s.lastFailureAt(), s.lastFailureStatusCode(), s.lastFailureError());
        return new WebhookStatusView(tenant, url, state, s.lastTriedAt(), s.lastDeliveredAt(), s.failuresInARow(),
                failure, s.pending(), s.oldestPendingAt(), clock.instant());
    }

    /**
     * Removes the tenant's webhook (tenant-admin, or a platform admin): alerts raised from now on queue no delivery,
     * and a delivery still PENDING ends FAILED at its next try, logged with the reason; once a webhook is set again,
     * those can be sent with {@link #redeliver}.
     */
    public Uni<Void> delete(Caller caller, UUID tenantId, String ifMatch) {
        return projects.tenant(caller, tenantId, true).chain(t -> scoped.asTenant(t, () -> unchangedSince(t, ifMatch)
                        .chain(() -> alerts.deleteWebhook(t))
                        .call(deleted -> deleted ? audit.record(caller, t, "deleteWebhook", Target.of("WEBHOOK", t),
                                Map.of()) : Uni.createFrom().voidItem())))
                .invoke(() -> pauses.reset(tenantId))  // what is pending ends FAILED at once, not by probes
                .map(deleted -> {
                    if (!deleted) {
                        throw new MyriadProblem.NotFound(ProblemCode.WEBHOOK_NOT_FOUND, "Tenant " + tenantId
                                + " has no webhook");
                    }
                    return null;
                });
    }

    static final java.util.Set<String> DELIVERY_STATES = java.util.Set.of("PENDING", "DELIVERED", "FAILED");

    /** The tenant's deliveries, newest first, in one state (PENDING, DELIVERED, FAILED) and of one type if given. */
    public Uni<Page<DeliveryView>> deliveries(Caller caller, UUID tenantId, PageRequest page, String state,
            String eventType) {
        if (state != null && !DELIVERY_STATES.contains(state)) {
            throw city.myriad.platform.validation.Fields.invalid("state", "one of PENDING, DELIVERED, FAILED");
        }
        if (eventType != null && !WebhookEvents.ALL.contains(eventType)) {
            throw city.myriad.platform.validation.Fields.invalid("eventType", "one of "
                    + String.join(", ", WebhookEvents.ALL));
        }
        return projects.tenant(caller, tenantId, true).chain(t -> scoped.asTenant(t, () -> alerts.deliveries(t,
                        page.afterUuid(), state, eventType, page.limit() + 1)
                .chain(rows -> alerts.attempts(rows.stream().map(DeliveryRow::id).toList()).map(log -> {
                    Map<UUID, List<AttemptView>> byDelivery = log.stream().collect(Collectors.groupingBy(
                            AttemptRow::deliveryId, Collectors.mapping(a -> new AttemptView(a.attempt(), a.at(), a.url(),
                                    a.statusCode(), a.error(), a.durationMs()), Collectors.toList())));
                    return page.page(rows, d -> d.id().toString()).map(d -> view(d, byDelivery.getOrDefault(d.id(),
                            List.of())));
                }))));
    }

    /**
     * Sends a delivery again (tenant-admin, or a platform admin): a FAILED one after the receiver is fixed, or a
     * DELIVERED one the receiver lost. It goes back to PENDING, due now, with a new round of tries and back-off (its
     * attempt log goes on); the signature is made afresh at each try and {@code Myriad-Event-Id} stays the alert's, so
     * a receiver that deduplicates sees one event. A PENDING delivery is already on its way and is left as it is: asking
     * twice changes nothing more. The tenant needs a webhook now.
     */
    public Uni<DeliveryView> redeliver(Caller caller, UUID tenantId, UUID deliveryId) {
        Instant now = clock.instant();
        return projects.tenant(caller, tenantId, true).chain(t -> scoped.asTenant(t, () -> alerts.webhook(t)
                .chain(hook -> {
                    if (hook.isEmpty()) {
                        throw new MyriadProblem.NotFound(ProblemCode.WEBHOOK_NOT_FOUND, "Tenant " + tenantId
                                + " has no webhook to send to; set one first (setWebhook)");
                    }
                    return alerts.redeliver(t, deliveryId, now, caller.username());
                })
                .chain(found -> {
                    DeliveryRow d = found.orElseThrow(() -> new MyriadProblem.NotFound(
                            ProblemCode.WEBHOOK_DELIVERY_NOT_FOUND, "No delivery " + deliveryId + " of tenant "
                            + tenantId));
                    return audit.record(caller, t, "redeliverWebhookDelivery", Target.of("WEBHOOK_DELIVERY", d.id()),
                            Map.of("eventType", d.eventType(), "state", d.state())).chain(() -> alerts.attempts(List.of(d.id())).map(log -> view(d, log.stream().map(a -> new AttemptView(
                            a.attempt(), a.at(), a.url(), a.statusCode(), a.error(), a.durationMs())).toList())));
                })));
    }

    private static DeliveryView view(DeliveryRow d, List<AttemptView> log) {
        return new DeliveryView(d.id(), d.alertId(), d.eventType(), d.state(), d.attempts(),
                d.state().equals("PENDING") ? d.nextAttemptAt() : null, d.createdAt(), d.deliveredAt(),
                d.redeliveredAt(), d.redeliveredBy(), log, d.eventId());
    }

    /** An http(s) URL with a host; in production not one on a loopback, private or link-local address. */
    private URI target(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw invalid("not a URL");
        }
        if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getUserInfo() != null) {
            throw invalid("an http or https URL with a host and no user information");
        }
        if (!allowPrivate) {
            try {
                for (InetAddress a : InetAddress.getAllByName(uri.getHost())) {
                    if (a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress()
                            || a.isAnyLocalAddress()) {
                        throw invalid("resolves to a loopback, private or link-local address");
                    }
                }
            } catch (UnknownHostException e) {
                throw invalid("the host does not resolve");
            }
        }
        return uri;
    }

    private static MyriadProblem.Validation invalid(String reason) {
        return new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "The webhook URL cannot be used: " + reason,
                List.of(Violation.field("url", reason)));
    }

    static final String TEST_EVENT_TYPE = "webhook.test";

    /**
     * Test events per tenant: at most {@link #TESTS_PER_MINUTE} in any minute, on each replica, so that the service
     * is not a way to send requests at will to an address of the tenant's choosing.
     */
    static final int TESTS_PER_MINUTE = 5;
    private final TestEvents testsPerTenant = new TestEvents();

    /** The times of each tenant's recent test events (the last minute's, at most {@link #TESTS_PER_MINUTE}). */
    static final class TestEvents {
        private final Map<UUID, java.util.ArrayDeque<Instant>> recent = new java.util.concurrent.ConcurrentHashMap<>();

        /** Counts one more test event now, or throws 429 with the seconds until the oldest leaves the minute. */
        void take(UUID tenantId, Instant now) {
            java.util.ArrayDeque<Instant> times = recent.computeIfAbsent(tenantId, k -> new java.util.ArrayDeque<>());
            synchronized (times) {
                while (!times.isEmpty() && !times.peekFirst().isAfter(now.minusSeconds(60))) {
                    times.pollFirst();
                }
                if (times.size() >= TESTS_PER_MINUTE) {
                    long wait = Math.max(1, Duration.between(now, times.peekFirst().plusSeconds(60)).toSeconds() + 1);
                    throw new MyriadProblem.TooManyRequests(ProblemCode.WEBHOOK_TEST_RATE_LIMITED, "At most "
                            + TESTS_PER_MINUTE + " test events a minute; try again in " + wait + " s", wait);
                }
                times.addLast(now);
            }
        }
    }

    /**
     * Sends a signed test event to the tenant's webhook now and answers how the receiver answered (tenant-admin, or a
     * platform admin): to check a receiver and its signature check before an alert depends on it. Nothing is stored
     * and nothing is retried; the event has its own id and type {@code webhook.test}, so a receiver can tell it from
     * an alert. Sent without blocking the caller's thread.
     */
    public Uni<WebhookTestView> test(Caller caller, UUID tenantId) {
        return projects.tenant(caller, tenantId, true).chain(t -> scoped.asTenant(t, () -> alerts.webhook(t)))
                .chain(found -> {
                    AlertRepository.Hook hook = found.orElseThrow(() -> new MyriadProblem.NotFound(
                            ProblemCode.WEBHOOK_NOT_FOUND, "Tenant " + tenantId + " has no webhook to test; set one "
                            + "first (setWebhook)"));
                    testsPerTenant.take(tenantId, clock.instant());  // only a test that is sent counts
                    UUID eventId = UUID.randomUUID();
                    Instant at = clock.instant();
                    String body = "{\"id\":\"" + eventId + "\",\"type\":\"" + TEST_EVENT_TYPE + "\",\"createdAt\":\""
                            + at + "\",\"data\":{\"tenantId\":\"" + tenantId + "\"}}";
                    HttpRequest request = request(hook.url(), hook.secrets(), eventId, eventId, body, at);
                    long started = System.nanoTime();
                    return Uni.createFrom().completionStage(() -> http.sendAsync(request,
                                    HttpResponse.BodyHandlers.discarding()))
                            .map(r -> {
                                boolean took = r.statusCode() >= 200 && r.statusCode() < 300;
                                if (took && pauses.reset(tenantId) == ReceiverPauses.Change.RESUMED) {
                                    LOG.infof("The webhook receiver of tenant %s took a test event: its deliveries "
                                            + "go out again", tenantId);
                                }
                                return new WebhookTestView(eventId, TEST_EVENT_TYPE, hook.url(), at, took,
                                        r.statusCode(), null, millis(started));
                            })
                            .onFailure().recoverWithItem(e -> new WebhookTestView(eventId, TEST_EVENT_TYPE, hook.url(),
                                    at, false, null, reason(e), millis(started)));
                });
    }

    private static int millis(long startedNanos) {
        return (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - startedNanos) / 1_000_000);
    }

    /** What went wrong reaching a receiver, in at most 500 characters. */
    /**
     * Why a post did not reach the receiver, as its attempt logs it and the tenant reads it: the exception's type and
     * message, from the first cause that has one (the HTTP client wraps what the network said), and for a refused
     * connection, which carries no message, what it means. At most 500 characters.
     */
    static String reason(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e;
        String message = null;
        boolean refused = false;
        for (Throwable t = cause; t != null && message == null; t = t.getCause() == t ? null : t.getCause()) {
            message = t.getMessage();
            refused |= t instanceof java.net.ConnectException;
        }
        if (message == null && refused) {
            message = "connection refused or the address unreachable";
        }
        String text = cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        return text.substring(0, Math.min(text.length(), 500));
    }

    /** Deliveries leased at once, at most. */
    static final int BATCH = 64;
    /** Posts in flight at once, at most (each holds its delivery's lease until its attempt is logged). */
    static final int IN_FLIGHT = 256;
    /**
     * A tenant's share of the posts in flight: half the room the other tenants' posts leave ({@link #share}), so a
     * tenant alone may have 128 (two batches: one sent while the other's attempts are logged), a second one 64 while
     * the first holds its 128, a third 32, and a receiver that does not answer never holds the room the others need;
     * at least {@link #MIN_SHARE}.
     */
    static int share(int othersInFlight) {
        return Math.max(MIN_SHARE, (IN_FLIGHT - othersInFlight) / 2);
    }

    /** The least share of a tenant: one batch's worth of a quarter. */
    static final int MIN_SHARE = 16;
    /** How long {@link #sendDue} waits at most for a post to complete before it leases again. */
    private static final long ROOM_WAIT_MS = 100;

    /** How one try went: the receiver's status, or why it could not be reached. */
    private record Outcome(Integer status, String error, int ms) {}

    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    /** Each tenant's posts in flight (tenants with none are absent). */
    private final Map<UUID, Integer> inFlightOf = new java.util.concurrent.ConcurrentHashMap<>();
    /** Notified each time completed posts are logged and their room given back. */
    private final Object roomFreed = new Object();
    /** The tries whose posts completed, waiting to be logged. */
    private final LinkedBlockingQueue<AlertRepository.Tried> completed = new LinkedBlockingQueue<>();
    /** Logs the completed tries, many in one statement, off the HTTP client's threads and the worker's. */
    private final ExecutorService attemptLog = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "myriad-webhook-attempts");
        t.setDaemon(true);
        return t;
    });

    @PreDestroy
    void close() {
        attemptLog.shutdown();
    }

    /**
     * Sends what is due until nothing more can be sent now or {@code budget} is spent: leases batch after batch, and
     * when only the room in flight (all of it, or a tenant's share) holds deliveries back, waits for posts to
     * complete. Returns how many posts were started. The sender's thread ({@link WebhookSender}).
     */
    int sendDue(Duration budget) {
        long end = System.nanoTime() + budget.toNanos();
        int started = 0;
        while (System.nanoTime() < end) {
            int room = Math.min(BATCH, inFlight.availablePermits());
            Leased batch = room == 0 ? new Leased(0, true) : deliverDue(room);
            started += batch.started();
            if (batch.started() > 0 && batch.started() == room) {
                continue;  // a whole batch: there may be more due
            }
            if (!batch.heldBack()) {
                break;  // all that was due is on its way
            }
            long left = Math.max(1, (end - System.nanoTime()) / 1_000_000);
            synchronized (roomFreed) {
                try {
                    roomFreed.wait(Math.min(ROOM_WAIT_MS, left));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return started;
    }

    /**
     * A lease's outcome: the posts it started, and whether the room may have held deliveries back (the room in
     * flight was all taken, or a tenant had its share out or got as many as its share had room for).
     */
    private record Leased(int started, boolean heldBack) {}

    /**
     * Leases the deliveries due (at most {@link #BATCH}, no more than there is room in flight for, and no more of a
     * tenant's than its share of that room ({@link #share}) has left; each tenant's oldest in turn) and starts
     * their posts; the attempts are logged as the posts complete, many in one statement. Nothing waits for a
     * receiver: one that is slow or does not answer (the request timeout, 10 s, inside the lease: a minute longer)
     * holds up no other tenant's delivery: it holds at most its tenant's share of the room, and the tenants with
     * events due are served in turn, however many events one of them has waiting. Each tenant's webhook is read
     * once per batch. Returns how many posts were started.
     */
    int deliverDue() {
        int room = Math.min(BATCH, inFlight.availablePermits());
        return room == 0 ? 0 : deliverDue(room).started();
    }

    private Leased deliverDue(int room) {
        Instant now = clock.instant();
        Instant leaseUntil = now.plus(requestTimeout).plusSeconds(60);
        Map<UUID, Integer> rooms = new HashMap<>();
        int total = inFlightOf.values().stream().mapToInt(Integer::intValue).sum();
        inFlightOf.forEach((tenant, n) -> rooms.put(tenant, Math.max(0, share(total - n) - n)));
        int newcomer = share(total);  // a tenant with nothing in flight
        // Only the shares hold deliveries back for a while; a paused receiver's are held back on purpose.
        java.util.Set<UUID> paused = pauses.pausedTenants();
        boolean heldBack = rooms.entrySet().stream().anyMatch(e -> e.getValue() == 0 && !paused.contains(e.getKey()));
        paused.forEach(tenant -> rooms.merge(tenant, Math.min(newcomer, pauses.allowance(tenant, now)), Math::min));
        List<DeliveryRow> due = Blocking.await(() -> scoped.asPlatform(() -> alerts.leaseDue(now, leaseUntil, room,
                newcomer, rooms)));
        Map<UUID, Integer> leasedOf = new HashMap<>();
        due.forEach(d -> leasedOf.merge(d.tenantId(), 1, Integer::sum));
        heldBack |= leasedOf.entrySet().stream().anyMatch(e -> !paused.contains(e.getKey())
                && e.getValue() >= rooms.getOrDefault(e.getKey(), newcomer));
        due.stream().filter(d -> paused.contains(d.tenantId())).forEach(d -> pauses.probing(d.tenantId(), d.id()));
        Map<UUID, Optional<AlertRepository.Hook>> hooks = new HashMap<>();
        for (DeliveryRow d : due) {
            hooks.computeIfAbsent(d.tenantId(), t -> Blocking.await(() -> scoped.asTenant(t, () -> alerts.webhook(t))));
        }
        for (DeliveryRow d : due) {
            Optional<AlertRepository.Hook> hook = hooks.get(d.tenantId());
            Instant at = clock.instant();
            long started = System.nanoTime();
            inFlight.acquireUninterruptibly();
            inFlightOf.merge(d.tenantId(), 1, Integer::sum);
            String unsent = unsent(hook, d);
            CompletableFuture<Outcome> sent = unsent != null
                    ? CompletableFuture.completedFuture(new Outcome(null, unsent, 0))
                    : http.sendAsync(request(hook.get().url(), hook.get().secrets(), d, at),
                                    HttpResponse.BodyHandlers.discarding())
                            .handle((r, e) -> e == null ? new Outcome(r.statusCode(), null, millis(started))
                                    : new Outcome(null, reason(e), millis(started)));
            sent.thenAccept(o -> {
                noteReceiver(d, hook, unsent == null, o);
                completed.add(tried(d, hook, at, o, unsent == null));
                try {
                    attemptLog.execute(this::logCompleted);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // Shutting down: left leased, the delivery is tried again when the lease ends, here or elsewhere.
                    LOG.debugf("Webhook delivery %s: its attempt is not logged (shutting down)", d.id());
                }
            });
        }
        return new Leased(due.size(), heldBack);
    }

    /** Receivers paused after failing every try ({@link ReceiverPauses}). */
    private final ReceiverPauses pauses;

    /**
     * Why a due delivery is not sent, or null if it is: the tenant has no webhook any more, or its webhook no longer
     * receives the delivery's type (changed after the event was queued, or a delivery of such a type sent again).
     */
    private static String unsent(Optional<AlertRepository.Hook> hook, DeliveryRow d) {
        return hook.isEmpty() ? "the tenant has no webhook any more"
                : hook.get().receives(d.eventType()) ? null : AlertRepository.unreceived(d.eventType());
    }

    /**
     * Follows each receiver's answers: pauses one that keeps failing, resumes it once a delivery goes through. A try
     * not sent says nothing of a receiver: without a webhook (removed meanwhile) it ends any pause; of a type the
     * webhook no longer receives, it only gives back the probe it may have been.
     */
    private void noteReceiver(DeliveryRow d, Optional<AlertRepository.Hook> hook, boolean sent, Outcome o) {
        if (hook.isEmpty()) {
            pauses.reset(d.tenantId());
            return;
        }
        if (!sent) {
            pauses.skipped(d.tenantId(), d.id());
            return;
        }
        boolean delivered = o.status() != null && o.status() >= 200 && o.status() < 300;
        switch (pauses.tried(d.tenantId(), d.id(), delivered, clock.instant())) {
            case PAUSED -> LOG.warnf("The webhook receiver of tenant %s failed %d tries in a row (last: %s): its "
                    + "deliveries wait, due, their tries kept, while one at a time is tried, %s apart and longer",
                    d.tenantId(), ReceiverPauses.TRIP_AFTER, o.status() != null ? "HTTP " + o.status() : o.error(),
                    pauses.firstPause());
            case RESUMED -> LOG.infof("The webhook receiver of tenant %s took a delivery: its deliveries go out again",
                    d.tenantId());
            case NONE -> { }
        }
    }

    /** How many receivers this replica has paused (a gauge). */
    public int pausedReceivers() {
        return pauses.pausedTenants().size();
    }

    /**
     * Removes the deliveries of events (reservations', jobs') older than the retention that are no longer PENDING,
     * with their attempts, in batches; returns how many went. Alerts' deliveries stay with their alerts.
     */
    public long pruneEvents() {
        UUID before = city.myriad.platform.time.Ids.firstAt(clock.instant().minus(retention));
        long removed = 0;
        for (int i = 0; i < 100; i++) {
            long n = Blocking.await(() -> scoped.asPlatform(() -> alerts.pruneEvents(before, 1_000)));
            removed += n;
            if (n < 1_000) {
                break;
            }
        }
        if (removed > 0) {
            LOG.infof("Removed %d webhook deliveries of events older than %s", removed, retention);
        }
        return removed;
    }

    /** Waits until every post started has completed and been logged (tests). */
    void awaitInFlight() {
        inFlight.acquireUninterruptibly(IN_FLIGHT);
        inFlight.release(IN_FLIGHT);
    }

    /** What a try logs, and where it leaves its delivery: DELIVERED, PENDING until its back-off, or FAILED. */
    private AlertRepository.Tried tried(DeliveryRow d, Optional<AlertRepository.Hook> hook, Instant at, Outcome o,
            boolean sent) {
        int attempt = d.attempts() + 1;
        boolean delivered = o.status() != null && o.status() >= 200 && o.status() < 300;
        int round = d.roundAttempts() + 1;  // a redelivery starts a new round of tries
        // Without a webhook there is nowhere to try again, and a type it no longer receives is not to be sent: FAILED
        // at once (redeliver once one is set, or names the type).
        String state = delivered ? "DELIVERED" : round >= maxAttempts || unsent(hook, d) != null ? "FAILED" : "PENDING";
        Instant next = delivered || state.equals("FAILED") ? at : at.plus(backoff(round));
        return new AlertRepository.Tried(new AttemptRow(d.id(), attempt, at,
                hook.map(AlertRepository.Hook::url).orElse(""), o.status(), o.error(), o.ms()), sent, d.tenantId(),
                state, next);
    }

    /**
     * Logs the tries completed so far, up to 500 in one statement; each one's place in flight is given back once
     * logged. A log that fails leaves its deliveries leased: they are tried again when the lease ends.
     */
    private void logCompleted() {
        List<AlertRepository.Tried> batch = new ArrayList<>();
        completed.drainTo(batch, 500);
        if (batch.isEmpty()) {
            return;
        }
        try {
            Blocking.await(() -> scoped.asPlatform(() -> alerts.attemptedAll(batch)));
            for (AlertRepository.Tried t : batch) {
                if (!t.state().equals("DELIVERED")) {
                    AttemptRow a = t.attempt();
                    LOG.infof("Webhook delivery %s attempt %d failed (%s); %s", a.deliveryId(), a.attempt(),
                            a.statusCode() != null ? "HTTP " + a.statusCode() : a.error(), t.state());
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "%d webhook attempts could not be logged; their deliveries are tried again", batch.size());
        } finally {
            for (AlertRepository.Tried t : batch) {
                inFlightOf.computeIfPresent(t.tenantId(), (tenant, n) -> n == 1 ? null : n - 1);
            }
            inFlight.release(batch.size());
            synchronized (roomFreed) {
                roomFreed.notifyAll();
            }
        }
    }

    /** 2^(attempt-1) times the base, at most an hour. */
    Duration backoff(int attempt) {
        Duration d = retryBase.multipliedBy(1L << Math.min(20, attempt - 1));
        return d.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : d;
    }

    private HttpRequest request(String url, SigningSecrets secrets, DeliveryRow d, Instant at) {
        return request(url, secrets, d.eventId(), d.id(), d.payload(), at);
    }

    /** The post of {@code body}, signed at {@code at} by every secret in force then. */
    private HttpRequest request(String url, SigningSecrets secrets, UUID eventId, UUID deliveryId, String body,
            Instant at) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header(EVENT_ID, eventId.toString())
                .header("Myriad-Delivery-Id", deliveryId.toString())
                .header(SIGNATURE, secrets.header(at.getEpochSecond(), body, at))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
    }

    /** Hex HMAC-SHA256 of "t.body" under the secret: what a receiver recomputes to verify. */
    public static String sign(String secret, long t, String body) {
        return SigningSecrets.sign(secret, t, body);
    }
}

package city.myriad.metering.service;

import city.myriad.metering.mapping.MeteringApi.WebhookTestView;
import city.myriad.metering.model.SigningSecrets;
import city.myriad.metering.repository.AlertRepository;
import city.myriad.metering.repository.AlertRepository.AttemptRow;
import city.myriad.metering.repository.AlertRepository.DeliveryRow;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.Scoped;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The delivery of tenants' webhook events from the outbox, on this replica ({@link Webhooks} sets the webhooks).
 * Rules:
 * <ul>
 * <li>Each delivery is a POST of the event's JSON, signed as Stripe signs its webhooks: header
 * {@code Myriad-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>}, one {@code v1}
 * per secret in force; the receiver checks that one matches and that t is recent. {@code Myriad-Event-Id} (the
 * event's id) is the same on every try.</li>
 * <li>A 2xx answer delivers it. Otherwise it is tried again after 2^(attempt-1) times the base delay (capped at an
 * hour) up to the maximum number of attempts, then FAILED. Every attempt is logged (status or error, duration).</li>
 * <li>A receiver that failed 5 tries in a row is paused: its deliveries wait, their tries kept, while one at a time is
 * tried, further and further apart, until one is delivered ({@link ReceiverPauses}).</li>
 * <li>A delivery is leased before it is sent, so no two replicas send it at once. A crash after the send and
 * before the log leaves it to be sent again when the lease ends: delivery is at least once, and the receiver
 * deduplicates by {@code Myriad-Event-Id}.</li>
 * <li>Tenants share the posts in flight: each at most half the room the others leave ({@link #share}), the tenants
 * with events due served in turn, so a receiver that is slow or does not answer holds up no other tenant's.</li>
 * <li>A delivery due when the tenant has no webhook any more, or of a type its webhook no longer receives, fails at
 * once, unsent, its reason logged.</li>
 * </ul>
 */
@ApplicationScoped
public class WebhookDeliveries {

    private static final Logger LOG = Logger.getLogger(WebhookDeliveries.class);
    static final String SIGNATURE = "Myriad-Signature";
    static final String EVENT_ID = "Myriad-Event-Id";
    /** The type of a test event ({@link #sendTest}): a receiver can tell it from an alert or an event. */
    static final String TEST_EVENT_TYPE = "webhook.test";

    private final Scoped scoped;
    private final AlertRepository alerts;
    private final Clock clock;
    private final Duration retryBase;
    private final int maxAttempts;
    private final Duration requestTimeout;
    private final Duration retention;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    WebhookDeliveries(Scoped scoped, AlertRepository alerts, Clock clock,
            @ConfigProperty(name = "myriad.webhooks.retry-base", defaultValue = "PT10S") Duration retryBase,
            @ConfigProperty(name = "myriad.webhooks.max-attempts", defaultValue = "12") int maxAttempts,
            @ConfigProperty(name = "myriad.webhooks.request-timeout", defaultValue = "PT10S") Duration requestTimeout,
            @ConfigProperty(name = "myriad.webhooks.retention", defaultValue = "P30D") Duration retention,
            @ConfigProperty(name = "myriad.webhooks.first-pause", defaultValue = "PT30S") Duration firstPause) {
        this.scoped = scoped;
        this.alerts = alerts;
        this.clock = clock;
        this.retryBase = retryBase;
        this.maxAttempts = maxAttempts;
        this.requestTimeout = requestTimeout;
        this.retention = retention;
        this.pauses = new ReceiverPauses(firstPause);
    }

    /** The tenant's webhook was set anew or removed: a pause of its receiver ends, and what is due is tried at once. */
    void receiverChanged(UUID tenantId) {
        pauses.reset(tenantId);
    }

    /**
     * Sends a signed test event to {@code hook} now and answers how the receiver answered; nothing is stored or
     * retried. A receiver that takes it ends its pause. Sent without blocking the caller's thread.
     */
    Uni<WebhookTestView> sendTest(UUID tenantId, AlertRepository.Hook hook) {
        UUID eventId = UUID.randomUUID();
        Instant at = clock.instant();
        String body = "{\"id\":\"" + eventId + "\",\"type\":\"" + TEST_EVENT_TYPE + "\",\"createdAt\":\"" + at
                + "\",\"data\":{\"tenantId\":\"" + tenantId + "\"}}";
        HttpRequest request = request(hook.url(), hook.secrets(), eventId, eventId, body, at);
        long started = System.nanoTime();
        return Uni.createFrom().completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.discarding()))
                .map(r -> {
                    boolean took = r.statusCode() >= 200 && r.statusCode() < 300;
                    if (took && pauses.reset(tenantId) == ReceiverPauses.Change.RESUMED) {
                        LOG.infof("The webhook receiver of tenant %s took a test event: its deliveries go out again",
                                tenantId);
                    }
                    return new WebhookTestView(eventId, TEST_EVENT_TYPE, hook.url(), at, took, r.statusCode(), null,
                            millis(started));
                })
                .onFailure().recoverWithItem(e -> new WebhookTestView(eventId, TEST_EVENT_TYPE, hook.url(), at, false,
                        null, reason(e), millis(started)));
    }

    private static int millis(long startedNanos) {
        return (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - startedNanos) / 1_000_000);
    }

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

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
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Tenants' webhooks: where their events go, which types, and the secrets that sign them ({@link WebhookDeliveries}
 * sends them). Rules:
 * <ul>
 * <li>Setting a webhook (tenant-admin, or a platform admin) generates a new secret, shown once in that answer;
 * setting it again rotates the secret at once, unless it keeps it ({@code keepSecret}: only the URL and the event
 * types change). {@link #roll} rotates it with an overlap: the secrets before it sign beside it for a while
 * ({@link SigningSecrets}).</li>
 * <li>A webhook's URL is http(s) with a host; in production not one on a loopback, private or link-local address.</li>
 * <li>A FAILED or DELIVERED delivery can be sent again on request ({@link #redeliver}): a new round of tries, the log
 * going on. An alert itself is raised once per crossing.</li>
 * <li>A webhook receives the event types it names: setting it ends the deliveries still PENDING of types it no longer
 * names FAILED, unsent, their reason logged; one of such a type that comes due anyway (sent again, or leased while the
 * change committed) fails the same way.</li>
 * <li>A test event ({@link #test}) checks a receiver before an alert depends on it: at most
 * {@link #TESTS_PER_MINUTE} a minute per tenant and replica.</li>
 * </ul>
 */
@ApplicationScoped
public class Webhooks {

    private final Scoped scoped;
    private final AlertRepository alerts;
    private final TenantProjects projects;
    private final Clock clock;
    private final boolean allowPrivate;
    private final Preconditions preconditions;
    private final AuditTrail audit;
    private final WebhookDeliveries deliveries;
    private final SecureRandom random = new SecureRandom();

    Webhooks(Scoped scoped, AlertRepository alerts, TenantProjects projects, Clock clock,
            @ConfigProperty(name = "myriad.webhooks.allow-private-targets", defaultValue = "false")
            boolean allowPrivate,
            Preconditions preconditions, AuditTrail audit, WebhookDeliveries deliveries) {
        this.scoped = scoped;
        this.alerts = alerts;
        this.projects = projects;
        this.clock = clock;
        this.allowPrivate = allowPrivate;
        this.preconditions = preconditions;
        this.audit = audit;
        this.deliveries = deliveries;
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
                .invoke(() -> deliveries.receiverChanged(tenantId));  // a receiver set anew (here) is tried at once
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
                .invoke(() -> deliveries.receiverChanged(tenantId))  // what is pending ends FAILED at once, not by probes
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
                    return deliveries.sendTest(tenantId, hook);
                });
    }
}

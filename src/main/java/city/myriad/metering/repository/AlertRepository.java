package city.myriad.metering.repository;

import city.myriad.metering.model.SigningSecrets;
import city.myriad.platform.crypto.SecretSeal;
import city.myriad.platform.db.SessionSql;
import city.myriad.platform.db.SqlTimes;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/** Alerts, the webhook outbox (deliveries) and its log (attempts). Plain SQL, in the caller's transaction. */
@ApplicationScoped
public class AlertRepository {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(AlertRepository.class);

    /** Seals the webhook's signing secrets where they are stored, each bound to its tenant's row. */
    private final SecretSeal seal;

    AlertRepository(SecretSeal seal) {
        this.seal = seal;
    }

    private static String place(UUID tenantId) {
        return "webhook/" + tenantId;
    }

    /** An alert as stored, with its delivery's state (null: no webhook when it was raised). */
    public record AlertRow(UUID id, UUID tenantId, UUID projectId, String measure, String period, int threshold,
            BigDecimal used, BigDecimal limit, String unit, Instant raisedAt, String delivery) {}

    /**
     * A delivery as stored: of an alert ({@code alertId}, its event id the alert's) or of a reservation event
     * (written by the database when a reservation's shortfall changes; no alert).
     */
    public record DeliveryRow(UUID id, UUID tenantId, UUID alertId, String eventType, String payload, String state,
            int attempts, Instant nextAttemptAt, Instant createdAt, Instant deliveredAt, int attemptsBeforeRedelivery,
            Instant redeliveredAt, String redeliveredBy, UUID eventId) {

        /** The tries of the current round: since the last redelivery, or since it was queued. */
        public int roundAttempts() {
            return attempts - attemptsBeforeRedelivery;
        }
    }

    /** One attempt as logged. */
    public record AttemptRow(UUID deliveryId, int attempt, Instant at, String url, Integer statusCode, String error,
            int durationMs) {}

    /**
     * Raises the alert unless this tenant's scope, measure, period and threshold already has one (the unique key
     * decides, across replicas). True if this call raised it.
     */
    public Uni<Boolean> raise(AlertRow a, String scope) {
        return session().chain(s -> s.createNativeQuery("""
                        insert into alerts (id, tenant_id, project_id, scope, measure, period, threshold, used, lim,
                                            unit, raised_at)
                        values (:id, :tenant, :project, :scope, :measure, :period, :threshold, :used, :lim, :unit, :at)
                        on conflict (tenant_id, scope, measure, period, threshold) do nothing""")
                .setParameter("id", a.id()).setParameter("tenant", a.tenantId()).setParameter("project", a.projectId())
                .setParameter("scope", scope).setParameter("measure", a.measure()).setParameter("period", a.period())
                .setParameter("threshold", a.threshold()).setParameter("used", a.used()).setParameter("lim", a.limit())
                .setParameter("unit", a.unit()).setParameter("at", SqlTimes.utc(a.raisedAt()))
                .executeUpdate()).map(n -> n == 1);
    }

    /** The thresholds already raised for a scope, measure and period. */
    public Uni<List<Integer>> raised(UUID tenantId, String scope, String measure, String period) {
        return SessionSql.select("""
                        select threshold from alerts
                         where tenant_id = :tenant and scope = :scope and measure = :measure and period = :period""")
                .setParameter("tenant", tenantId).setParameter("scope", scope).setParameter("measure", measure)
                .setParameter("period", period).column(Integer.class);
    }

    public Uni<Void> enqueue(DeliveryRow d) {
        return session().chain(s -> s.createNativeQuery("""
                        insert into webhook_deliveries (id, tenant_id, alert_id, event_id, event_type, payload, state,
                                                        attempts, next_attempt_at, created_at)
                        values (:id, :tenant, :alert, :event, :type, :payload, 'PENDING', 0, :next, :at)""")
                .setParameter("id", d.id()).setParameter("tenant", d.tenantId()).setParameter("alert", d.alertId())
                .setParameter("event", d.eventId())
                .setParameter("type", d.eventType()).setParameter("payload", d.payload())
                .setParameter("next", SqlTimes.utc(d.nextAttemptAt())).setParameter("at", SqlTimes.utc(d.createdAt()))
                .executeUpdate()).replaceWithVoid();
    }

    /**
     * A tenant's alerts, newest first, after the cursor (raised_at, id); of one month when {@code period} is given (a
     * spend anomaly's period is a day of it).
     */
    public Uni<List<AlertRow>> page(UUID tenantId, UUID after, UUID projectId, String period, String measure,
            int limit) {
        SessionSql q = SessionSql.select("""
                select a.id, a.tenant_id, a.project_id, a.measure, a.period, a.threshold, a.used, a.lim, a.unit,
                       a.raised_at, d.state
                  from alerts a left join webhook_deliveries d on d.alert_id = a.id
                 where a.tenant_id = :tenant""" + (after == null ? "" : " and a.id < :after")
                + (projectId == null ? "" : " and a.project_id = :project")
                + (period == null ? "" : " and left(a.period, 7) = :period")
                + (measure == null ? "" : " and a.measure = :measure") + " order by a.id desc limit :limit")
                .setParameter("tenant", tenantId).setParameter("limit", limit);
        if (after != null) {
            q.setParameter("after", after);
        }
        if (projectId != null) {
            q.setParameter("project", projectId);
        }
        if (period != null) {
            q.setParameter("period", period);
        }
        if (measure != null) {
            q.setParameter("measure", measure);
        }
        return q.getResultList().map(rows -> rows.stream().map(r -> new AlertRow((UUID) r[0], (UUID) r[1], (UUID) r[2], (String) r[3],
                (String) r[4], ((Number) r[5]).intValue(), SessionSql.decimal(r[6]), SessionSql.decimal(r[7]), (String) r[8],
                SqlTimes.instant(r[9]), (String) r[10])).toList());
    }

    /**
     * Leases up to {@code limit} deliveries due now, each tenant's in turn: every tenant with deliveries due gives its
     * oldest first, at most its {@code room} (a tenant absent from it: {@code perTenant}), and the batch takes the first
     * of each tenant, then the second of each, and so on; so one tenant's backlog does not fill the batch while another
     * tenant's event is due. Their next attempt moves to {@code leaseUntil}, so that no other replica sends them
     * meanwhile. Returns them as they were.
     */
    public Uni<List<DeliveryRow>> leaseDue(Instant now, Instant leaseUntil, int limit, int perTenant,
            java.util.Map<UUID, Integer> room) {
        var rooms = JSON.createObjectNode();
        room.forEach((tenant, n) -> rooms.put(tenant.toString(), n));
        return SessionSql.select("""
                        with recursive pending (tenant_id) as (
                            -- the tenants with PENDING deliveries, one index probe each (a loose index scan)
                            (select tenant_id from webhook_deliveries where state = 'PENDING'
                              order by tenant_id limit 1)
                            union all
                            select (select d.tenant_id from webhook_deliveries d
                                     where d.state = 'PENDING' and d.tenant_id > p.tenant_id
                                     order by d.tenant_id limit 1)
                              from pending p where p.tenant_id is not null),
                        due as (
                            select x.id, x.next_attempt_at,
                                   row_number() over (partition by p.tenant_id order by x.next_attempt_at, x.id) turn
                              from pending p cross join lateral (
                                   select d.id, d.next_attempt_at from webhook_deliveries d
                                    where d.tenant_id = p.tenant_id and d.state = 'PENDING'
                                      and d.next_attempt_at <= :now
                                    order by d.next_attempt_at
                                    limit coalesce(cast(cast(cast(:rooms as text) as jsonb)
                                                        ->> cast(p.tenant_id as text) as int), :perTenant)
                                    for update skip locked) x
                             where p.tenant_id is not null)
                        update webhook_deliveries d set next_attempt_at = :lease
                          from (select id from due order by turn, next_attempt_at, id limit :limit) chosen
                         where d.id = chosen.id
                        returning d.id, d.tenant_id, d.alert_id, d.event_type, d.payload, d.state, d.attempts,
                                  d.next_attempt_at, d.created_at, d.delivered_at, d.attempts_before_redelivery,
                                  d.redelivered_at, d.redelivered_by, d.event_id""")
                .setParameter("now", SqlTimes.utc(now)).setParameter("lease", SqlTimes.utc(leaseUntil))
                .setParameter("limit", limit).setParameter("perTenant", perTenant)
                .setParameter("rooms", rooms.toString()).getResultList()
                .map(rows -> rows.stream().map(AlertRepository::delivery).toList());
    }

    /**
     * A try to log: the attempt, whether it was sent to the receiver (not so for a type the webhook no longer
     * receives, or with no webhook left), and where it leaves its delivery.
     */
    public record Tried(AttemptRow attempt, boolean sent, UUID tenantId, String state, Instant next) {}

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * Logs many tries in one statement (deliveries of any tenants: the worker's platform scope): each attempt, and
     * its delivery moved on to DELIVERED, FAILED (no more tries) or PENDING until its next try.
     */
    public Uni<Void> attemptedAll(List<Tried> tries) {
        var rows = JSON.createArrayNode();
        for (Tried t : tries) {
            AttemptRow a = t.attempt();
            rows.addObject().put("delivery", a.deliveryId().toString()).put("attempt", a.attempt())
                    .put("tenant", t.tenantId().toString()).put("at", a.at().toString()).put("url", a.url())
                    .put("status", a.statusCode()).put("error", a.error()).put("ms", a.durationMs())
                    .put("sent", t.sent()).put("state", t.state()).put("next", t.next().toString());
        }
        return session().chain(s -> s.createNativeQuery("""
                        with v as (
                            select * from jsonb_to_recordset(cast(cast(:rows as text) as jsonb))
                                as v(delivery uuid, attempt int, tenant uuid, at timestamptz, url text, status int,
                                     error text, ms int, sent boolean, state text, next timestamptz)),
                        logged as (
                            insert into webhook_attempts (delivery_id, attempt, tenant_id, at, url, status_code, error,
                                                          duration_ms, sent)
                            select delivery, attempt, tenant, at, url, status, error, ms, sent from v)
                        update webhook_deliveries d set attempts = v.attempt, state = v.state, next_attempt_at = v.next,
                               delivered_at = case when v.state = 'DELIVERED' then v.at else d.delivered_at end
                          from v
                         where d.id = v.delivery""")
                .setParameter("rows", rows.toString()).executeUpdate()).replaceWithVoid();
    }

    /** A tenant's deliveries, newest first, after the cursor; in one state and of one event type if given. */
    public Uni<List<DeliveryRow>> deliveries(UUID tenantId, UUID after, String state, String eventType, int limit) {
        SessionSql q = SessionSql.select("""
                select """ + DELIVERY_COLUMNS + """
                  from webhook_deliveries where tenant_id = :tenant""" + (after == null ? "" : " and id < :after")
                + (state == null ? "" : " and state = :state")
                + (eventType == null ? "" : " and event_type = :type") + " order by id desc limit :limit")
                .setParameter("tenant", tenantId).setParameter("limit", limit);
        if (after != null) {
            q.setParameter("after", after);
        }
        if (state != null) {
            q.setParameter("state", state);
        }
        if (eventType != null) {
            q.setParameter("type", eventType);
        }
        return q.getResultList().map(rows -> rows.stream().map(AlertRepository::delivery).toList());
    }

    /**
     * Removes up to {@code limit} deliveries of events (not of alerts: an alert shows its delivery) that are no longer
     * PENDING and were made before the id {@code before} (ids sort by creation time), with their attempts; returns
     * how many deliveries went.
     */
    public Uni<Long> pruneEvents(UUID before, int limit) {
        return SessionSql.select("""
                        with old as (select id from webhook_deliveries
                                      where id < :before and alert_id is null and state <> 'PENDING'
                                      order by id limit :limit),
                             attempts as (delete from webhook_attempts where delivery_id in (select id from old)),
                             gone as (delete from webhook_deliveries where id in (select id from old) returning 1)
                        select count(*) from gone""")
                .setParameter("before", before).setParameter("limit", limit).singleValue(Long.class);
    }

    public Uni<List<AttemptRow>> attempts(List<UUID> deliveryIds) {
        if (deliveryIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return SessionSql.select("""
                        select delivery_id, attempt, at, url, status_code, error, duration_ms from webhook_attempts
                         where delivery_id = any(cast(string_to_array(cast(:ids as text), ',') as uuid[]))
                         order by delivery_id, attempt""")
                .setParameter("ids", UsageEventRepository.joined(deliveryIds)).getResultList()
                .map(rows -> rows.stream().map(r -> new AttemptRow((UUID) r[0], ((Number) r[1]).intValue(),
                        SqlTimes.instant(r[2]), (String) r[3], r[4] == null ? null : ((Number) r[4]).intValue(),
                        (String) r[5], ((Number) r[6]).intValue())).toList());
    }

    /**
     * A tenant's webhook: where it posts, the secrets that sign its deliveries, and the event types it receives
     * (sorted).
     */
    public record Hook(String url, SigningSecrets secrets, Instant updatedAt, String updatedBy, List<String> events) {

        public boolean receives(String eventType) {
            return events.contains(eventType);
        }
    }

    public Uni<Optional<Hook>> webhook(UUID tenantId) {
        return SessionSql.select("""
                        select url, secret, updated_at, updated_by, array_to_string(events, ','),
                               (select string_agg((e->>'secret') || ' ' || (e->>'endsAt'), ',')
                                  from jsonb_array_elements(earlier_secrets) e)
                          from webhooks where tenant_id = :tenant""")
                .setParameter("tenant", tenantId).getResultList()
                .map(rows -> rows.stream().findFirst().map(r -> new Hook((String) r[0],
                        new SigningSecrets(seal.open((String) r[1], place(tenantId)),
                                earlier((String) r[5], place(tenantId))),
                        SqlTimes.instant(r[2]), (String) r[3], List.of(((String) r[4]).split(",")))));
    }

    /**
     * How a receiver has been answering: of the tries sent to {@code url} (the webhook's address now; tries never sent
     * say nothing of it), the latest, the latest delivered, how many failed since that one (at most
     * {@link #FAILURES_COUNTED}), the latest failed; and the tenant's deliveries still PENDING, with the oldest's
     * creation. Each figure is a walk down the tenant's index of tries sent, newest first, that stops at what it
     * looks for.
     */
    public Uni<ReceiverStatus> receiverStatus(UUID tenantId, String url) {
        return SessionSql.select("""
                        select (select at from webhook_attempts
                                 where tenant_id = :tenant and sent and url = :url order by at desc limit 1),
                               ok.at,
                               (select count(*) from (select 1 from webhook_attempts
                                                       where tenant_id = :tenant and sent and url = :url
                                                         and at > coalesce(ok.at, '-infinity')
                                                       order by at desc limit :counted) f),
                               bad.at, bad.status_code, bad.error,
                               (select count(*) from webhook_deliveries where tenant_id = :tenant and state = 'PENDING'),
                               (select min(created_at) from webhook_deliveries
                                 where tenant_id = :tenant and state = 'PENDING')
                          from (select 1) one
                          left join lateral (select at from webhook_attempts
                                              where tenant_id = :tenant and sent and url = :url
                                                and status_code between 200 and 299
                                              order by at desc limit 1) ok on true
                          left join lateral (select at, status_code, error from webhook_attempts
                                              where tenant_id = :tenant and sent and url = :url
                                                and (status_code is null or status_code not between 200 and 299)
                                              order by at desc limit 1) bad on true""")
                .setParameter("tenant", tenantId).setParameter("url", url).setParameter("counted", FAILURES_COUNTED)
                .getResultList().map(rows -> {
                    Object[] r = rows.get(0);
                    return new ReceiverStatus(SqlTimes.instant(r[0]), SqlTimes.instant(r[1]),
                            ((Number) r[2]).intValue(), SqlTimes.instant(r[3]),
                            r[4] == null ? null : ((Number) r[4]).intValue(), (String) r[5],
                            ((Number) r[6]).longValue(), SqlTimes.instant(r[7]));
                });
    }

    /** The most failed tries in a row a status counts: a receiver down for days need not be counted to the last. */
    public static final int FAILURES_COUNTED = 1_000;

    /** What {@link #receiverStatus} reads; times null when there is none. */
    public record ReceiverStatus(Instant lastTriedAt, Instant lastDeliveredAt, int failuresInARow,
            Instant lastFailureAt, Integer lastFailureStatusCode, String lastFailureError, long pending,
            Instant oldestPendingAt) {}

    /**
     * "secret endsAt,secret endsAt" as the query above writes it (a secret, sealed or not, is base64url after its
     * prefix: no blank, no comma).
     */
    private List<SigningSecrets.Earlier> earlier(String joined, String place) {
        if (joined == null || joined.isEmpty()) {
            return List.of();
        }
        return java.util.Arrays.stream(joined.split(",")).map(pair -> pair.split(" ", 2))
                .map(p -> new SigningSecrets.Earlier(seal.open(p[0], place), Instant.parse(p[1]))).toList();
    }

    /** The earlier secrets as the column keeps them: a JSON array of {secret (sealed), endsAt}. */
    private String earlierJson(List<SigningSecrets.Earlier> earlier, String place) {
        return earlier.stream().map(e -> "{\"secret\":\"" + seal.seal(e.secret(), place) + "\",\"endsAt\":\""
                        + e.endsAt() + "\"}")
                .collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }

    /**
     * Seals again under the current key every webhook secret that is not ({@link SecretSeal#current}: sealed under a
     * previous key after a rotation, or stored in clear before a key was set), the earlier secrets still signing too;
     * in platform scope. A webhook changed meanwhile (set or rolled: sealed anew then) is left as it is. Returns the
     * tenants whose webhooks were sealed again; one whose secrets do not open (their key not configured) is logged
     * and left, and the others go on.
     */
    public Uni<List<UUID>> resealWebhooks() {
        return SessionSql.select("select tenant_id, secret, cast(earlier_secrets as text) from webhooks")
                .getResultList().chain(rows -> {
                    Uni<List<UUID>> done = Uni.createFrom().item(new java.util.ArrayList<>());
                    for (Object[] r : rows) {
                        UUID tenant = (UUID) r[0];
                        String secret = (String) r[1];
                        String earlier = (String) r[2];
                        String[] fresh;
                        try {
                            fresh = resealed(tenant, secret, earlier);
                        } catch (IllegalStateException e) {
                            LOG.errorf("The webhook secrets of tenant %s stay as stored: %s", tenant, e.getMessage());
                            continue;
                        }
                        if (fresh == null) {
                            continue;
                        }
                        done = done.chain(list -> session().chain(s -> s.createNativeQuery("""
                                        update webhooks set secret = :secret,
                                               earlier_secrets = cast(cast(:earlier as text) as jsonb)
                                         where tenant_id = :tenant and secret = :old
                                           and earlier_secrets = cast(cast(:oldEarlier as text) as jsonb)""")
                                .setParameter("secret", fresh[0]).setParameter("earlier", fresh[1])
                                .setParameter("tenant", tenant).setParameter("old", secret)
                                .setParameter("oldEarlier", earlier).executeUpdate())
                                .map(n -> {
                                    if (n > 0) {
                                        list.add(tenant);
                                    }
                                    return list;
                                }));
                    }
                    return done.map(List::copyOf);
                });
    }

    /** The secret and the earlier secrets' JSON sealed under the current key, or null if they already are. */
    private String[] resealed(UUID tenant, String secret, String earlierJson) {
        try {
            com.fasterxml.jackson.databind.JsonNode earlier = JSON.readTree(earlierJson);
            boolean stale = !seal.current(secret);
            for (com.fasterxml.jackson.databind.JsonNode e : earlier) {
                stale |= !seal.current(e.get("secret").asText());
            }
            if (!stale) {
                return null;
            }
            String place = place(tenant);
            List<SigningSecrets.Earlier> opened = new java.util.ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode e : earlier) {
                opened.add(new SigningSecrets.Earlier(seal.open(e.get("secret").asText(), place),
                        Instant.parse(e.get("endsAt").asText())));
            }
            return new String[] {seal.seal(seal.open(secret, place), place), earlierJson(opened, place)};
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("earlier_secrets is not JSON", e);
        }
    }

    /** Serialises conditional changes of a tenant's webhook until the transaction ends (the row may not exist). */
    public Uni<Void> lockWebhook(UUID tenantId) {
        return SessionSql.lockUntilCommit("webhook/" + tenantId);
    }

    /**
     * Sets the tenant's webhook with a new secret and no earlier one; {@code events} (sorted, distinct, not empty) the
     * types it receives.
     */
    public Uni<Void> setWebhook(UUID tenantId, String url, String secret, Instant at, String by, List<String> events) {
        return session().chain(s -> s.createNativeQuery("""
                        insert into webhooks (tenant_id, url, secret, updated_at, updated_by, events)
                        values (:tenant, :url, :secret, :at, :by, string_to_array(:events, ','))
                        on conflict (tenant_id) do update set url = excluded.url, secret = excluded.secret,
                                                              earlier_secrets = '[]',
                                                              updated_at = excluded.updated_at,
                                                              updated_by = excluded.updated_by,
                                                              events = excluded.events""")
                .setParameter("tenant", tenantId).setParameter("url", url)
                .setParameter("secret", seal.seal(secret, place(tenantId)))
                .setParameter("at", SqlTimes.utc(at)).setParameter("by", by)
                .setParameter("events", String.join(",", events)).executeUpdate()).replaceWithVoid();
    }

    /** Changes where the tenant's webhook posts and which types it receives, keeping its secrets; false if none. */
    public Uni<Boolean> updateWebhook(UUID tenantId, String url, Instant at, String by, List<String> events) {
        return session().chain(s -> s.createNativeQuery("""
                        update webhooks set url = :url, updated_at = :at, updated_by = :by,
                                            events = string_to_array(:events, ',')
                         where tenant_id = :tenant""")
                .setParameter("tenant", tenantId).setParameter("url", url)
                .setParameter("at", SqlTimes.utc(at)).setParameter("by", by)
                .setParameter("events", String.join(",", events)).executeUpdate()).map(n -> n > 0);
    }

    /**
     * Ends FAILED the tenant's PENDING deliveries of types its webhook no longer receives ({@code events}: what it
     * receives now), each with one more attempt logged at {@code at}, to {@code url}, giving the reason and no status:
     * the tenant chose not to receive them, so none is sent, now or when a receiver comes back. How many ended.
     */
    public Uni<Integer> failUnreceived(UUID tenantId, List<String> events, String url, Instant at) {
        return session().chain(s -> s.createNativeQuery("""
                        with ended as (
                            update webhook_deliveries set state = 'FAILED', attempts = attempts + 1, next_attempt_at = :at
                             where tenant_id = :tenant and state = 'PENDING'
                               and not (event_type = any(string_to_array(:events, ',')))
                            returning id, attempts, event_type)
                        insert into webhook_attempts (delivery_id, attempt, tenant_id, at, url, status_code, error,
                                                      duration_ms, sent)
                        select id, attempts, :tenant, :at, :url, null,
                               'the webhook no longer receives ' || event_type || ' events', 0, false
                          from ended""")
                .setParameter("tenant", tenantId).setParameter("events", String.join(",", events))
                .setParameter("url", url).setParameter("at", SqlTimes.utc(at)).executeUpdate());
    }

    /**
     * Why a delivery of a type the webhook does not receive is not sent (the attempt's error; {@link #failUnreceived}
     * writes the same words).
     */
    public static String unreceived(String eventType) {
        return "the webhook no longer receives " + eventType + " events";
    }

    /** Replaces the tenant's signing secrets (a roll); false if it has no webhook. */
    public Uni<Boolean> setSecrets(UUID tenantId, SigningSecrets secrets, Instant at, String by) {
        return session().chain(s -> s.createNativeQuery("""
                        update webhooks set secret = :secret, earlier_secrets = cast(cast(:earlier as text) as jsonb),
                                            updated_at = :at, updated_by = :by
                         where tenant_id = :tenant""")
                .setParameter("tenant", tenantId)
                .setParameter("secret", seal.seal(secrets.current(), place(tenantId)))
                .setParameter("earlier", earlierJson(secrets.earlier(), place(tenantId)))
                .setParameter("at", SqlTimes.utc(at)).setParameter("by", by).executeUpdate()).map(n -> n > 0);
    }

    /** Removes the tenant's webhook; false if it had none. */
    public Uni<Boolean> deleteWebhook(UUID tenantId) {
        return session().chain(s -> s.createNativeQuery("delete from webhooks where tenant_id = :tenant")
                .setParameter("tenant", tenantId).executeUpdate()).map(n -> n > 0);
    }

    private static final String DELIVERY_COLUMNS = " id, tenant_id, alert_id, event_type, payload, state, attempts,"
            + " next_attempt_at, created_at, delivered_at, attempts_before_redelivery, redelivered_at, redelivered_by,"
            + " event_id ";

    /**
     * Puts a delivery that is DELIVERED or FAILED back to PENDING, due now, with a new round of tries (its log goes on);
     * a PENDING one is left as it is. Empty if the tenant has no such delivery. The update is one statement, so a
     * delivery is never put back twice by two concurrent requests, nor while a replica sends it (only PENDING ones are
     * leased).
     */
    public Uni<java.util.Optional<DeliveryRow>> redeliver(UUID tenantId, UUID id, Instant now, String by) {
        return SessionSql.select("""
                        update webhook_deliveries set state = 'PENDING', next_attempt_at = :now,
                               attempts_before_redelivery = attempts, redelivered_at = :now, redelivered_by = :by
                         where tenant_id = :tenant and id = :id and state <> 'PENDING'
                        returning """ + DELIVERY_COLUMNS)
                .setParameter("now", SqlTimes.utc(now)).setParameter("by", by).setParameter("tenant", tenantId)
                .setParameter("id", id).getResultList()
                .chain(rows -> rows.isEmpty()
                        ? SessionSql.select("select " + DELIVERY_COLUMNS
                                + " from webhook_deliveries where tenant_id = :tenant and id = :id")
                                .setParameter("tenant", tenantId).setParameter("id", id).getResultList()
                        : Uni.createFrom().item(rows))
                .map(rows -> rows.stream().map(AlertRepository::delivery).findFirst());
    }

    private static DeliveryRow delivery(Object[] r) {
        return new DeliveryRow((UUID) r[0], (UUID) r[1], (UUID) r[2], (String) r[3], (String) r[4], (String) r[5],
                ((Number) r[6]).intValue(), SqlTimes.instant(r[7]), SqlTimes.instant(r[8]),
                r[9] == null ? null : SqlTimes.instant(r[9]), ((Number) r[10]).intValue(),
                r[11] == null ? null : SqlTimes.instant(r[11]), (String) r[12], (UUID) r[13]);
    }

    private static Uni<Mutiny.Session> session() {
        return Panache.getSession();
    }
}

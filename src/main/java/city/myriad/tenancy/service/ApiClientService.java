package city.myriad.tenancy.service;

import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.idempotency.Idempotency;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.platform.security.TokenRevocations;
import city.myriad.platform.time.Ids;
import city.myriad.tenancy.identity.IdentityConfig;
import city.myriad.tenancy.identity.IdentityDirectory;
import city.myriad.tenancy.mapping.TenancyApi.ApiClientView;
import city.myriad.tenancy.mapping.TenancyApi.CreateApiClient;
import city.myriad.tenancy.model.ApiClient;
import city.myriad.tenancy.repository.ApiClientRepository;
import city.myriad.tenancy.repository.TenantRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A tenant's API clients: machine credentials for the client-credentials grant, made, re-keyed and deleted by its
 * tenant-admins without anyone touching the identity provider by hand. Each change is made in the provider in the
 * same step as the row (a provider failure rolls the row back; a client made for a row that then failed to commit is
 * deleted again); the secret is the provider's and is shown once.
 */
@ApplicationScoped
public class ApiClientService {

    /** The most API clients a tenant may have: integrations are few; a leak of many secrets is worse than a 409. */
    static final int LIMIT = 25;

    private final Scoped scoped;
    private final TenantAccess access;
    private final TenantRepository tenants;
    private final ApiClientRepository clients;
    private final IdentityDirectory directory;
    private final Idempotency idempotency;
    private final Ids ids;
    private final Clock clock;
    private final AuditTrail audit;
    private final String tokenUrl;
    private final TokenRevocations revocations;

    ApiClientService(Scoped scoped, TenantAccess access, TenantRepository tenants, ApiClientRepository clients,
            IdentityDirectory directory, Idempotency idempotency, Ids ids, Clock clock, AuditTrail audit,
            IdentityConfig identity, TokenRevocations revocations) {
        this.revocations = revocations;
        this.scoped = scoped;
        this.access = access;
        this.tenants = tenants;
        this.clients = clients;
        this.directory = directory;
        this.idempotency = idempotency;
        this.ids = ids;
        this.clock = clock;
        this.audit = audit;
        this.tokenUrl = identity.tokenUrl();
    }

    /**
     * Makes the client in the identity provider and answers it with its secret. A replay of the same
     * {@code Idempotency-Key} answers the client without it: the secret is never stored here, and rotating gives a
     * new one.
     */
    public Uni<ApiClientView> create(Caller caller, UUID tenantId, CreateApiClient command) {
        Set<String> roles = MemberService.tenantRoles(command.roles());
        AtomicReference<String> issued = new AtomicReference<>();
        ProviderUndo undo = new ProviderUndo("an API client of no row, never shown, in the identity provider");
        return access.authorize(caller, tenantId, TenantAccess.Action.ADMINISTER)
                .invoke(this::requireProvisioning)
                .chain(tenant -> undo.around(scoped.asTenant(tenant, () -> idempotency.once(tenant, ApiClientView.class,
                        () -> clients.lock(tenant)
                                .chain(() -> clients.countOf(tenant))
                                .invoke(count -> {
                                    if (count >= LIMIT) {
                                        throw new MyriadProblem.Conflict(ProblemCode.API_CLIENT_LIMIT, "The tenant "
                                                + "has " + count + " API clients, the most it may; delete one first");
                                    }
                                })
                                .chain(() -> tenants.findById(tenant))
                                .chain(t -> {
                                    ApiClient c = new ApiClient();
                                    c.id = ids.next();
                                    c.tenantId = tenant;
                                    c.name = command.name().strip();
                                    c.clientId = t.slug + "-" + c.id.toString().replace("-", "").substring(20);
                                    c.roles = roles.toArray(String[]::new);
                                    c.createdAt = now();
                                    c.createdBy = caller.username();
                                    return clients.persistAndFlush(c)
                                            .invoke(saved -> undo.arm(() -> directory.discardApiClient(t.slug,
                                                    saved.clientId)))
                                            .call(saved -> directory.createApiClient(t.slug, saved.clientId,
                                                    saved.name, roles).invoke(made -> {
                                                        saved.providerId = made.providerId();
                                                        issued.set(made.secret());
                                                    }))
                                            .call(clients::flush)
                                            .call(saved -> audit.record(caller, tenant, "createApiClient",
                                                    Target.of("API_CLIENT", saved.id), Map.of("name", saved.name,
                                                            "clientId", saved.clientId, "roles", new TreeSet<>(roles))));
                                })
                                .map(saved -> ApiClientView.of(saved, null, tokenUrl))))))
                // The stored answer has no secret; only the call that made the client has one to show.
                .map(view -> issued.get() == null ? view : view.withSecret(issued.get()));
    }

    public Uni<Page<ApiClientView>> list(Caller caller, UUID tenantId, PageRequest page) {
        return access.authorize(caller, tenantId, TenantAccess.Action.ADMINISTER)
                .chain(tenant -> scoped.asTenant(tenant,
                        () -> clients.page(tenant, page.afterUuid(), page.limit() + 1)))
                .map(rows -> page.page(rows, c -> c.id.toString()).map(c -> ApiClientView.of(c, null, tokenUrl)));
    }

    public Uni<ApiClientView> get(Caller caller, UUID tenantId, UUID id) {
        return access.authorize(caller, tenantId, TenantAccess.Action.ADMINISTER)
                .chain(tenant -> scoped.asTenant(tenant, () -> client(tenant, id)))
                .map(c -> ApiClientView.of(c, null, tokenUrl));
    }

    /** The username of a client's tokens (the identity provider's service account of the client). */
    static String serviceAccount(String clientId) {
        return "service-account-" + clientId.toLowerCase(java.util.Locale.ROOT);
    }

    /** A new secret, shown once; the one before stops working at once, and so do the tokens it got. */
    public Uni<ApiClientView> rotateSecret(Caller caller, UUID tenantId, UUID id) {
        return access.authorize(caller, tenantId, TenantAccess.Action.ADMINISTER)
                .invoke(this::requireProvisioning)
                .chain(tenant -> scoped.asTenant(tenant, () -> client(tenant, id)
                        .call(c -> {
                            c.secretRotatedAt = now();
                            return clients.flush();
                        })
                        .call(c -> revocations.revoke(serviceAccount(c.clientId)))
                        .call(c -> audit.record(caller, tenant, "rotateApiClientSecret",
                                Target.of("API_CLIENT", c.id), Map.of("name", c.name, "clientId", c.clientId)))
                        // The identity provider last: a rotation Myriad cannot record leaves the old secret working.
                        // (A commit failing after it leaves the client with a secret nobody was shown; rotating
                        // again gives one.)
                        .chain(c -> tenants.findById(tenant).chain(t -> directory.rotateApiClientSecret(t.slug,
                                        c.providerId))
                                .map(secret -> ApiClientView.of(c, secret, tokenUrl)))));
    }

    /** Deletes the client in the identity provider and here: it gets no new token, and its tokens are refused. */
    public Uni<Void> delete(Caller caller, UUID tenantId, UUID id) {
        return access.authorize(caller, tenantId, TenantAccess.Action.ADMINISTER)
                .chain(tenant -> scoped.asTenant(tenant, () -> client(tenant, id)
                        .call(c -> audit.record(caller, tenant, "deleteApiClient", Target.of("API_CLIENT", c.id),
                                Map.of("name", c.name, "clientId", c.clientId, "roles", new TreeSet<>(c.roleSet()))))
                        .call(c -> revocations.revoke(serviceAccount(c.clientId)))
                        .call(c -> clients.delete(c).call(clients::flush))
                        // The identity provider last: a deletion Myriad refuses leaves the client working.
                        .call(c -> c.providerId == null ? Uni.createFrom().voidItem()
                                : tenants.findById(tenant).chain(t -> directory.deleteApiClient(t.slug, c.providerId)))))
                .replaceWithVoid();
    }

    private Uni<ApiClient> client(UUID tenant, UUID id) {
        return clients.find(tenant, id).map(c -> {
            if (c == null) {
                throw new MyriadProblem.NotFound(ProblemCode.API_CLIENT_NOT_FOUND, "No API client " + id);
            }
            return c;
        });
    }

    /** To the microsecond, as PostgreSQL keeps it: the answer of a change and a later read show the same time. */
    private java.time.Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    private void requireProvisioning(UUID tenant) {
        if (!directory.provisions()) {
            throw new MyriadProblem.Conflict(ProblemCode.IDENTITY_PROVISIONING_OFF, "This deployment does not "
                    + "provision the identity provider (myriad.identity.provisioning.enabled=false): make the client "
                    + "there by hand");
        }
    }
}

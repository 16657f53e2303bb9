package city.myriad.tenancy.service;

import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import java.util.Map;
import java.util.TreeSet;
import city.myriad.platform.db.Constraints;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.http.Preconditions;
import city.myriad.platform.idempotency.Idempotency;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.platform.security.TokenRevocations;
import city.myriad.platform.time.Ids;
import city.myriad.tenancy.identity.IdentityDirectory;
import city.myriad.tenancy.mapping.TenancyApi.AddMember;
import city.myriad.tenancy.mapping.TenancyApi.MemberView;
import city.myriad.tenancy.model.Member;
import city.myriad.tenancy.model.Tenant;
import city.myriad.tenancy.repository.MemberRepository;
import city.myriad.tenancy.repository.TenantRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A tenant's people and their roles. Tenant-admins add, re-role and remove members; each change is made in the
 * identity provider in the same step, so tokens and the member list agree. A tenant always keeps at least one
 * tenant-admin, under concurrency too: re-roles and removals of one tenant's members take its lock first
 * ({@link MemberRepository#lockRoles}), so two admins who demote each other at once cannot both land.
 */
@ApplicationScoped
public class MemberService {

    private final Scoped scoped;
    private final TenantAccess access;
    private final TenantRepository tenants;
    private final MemberRepository members;
    private final IdentityDirectory directory;
    private final Idempotency idempotency;
    private final Ids ids;
    private final Clock clock;
    private final Preconditions preconditions;
    private final AuditTrail audit;
    private final TokenRevocations revocations;

    MemberService(Scoped scoped, TenantAccess access, TenantRepository tenants, MemberRepository members,
            IdentityDirectory directory, Idempotency idempotency, Ids ids, Clock clock, Preconditions preconditions,
            AuditTrail audit, TokenRevocations revocations) {
        this.revocations = revocations;
        this.audit = audit;
        this.preconditions = preconditions;
        this.scoped = scoped;
        this.access = access;
        this.tenants = tenants;
        this.members = members;
        this.directory = directory;
        this.idempotency = idempotency;
        this.ids = ids;
        this.clock = clock;
    }

    /**
     * Adds a member and creates (or adopts, see the directory's rule) the account, which sets its own password. If the
     * member's row is not committed after the account was made, the account is taken back out of the tenant: no
     * account carries the tenant without a member its admins can see and remove.
     */
    public Uni<MemberView> add(Caller caller, UUID tenantId, AddMember command) {
        ProviderUndo undo = new ProviderUndo("account " + command.username() + " bound to its tenant with no member");
        return undo.around(admit(caller, tenantId, ids.next(), command, "CREATED", (slug, roles) -> {
            undo.arm(() -> directory.discardMember(slug, command.username()));
            return directory.provisionMember(slug, new IdentityDirectory.NewIdentity(command.username(),
                    command.email(), command.firstName(), command.lastName()), roles);
        }));
    }

    /**
     * Makes an account that the identity provider already holds for this tenant a member, with an id the caller
     * chose: an imported realm, a directory synchronised from the tenant's own, the demo world. The account keeps
     * its password and sessions (adding would reset them); an account of no tenant or of another one is refused.
     */
    public Uni<MemberView> link(Caller caller, UUID tenantId, UUID memberId, AddMember command) {
        return admit(caller, tenantId, memberId, command, "LINKED",
                (slug, roles) -> directory.linkMember(slug, command.username(), roles));
    }

    /** How a new member's account is bound in the identity provider; gives the provider's user id. */
    private interface Binding {
        Uni<String> bind(String tenantSlug, Set<String> roles);
    }

    /** {@code account}: whether the member's account was created ({@code CREATED}) or an existing one linked. */
    private Uni<MemberView> admit(Caller caller, UUID tenantId, UUID memberId, AddMember command, String account,
            Binding binding) {
        Set<String> roles = tenantRoles(command.roles());
        return access.authorize(caller, tenantId, TenantAccess.Action.ADMINISTER)
                .chain(tenant -> scoped.asTenant(tenant, () -> idempotency.once(tenant, MemberView.class, () -> tenants.findById(tenant)
                                .chain(t -> {
                                    Member m = new Member();
                                    m.id = memberId;
                                    m.tenantId = tenant;
                                    m.username = command.username();
                                    m.email = command.email();
                                    m.firstName = command.firstName();
                                    m.lastName = command.lastName();
                                    m.assignRoles(roles);
                                    m.createdAt = clock.instant();
                                    return members.persistAndFlush(m)
                                            .call(saved -> binding.bind(t.slug, roles)
                                                    .invoke(userId -> saved.identityUserId = userId))
                                            .call(saved -> audit.record(caller, tenant, "addMember",
                                                    Target.of("MEMBER", saved.id), Map.of("username", saved.username,
                                                            "roles", new TreeSet<>(roles), "account", account)));
                                })
                                .map(MemberView::of))))
                .onFailure(Constraints::isUniqueViolation).transform(e -> new MyriadProblem.Conflict(ProblemCode.USERNAME_TAKEN,
                        "User name '" + command.username() + "' is not available for a new member; choose another"));
    }

    public Uni<Page<MemberView>> list(Caller caller, UUID tenantId, PageRequest page) {
        return access.authorize(caller, tenantId, TenantAccess.Action.READ)
                .chain(tenant -> scoped.asTenant(tenant,
                        () -> members.page(tenant, page.afterUuid(), page.limit() + 1)))
                .map(rows -> page.page(rows, m -> m.id.toString()).map(MemberView::of));
    }

    /** One member, as {@link #list} lists it (its ETag is what {@link #assignRoles} matches). */
    public Uni<MemberView> get(Caller caller, UUID tenantId, UUID memberId) {
        return access.authorize(caller, tenantId, TenantAccess.Action.READ)
                .chain(tenant -> scoped.asTenant(tenant, () -> member(tenant, memberId)))
                .map(MemberView::of);
    }

    /**
     * Replaces a member's roles. With {@code ifMatch} (the ETag of {@link #get}), only if the member has not changed
     * since it was read: two admins who each read a member and each replace its roles no longer lose the first
     * change silently. Compared under the tenant's member lock, on the roles as Myriad keeps them (the identity
     * provider gets them in the same step).
     */
    public Uni<MemberView> assignRoles(Caller caller, UUID tenantId, UUID memberId, Set<String> requested,
            String ifMatch) {
        Set<String> roles = tenantRoles(requested);
        java.util.concurrent.atomic.AtomicBoolean losesRoles = new java.util.concurrent.atomic.AtomicBoolean();
        ProviderUndo undo = new ProviderUndo("roles of a member changed in the identity provider, not in Myriad");
        return access.authorize(caller, tenantId, TenantAccess.Action.ADMINISTER)
                .chain(tenant -> undo.around(scoped.asTenant(tenant, () -> members.lockRoles(tenant)
                        .chain(() -> member(tenant, memberId))
                        .invoke(m -> preconditions.check(ifMatch, MemberView.of(m)))
                        .invoke(m -> losesRoles.set(!roles.containsAll(m.roleSet())))
                        .call(m -> roles.contains(Caller.TENANT_ADMIN) ? Uni.createFrom().voidItem()
                                : keepsAnAdmin(tenant, m))
                        .call(m -> audit.record(caller, tenant, "setMemberRoles", Target.of("MEMBER", m.id),
                                Map.of("username", m.username, "roles", new TreeSet<>(roles),
                                        "previousRoles", new TreeSet<>(m.roleSet()))))
                        .call(m -> {
                            Set<String> previous = Set.copyOf(m.roleSet());
                            m.assignRoles(roles);
                            // Tokens carrying a role taken away are refused; a role only added comes with a new token.
                            return (losesRoles.get() ? revocations.revoke(m.username) : Uni.createFrom().voidItem())
                                    .call(members::flush)
                                    // The identity provider last: whatever Myriad refuses first leaves it unchanged,
                                    // and a commit that fails after it puts the roles back.
                                    .chain(() -> tenants.findById(tenant))
                                    .call(t -> directory.assignRoles(t.slug, m.username, roles))
                                    .invoke(t -> undo.arm(() -> directory.assignRoles(t.slug, m.username, previous)));
                        }))))
                .map(MemberView::of);
    }

    public Uni<Void> remove(Caller caller, UUID tenantId, UUID memberId) {
        return access.authorize(caller, tenantId, TenantAccess.Action.ADMINISTER)
                .chain(tenant -> scoped.asTenant(tenant, () -> members.lockRoles(tenant)
                        .chain(() -> member(tenant, memberId))
                        .call(m -> keepsAnAdmin(tenant, m))
                        .call(m -> audit.record(caller, tenant, "removeMember", Target.of("MEMBER", m.id),
                                Map.of("username", m.username, "roles", new TreeSet<>(m.roleSet()))))
                        .call(m -> revocations.revoke(m.username))
                        .call(m -> members.delete(m).call(members::flush))
                        // The identity provider last: a removal Myriad refuses leaves the account as it was. (A
                        // commit failing after it leaves the account out and the member listed; removing it again
                        // finishes the removal.)
                        .call(m -> tenants.findById(tenant).map((Tenant t) -> t.slug)
                                .chain(slug -> directory.removeMember(slug, m.username)))))
                .replaceWithVoid();
    }

    private Uni<Member> member(UUID tenant, UUID memberId) {
        return members.find(tenant, memberId).map(m -> {
            if (m == null) {
                throw new MyriadProblem.NotFound(ProblemCode.MEMBER_NOT_FOUND, "No member " + memberId);
            }
            return m;
        });
    }

    /** Fails if taking tenant-admin away from {@code m} would leave the tenant without one. */
    private Uni<Void> keepsAnAdmin(UUID tenant, Member m) {
        if (!m.roleSet().contains(Caller.TENANT_ADMIN)) {
            return Uni.createFrom().voidItem();
        }
        return members.all(tenant).map(all -> {
            long otherAdmins = all.stream()
                    .filter(o -> !o.id.equals(m.id) && o.roleSet().contains(Caller.TENANT_ADMIN)).count();
            if (otherAdmins == 0) {
                throw new MyriadProblem.Conflict(ProblemCode.LAST_TENANT_ADMIN,
                        "This is the tenant's last tenant-admin; make another member tenant-admin first");
            }
            return null;
        });
    }

    static Set<String> tenantRoles(Set<String> requested) {
        Set<String> roles = new TreeSet<>(requested);
        for (String r : roles) {
            if (!Caller.TENANT_ROLES.contains(r)) {
                throw new MyriadProblem.Validation(ProblemCode.UNKNOWN_ROLE, "Unknown tenant role '" + r + "'; use "
                        + new TreeSet<>(Caller.TENANT_ROLES),
                        java.util.List.of(MyriadProblem.Violation.field("roles", "unknown role " + r)));
            }
        }
        return roles;
    }
}

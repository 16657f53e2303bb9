package city.myriad.tenancy.identity;

import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jboss.logging.Logger;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.ClientResource;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.admin.client.resource.UserResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.GroupRepresentation;
import org.keycloak.representations.idm.ProtocolMapperRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

/**
 * Provisions tenants and members in Keycloak through its admin API: a group {@code tenant-<slug>} per tenant,
 * and per member a user with the attribute {@code tenant=<slug>} (mapped into the token's {@code tenant} claim)
 * and the tenant's realm roles; per API client a confidential client whose service account is bound the same way. The admin client is blocking, so every call runs on a worker thread.
 */
public class KeycloakDirectory implements IdentityDirectory {

    private static final Logger LOG = Logger.getLogger(KeycloakDirectory.class);

    static final String TENANT = "tenant";
    /** Marks the accounts tenant routes may touch: {@code tenant} on every account made for a member. */
    static final String ACCOUNT_KIND = "myriad-account";
    static final int INVITATION_LIFESPAN_S = 72 * 3600;
    /** Marks the clients Myriad made for a tenant, with its slug: the only clients tenant routes may touch. */
    static final String API_CLIENT_TENANT = "myriad.tenant";

    private final Keycloak keycloak;
    private final String realm;
    private final boolean invitations;

    public KeycloakDirectory(Keycloak keycloak, String realm, boolean invitations) {
        this.keycloak = keycloak;
        this.realm = realm;
        this.invitations = invitations;
    }

    @Override
    public Uni<String> provisionTenant(String tenantSlug, String tenantName) {
        return blocking("create the tenant group", () -> groupId(tenantSlug, tenantName));
    }

    @Override
    public Uni<String> provisionMember(String tenantSlug, NewIdentity identity, Set<String> roles) {
        return blocking("create the member", () -> {
            RealmResource r = keycloak.realm(realm);
            UserRepresentation existing = existingUser(identity.username());
            String userId;
            if (existing == null) {
                UserRepresentation u = new UserRepresentation();
                u.setUsername(identity.username());
                describe(u, tenantSlug, identity);
                try (Response created = r.users().create(u)) {
                    if (created.getStatus() == 409) {
                        // The user name was free a moment ago, so the email is taken (or the name just was):
                        // say so without saying by whom.
                        throw emailTaken();
                    }
                    if (created.getStatus() != 201) {
                        throw new MyriadProblem.Upstream(ProblemCode.IDENTITY_PROVIDER_FAILED,
                                "The identity provider refused the new account; nothing was changed, retry later");
                    }
                }
                userId = existingUser(identity.username()).getId();
            } else {
                UserResource user = r.users().get(existing.getId());
                if (!adoptable(user, existing, tenantSlug)) {
                    throw usernameTaken(identity.username());
                }
                // A clean start: the old password, sessions and other tenants' groups go; the account is enabled
                // again with this tenant's details only.
                user.credentials().forEach(c -> user.removeCredential(c.getId()));
                user.logout();
                leaveTenantGroups(user, null);
                describe(existing, tenantSlug, identity);
                try {
                    user.update(existing);
                } catch (WebApplicationException e) {
                    if (e.getResponse().getStatus() == 409) {
                        throw emailTaken();
                    }
                    throw e;
                }
                userId = existing.getId();
            }
            UserResource user = r.users().get(userId);
            user.joinGroup(groupId(tenantSlug, tenantSlug));
            replaceRoles(user, roles);
            invite(user, identity.username());
            return userId;
        });
    }

    @Override
    public Uni<String> linkMember(String tenantSlug, String username, Set<String> roles) {
        return blocking("link the member", () -> {
            UserRepresentation u = existingUser(username);
            if (u == null || !belongsTo(u, tenantSlug)) {
                throw new MyriadProblem.Conflict(ProblemCode.USERNAME_TAKEN, "The identity provider holds no account '"
                        + username + "' of this tenant to link; add the member instead, which creates the account");
            }
            UserResource user = keycloak.realm(realm).users().get(u.getId());
            user.joinGroup(groupId(tenantSlug, tenantSlug));
            replaceRoles(user, roles);
            return u.getId();
        });
    }

    @Override
    public Uni<Void> assignRoles(String tenantSlug, String username, Set<String> roles) {
        return blocking("change the member's roles", () -> {
            UserRepresentation u = existingUser(username);
            if (u != null && belongsTo(u, tenantSlug)) {
                replaceRoles(keycloak.realm(realm).users().get(u.getId()), roles);
            } else {
                LOG.warnf("Member %s of tenant %s has no tenant account of that tenant in Keycloak; roles not changed",
                        username, tenantSlug);
            }
            return null;
        });
    }

    @Override
    public Uni<Void> removeMember(String tenantSlug, String username) {
        return blocking("remove the member", () -> {
            UserRepresentation u = existingUser(username);
            if (u == null || !belongsTo(u, tenantSlug)) {
                LOG.warnf("Member %s of tenant %s has no tenant account of that tenant in Keycloak; nothing changed "
                        + "there", username, tenantSlug);
                return null;
            }
            takeOut(keycloak.realm(realm).users().get(u.getId()), u);
            return null;
        });
    }

    @Override
    public Uni<Void> discardMember(String tenantSlug, String username) {
        return blocking("take back the account of a member not added", () -> {
            UserRepresentation u = existingUser(username);
            if (u == null || !belongsTo(u, tenantSlug)) {
                return null;  // never made, or not this tenant's: nothing of this request's to undo
            }
            UserResource user = keycloak.realm(realm).users().get(u.getId());
            if (adoptable(user, u, tenantSlug)) {
                takeOut(user, u);
                LOG.infof("Took back account %s of tenant %s: its member was not added", username, tenantSlug);
            }
            return null;
        });
    }

    /** The account leaves the tenant: no tenant roles, groups or attribute, disabled, its sessions ended. */
    private void takeOut(UserResource user, UserRepresentation u) {
        replaceRoles(user, Set.of());
        leaveTenantGroups(user, null);
        Map<String, List<String>> attributes = new HashMap<>(u.getAttributes());
        attributes.remove(TENANT);
        u.setAttributes(attributes);
        u.setEnabled(false);
        user.update(u);
        user.logout();
    }

    @Override
    public Uni<IssuedClient> createApiClient(String tenantSlug, String clientId, String name, Set<String> roles) {
        return blocking("create the API client", () -> {
            RealmResource r = keycloak.realm(realm);
            ClientRepresentation c = new ClientRepresentation();
            c.setClientId(clientId);
            c.setName(name);
            c.setDescription("API client of tenant " + tenantSlug + " (client credentials), made through Myriad");
            c.setEnabled(true);
            c.setPublicClient(false);
            c.setStandardFlowEnabled(false);
            c.setImplicitFlowEnabled(false);
            c.setDirectAccessGrantsEnabled(false);
            c.setServiceAccountsEnabled(true);
            c.setClientAuthenticatorType("client-secret");
            c.setProtocol("openid-connect");
            c.setAttributes(Map.of(API_CLIENT_TENANT, tenantSlug));
            c.setProtocolMappers(List.of(tenantClaim(), audience()));
            try (Response created = r.clients().create(c)) {
                if (created.getStatus() != 201) {
                    throw new MyriadProblem.Upstream(ProblemCode.IDENTITY_PROVIDER_FAILED, "The identity provider "
                            + "refused the new API client (HTTP " + created.getStatus() + "); nothing was changed");
                }
            }
            String id = r.clients().findByClientId(clientId).get(0).getId();
            ClientResource client = r.clients().get(id);
            UserRepresentation account = client.getServiceAccountUser();
            account.setAttributes(Map.of(TENANT, List.of(tenantSlug)));
            UserResource user = r.users().get(account.getId());
            user.update(account);
            user.joinGroup(groupId(tenantSlug, tenantSlug));
            replaceRoles(user, roles);
            // Keycloak gives a new service account the realm's default roles (offline_access, ...): its tokens carry
            // only the tenant roles it was given, like the members'.
            List<RoleRepresentation> defaults = user.roles().realmLevel().listAll().stream()
                    .filter(role -> role.getName().startsWith("default-roles-")).toList();
            if (!defaults.isEmpty()) {
                user.roles().realmLevel().remove(defaults);
            }
            return new IssuedClient(id, client.getSecret().getValue());
        });
    }

    @Override
    public Uni<String> rotateApiClientSecret(String tenantSlug, String providerId) {
        return blocking("issue a new secret", () -> apiClient(tenantSlug, providerId).generateNewSecret().getValue());
    }

    @Override
    public Uni<Void> deleteApiClient(String tenantSlug, String providerId) {
        return blocking("delete the API client", () -> {
            try {
                apiClient(tenantSlug, providerId).remove();
            } catch (jakarta.ws.rs.NotFoundException gone) {
                // Deleted already (a retry after a lost answer): the client is gone either way.
            }
            return null;
        });
    }

    @Override
    public Uni<Void> discardApiClient(String tenantSlug, String clientId) {
        return blocking("delete an API client not made", () -> {
            for (ClientRepresentation c : keycloak.realm(realm).clients().findByClientId(clientId)) {
                Map<String, String> attributes = c.getAttributes();
                if (attributes != null && tenantSlug.equals(attributes.get(API_CLIENT_TENANT))) {
                    keycloak.realm(realm).clients().get(c.getId()).remove();
                    LOG.infof("Deleted API client %s of tenant %s: its row was not written", clientId, tenantSlug);
                }
            }
            return null;
        });
    }

    /**
     * The provider's client, only if Myriad made it for this very tenant: a tenant route never touches another
     * client of the realm (the portal, the API, another tenant's).
     */
    private ClientResource apiClient(String tenantSlug, String providerId) {
        ClientResource client = keycloak.realm(realm).clients().get(providerId);
        Map<String, String> attributes = client.toRepresentation().getAttributes();
        if (attributes == null || !tenantSlug.equals(attributes.get(API_CLIENT_TENANT))) {
            throw new MyriadProblem.Upstream(ProblemCode.IDENTITY_PROVIDER_FAILED,
                    "The identity provider's client is not this tenant's; nothing was changed");
        }
        return client;
    }

    /** The service account's {@code tenant} attribute as the token's {@code tenant} claim. */
    private static ProtocolMapperRepresentation tenantClaim() {
        ProtocolMapperRepresentation m = new ProtocolMapperRepresentation();
        m.setName("tenant");
        m.setProtocol("openid-connect");
        m.setProtocolMapper("oidc-usermodel-attribute-mapper");
        m.setConfig(Map.of("user.attribute", TENANT, "claim.name", TENANT, "jsonType.label", "String",
                "access.token.claim", "true", "id.token.claim", "false", "userinfo.token.claim", "false",
                "introspection.token.claim", "true", "multivalued", "false"));
        return m;
    }

    /** The API's audience in the access token: the service accepts only tokens meant for it. */
    private static ProtocolMapperRepresentation audience() {
        ProtocolMapperRepresentation m = new ProtocolMapperRepresentation();
        m.setName("audience-myriad-api");
        m.setProtocol("openid-connect");
        m.setProtocolMapper("oidc-audience-mapper");
        m.setConfig(Map.of("included.client.audience", "myriad-api", "access.token.claim", "true",
                "id.token.claim", "false", "introspection.token.claim", "true"));
        return m;
    }

    /**
     * The adoption rule: an existing account may become a member of this tenant only when it is a tenant account
     * (made by Myriad for a member, {@code myriad-account=tenant}) that belongs to no tenant now or already to
     * this one, and is no service account and holds no platform or operator role. Everything else (platform
     * admins, operators, service accounts, other tenants' members, accounts made in Keycloak by hand) is refused.
     */
    static boolean adoptable(UserResource user, UserRepresentation u, String tenantSlug) {
        if (!isTenantAccount(u) || u.getServiceAccountClientId() != null
                || u.getUsername().startsWith("service-account-")) {
            return false;
        }
        List<String> tenant = attribute(u, TENANT);
        if (!tenant.isEmpty() && !tenant.equals(List.of(tenantSlug))) {
            return false;
        }
        if (!attribute(u, "operator").isEmpty()) {
            return false;
        }
        return user.roles().realmLevel().listEffective().stream().map(RoleRepresentation::getName)
                .noneMatch(role -> role.equals(Caller.PLATFORM_ADMIN) || role.equals(Caller.OPERATOR));
    }

    /** A tenant route may change an account only if it is a tenant account of that very tenant. */
    static boolean belongsTo(UserRepresentation u, String tenantSlug) {
        return isTenantAccount(u) && attribute(u, TENANT).equals(List.of(tenantSlug))
                && u.getServiceAccountClientId() == null;
    }

    private static boolean isTenantAccount(UserRepresentation u) {
        return attribute(u, ACCOUNT_KIND).equals(List.of("tenant"));
    }

    private static List<String> attribute(UserRepresentation u, String name) {
        List<String> values = u.getAttributes() == null ? null : u.getAttributes().get(name);
        return values == null ? List.of() : values;
    }

    /** The account's details as this tenant gives them; it must set a password before it can log in. */
    private static void describe(UserRepresentation u, String tenantSlug, NewIdentity identity) {
        u.setEmail(identity.email());
        u.setFirstName(identity.firstName() == null ? identity.username() : identity.firstName());
        u.setLastName(identity.lastName() == null ? tenantSlug : identity.lastName());
        u.setEnabled(true);
        u.setEmailVerified(false);
        u.setAttributes(Map.of(TENANT, List.of(tenantSlug), ACCOUNT_KIND, List.of("tenant")));
        u.setRequiredActions(List.of("UPDATE_PASSWORD", "VERIFY_EMAIL"));
    }

    /** Leaves every tenant group but {@code keep}'s (null: all of them). */
    private static void leaveTenantGroups(UserResource user, String keep) {
        for (GroupRepresentation g : user.groups()) {
            if (g.getName().startsWith("tenant-") && !g.getName().equals(keep)) {
                user.leaveGroup(g.getId());
            }
        }
    }

    /**
     * Sends the invitation: Keycloak's own email with a link to set a password and verify the address. A realm
     * without mail settings (the dev realm) cannot send it; the member is created all the same and a tenant or
     * platform admin sets a temporary password in Keycloak instead (docs/tenancy.md).
     */
    private void invite(UserResource user, String username) {
        if (!invitations) {
            return;
        }
        try {
            user.executeActionsEmail(List.of("UPDATE_PASSWORD", "VERIFY_EMAIL"), INVITATION_LIFESPAN_S);
        } catch (WebApplicationException e) {
            LOG.warnf("No invitation email for %s (Keycloak answered HTTP %d: is the realm's SMTP server set?); "
                    + "the account waits for a password set by an admin", username, e.getResponse().getStatus());
        }
    }

    private static MyriadProblem.Conflict usernameTaken(String username) {
        return new MyriadProblem.Conflict(ProblemCode.USERNAME_TAKEN,
                "User name '" + username + "' is not available for a new member; choose another");
    }

    private static MyriadProblem.Conflict emailTaken() {
        return new MyriadProblem.Conflict(ProblemCode.EMAIL_TAKEN,
                "This email address cannot be used for a new member; use another");
    }

    private String groupId(String tenantSlug, String tenantName) {
        RealmResource r = keycloak.realm(realm);
        String name = "tenant-" + tenantSlug;
        List<GroupRepresentation> found = r.groups().groups(name, true, 0, 1, true);
        if (!found.isEmpty()) {
            return found.get(0).getId();
        }
        GroupRepresentation g = new GroupRepresentation();
        g.setName(name);
        g.setAttributes(Map.of("tenant", List.of(tenantSlug), "tenant-name", List.of(tenantName)));
        try (Response created = r.groups().add(g)) {
            if (created.getStatus() != 201 && created.getStatus() != 409) {
                throw new MyriadProblem.Upstream(ProblemCode.IDENTITY_PROVIDER_FAILED,
                        "Keycloak refused the tenant group (HTTP " + created.getStatus() + ")");
            }
        }
        return r.groups().groups(name, true, 0, 1, true).get(0).getId();
    }

    private UserRepresentation existingUser(String username) {
        List<UserRepresentation> users = keycloak.realm(realm).users().search(username, true);
        return users.isEmpty() ? null : users.get(0);
    }

    private void replaceRoles(UserResource user, Set<String> roles) {
        List<RoleRepresentation> current = user.roles().realmLevel().listAll().stream()
                .filter(role -> Caller.TENANT_ROLES.contains(role.getName())).toList();
        if (!current.isEmpty()) {
            user.roles().realmLevel().remove(current);
        }
        if (!roles.isEmpty()) {
            List<RoleRepresentation> wanted = roles.stream()
                    .map(role -> keycloak.realm(realm).roles().get(role).toRepresentation()).toList();
            user.roles().realmLevel().add(wanted);
        }
    }

    /**
     * Runs a blocking admin call on a worker thread and comes back to the caller's Vert.x context: the reactive
     * Hibernate session of the surrounding transaction may only be used from the thread that opened it.
     */
    private static <T> Uni<T> blocking(String what, Callable<T> call) {
        return city.myriad.platform.db.Blocking.offload(() -> {
            try {
                return call.call();
            } catch (MyriadProblem p) {
                throw p;
            } catch (WebApplicationException e) {
                LOG.warnf("Keycloak failed to %s: HTTP %d", what, e.getResponse().getStatus());
                throw new MyriadProblem.Upstream(ProblemCode.IDENTITY_PROVIDER_FAILED,
                        "The identity provider failed to " + what + "; nothing was changed, retry later");
            } catch (Exception e) {
                LOG.warnf("Keycloak failed to %s: %s", what, e.toString());
                throw new MyriadProblem.Upstream(ProblemCode.IDENTITY_PROVIDER_FAILED,
                        "The identity provider is unreachable; nothing was changed, retry later");
            }
        });
    }

}

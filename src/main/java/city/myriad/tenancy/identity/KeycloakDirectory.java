package city.myriad.tenancy.identity;

import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.security.Caller;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jboss.logging.Logger;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.admin.client.resource.UserResource;
import org.keycloak.representations.idm.GroupRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

/**
 * Provisions tenants and members in Keycloak through its admin API: a group {@code tenant-<slug>} per tenant,
 * and per member a user with the attribute {@code tenant=<slug>} (mapped into the token's {@code tenant} claim)
 * and the tenant's realm roles. The admin client is blocking, so every call runs on a worker thread.
 */
public class KeycloakDirectory implements IdentityDirectory {

    private static final Logger LOG = Logger.getLogger(KeycloakDirectory.class);

    private final Keycloak keycloak;
    private final String realm;

    public KeycloakDirectory(Keycloak keycloak, String realm) {
        this.keycloak = keycloak;
        this.realm = realm;
    }

    @Override
    public Uni<String> provisionTenant(String tenantSlug, String tenantName) {
        return blocking("create the tenant group", () -> groupId(tenantSlug, tenantName));
    }

    @Override
    public Uni<String> provisionMember(String tenantSlug, NewIdentity identity, Set<String> roles) {
        return blocking("create the member", () -> {
            RealmResource r = keycloak.realm(realm);
            String userId = existingUser(identity.username());
            if (userId == null) {
                UserRepresentation u = new UserRepresentation();
                u.setUsername(identity.username());
                u.setEmail(identity.email());
                u.setFirstName(identity.firstName() == null ? identity.username() : identity.firstName());
                u.setLastName(identity.lastName() == null ? tenantSlug : identity.lastName());
                u.setEnabled(true);
                u.setEmailVerified(true);
                u.setAttributes(Map.of("tenant", List.of(tenantSlug)));
                try (Response created = r.users().create(u)) {
                    if (created.getStatus() != 201) {
                        throw new MyriadProblem.Upstream("IDENTITY_PROVIDER_FAILED",
                                "Keycloak refused the new user (HTTP " + created.getStatus() + ")");
                    }
                }
                userId = existingUser(identity.username());
            } else {
                UserRepresentation u = r.users().get(userId).toRepresentation();
                List<String> tenant = u.getAttributes() == null ? null : u.getAttributes().get("tenant");
                if (tenant != null && !tenant.isEmpty() && !tenant.contains(tenantSlug)) {
                    throw new MyriadProblem.Conflict("USERNAME_TAKEN",
                            "User name '" + identity.username() + "' is already in use");
                }
            }
            UserResource user = r.users().get(userId);
            user.joinGroup(groupId(tenantSlug, tenantSlug));
            replaceRoles(user, roles);
            return userId;
        });
    }

    @Override
    public Uni<Void> assignRoles(String tenantSlug, String username, Set<String> roles) {
        return blocking("change the member's roles", () -> {
            String userId = existingUser(username);
            if (userId != null) {
                replaceRoles(keycloak.realm(realm).users().get(userId), roles);
            }
            return null;
        });
    }

    @Override
    public Uni<Void> removeMember(String tenantSlug, String username) {
        return blocking("remove the member", () -> {
            String userId = existingUser(username);
            if (userId != null) {
                UserResource user = keycloak.realm(realm).users().get(userId);
                replaceRoles(user, Set.of());
                UserRepresentation u = user.toRepresentation();
                u.setEnabled(false);
                u.setAttributes(Map.of());
                user.update(u);
            }
            return null;
        });
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
                throw new MyriadProblem.Upstream("IDENTITY_PROVIDER_FAILED",
                        "Keycloak refused the tenant group (HTTP " + created.getStatus() + ")");
            }
        }
        return r.groups().groups(name, true, 0, 1, true).get(0).getId();
    }

    private String existingUser(String username) {
        List<UserRepresentation> users = keycloak.realm(realm).users().search(username, true);
        return users.isEmpty() ? null : users.get(0).getId();
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
        io.vertx.core.Context caller = io.vertx.core.Vertx.currentContext();
        Uni<T> result = Uni.createFrom().item(() -> {
            try {
                return call.call();
            } catch (MyriadProblem p) {
                throw p;
            } catch (WebApplicationException e) {
                LOG.warnf("Keycloak failed to %s: HTTP %d", what, e.getResponse().getStatus());
                throw new MyriadProblem.Upstream("IDENTITY_PROVIDER_FAILED",
                        "The identity provider failed to " + what + "; nothing was changed, retry later");
            } catch (Exception e) {
                LOG.warnf("Keycloak failed to %s: %s", what, e.toString());
                throw new MyriadProblem.Upstream("IDENTITY_PROVIDER_FAILED",
                        "The identity provider is unreachable; nothing was changed, retry later");
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return caller == null ? result : result.emitOn(task -> caller.runOnContext(ignored -> task.run()));
    }
}

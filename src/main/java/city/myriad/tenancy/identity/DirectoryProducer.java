package city.myriad.tenancy.identity;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import java.util.Set;
import org.jboss.logging.Logger;
import org.keycloak.admin.client.Keycloak;

/**
 * Chooses the identity directory: Keycloak when {@code myriad.identity.provisioning.enabled} (dev, prod, the
 * end-to-end tests), or none, for the in-process tests whose OIDC server is not a Keycloak. With none, tenancy
 * rows are written and the accounts must be created in the identity provider by hand.
 */
@ApplicationScoped
public class DirectoryProducer {

    private static final Logger LOG = Logger.getLogger(DirectoryProducer.class);

    @Produces
    @ApplicationScoped
    IdentityDirectory directory(IdentityConfig config, Instance<Keycloak> keycloak) {
        if (config.provisioning().enabled()) {
            return new KeycloakDirectory(keycloak.get(), config.realm(), config.provisioning().invitations());
        }
        LOG.warn("Identity provisioning is off (myriad.identity.provisioning.enabled=false): tenants and members"
                + " are not created in Keycloak");
        return new NotProvisioned();
    }

    /** Provisions nothing; returns no provider ids. */
    static final class NotProvisioned implements IdentityDirectory {
        public Uni<String> provisionTenant(String tenantSlug, String tenantName) {
            return Uni.createFrom().nullItem();
        }

        public Uni<String> provisionMember(String tenantSlug, NewIdentity identity, Set<String> roles) {
            return Uni.createFrom().nullItem();
        }

        public Uni<String> linkMember(String tenantSlug, String username, Set<String> roles) {
            return Uni.createFrom().nullItem();
        }

        public Uni<Void> assignRoles(String tenantSlug, String username, Set<String> roles) {
            return Uni.createFrom().voidItem();
        }

        public Uni<Void> removeMember(String tenantSlug, String username) {
            return Uni.createFrom().voidItem();
        }

        @Override
        public boolean provisions() {
            return false;
        }

        public Uni<IssuedClient> createApiClient(String tenantSlug, String clientId, String name, Set<String> roles) {
            return Uni.createFrom().failure(new IllegalStateException("identity provisioning is off"));
        }

        public Uni<String> rotateApiClientSecret(String tenantSlug, String providerId) {
            return Uni.createFrom().failure(new IllegalStateException("identity provisioning is off"));
        }

        public Uni<Void> deleteApiClient(String tenantSlug, String providerId) {
            return Uni.createFrom().voidItem();  // nothing was made in the provider
        }

        public Uni<Void> discardMember(String tenantSlug, String username) {
            return Uni.createFrom().voidItem();
        }

        public Uni<Void> discardApiClient(String tenantSlug, String clientId) {
            return Uni.createFrom().voidItem();
        }
    }
}

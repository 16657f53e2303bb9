package city.myriad.tenancy.identity;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How tenancy reaches the identity provider. The admin client itself is {@code quarkus.keycloak.admin-client.*}. */
@ConfigMapping(prefix = "myriad.identity")
public interface IdentityConfig {

    /** The Keycloak realm tenants and members are provisioned in. Default {@code myriad}. */
    @WithDefault("myriad")
    String realm();

    Provisioning provisioning();

    interface Provisioning {
        /**
         * Create tenant groups and member accounts in Keycloak as tenancy changes. Default {@code true}; off only in
         * the in-process tests, whose OIDC server is not a Keycloak.
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * Send a new member Keycloak's invitation email (set a password, verify the address; the link lasts 72 h).
         * Default {@code true}; it needs the realm's SMTP settings. Without them the member is created and the
         * failure to send is logged as a WARN.
         */
        @WithDefault("true")
        boolean invitations();
    }
}

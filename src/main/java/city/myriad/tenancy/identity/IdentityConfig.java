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

    /**
     * The token endpoint an API client is told to use (the client-credentials grant): the realm's, as tenants reach
     * it. Default: the OIDC server's URL this service verifies tokens against, plus the OpenID Connect token path.
     */
    @WithDefault("${quarkus.oidc.auth-server-url}/protocol/openid-connect/token")
    String tokenUrl();

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

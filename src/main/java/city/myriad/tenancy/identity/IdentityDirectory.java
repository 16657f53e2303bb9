package city.myriad.tenancy.identity;

import io.smallrye.mutiny.Uni;
import java.util.Set;

/**
 * The identity provider as tenancy sees it: where tenants and their members are provisioned so that their
 * tokens carry the tenant and the roles. Calls are idempotent: provisioning something that exists succeeds.
 * Failures surface as {@code MyriadProblem.Upstream}, and the tenancy write that asked for them rolls back.
 */
public interface IdentityDirectory {

    /** Creates the tenant's group; returns the provider's id for it. */
    Uni<String> provisionTenant(String tenantSlug, String tenantName);

    /** Creates the member's account bound to the tenant with these roles; returns the provider's user id. */
    Uni<String> provisionMember(String tenantSlug, NewIdentity identity, Set<String> roles);

    /**
     * Binds an account the provider already holds for this tenant (a tenant account carrying this tenant, as an
     * imported realm or a directory synchronised from the tenant's own gives it) with these roles, and leaves its
     * password, sessions and details as they are; returns the provider's user id. Any other account is refused.
     */
    Uni<String> linkMember(String tenantSlug, String username, Set<String> roles);

    /** Replaces the member's tenant roles. */
    Uni<Void> assignRoles(String tenantSlug, String username, Set<String> roles);

    /** Takes the member out of the tenant: the account is disabled and loses its tenant and roles. */
    Uni<Void> removeMember(String tenantSlug, String username);

    /**
     * Undoes a {@link #provisionMember} whose member row was not committed (or that failed half-way): the account is
     * taken out of the tenant as {@link #removeMember} does, but only if it is one that provisioning may have made or
     * adopted for this tenant; any other account (another tenant's, an operator's, a platform admin's, a service
     * account) is left alone. Without it, the account would carry the tenant and its roles with no member the
     * tenant's admins could see or remove.
     */
    Uni<Void> discardMember(String tenantSlug, String username);

    /**
     * Whether this directory provisions anything: without it, tenancy rows are written and the accounts are made in
     * the identity provider by hand, and API clients (whose secret only the provider can issue) cannot be made.
     */
    default boolean provisions() {
        return true;
    }

    /**
     * Creates a confidential client of the tenant for the client-credentials grant, named {@code clientId}: its
     * service account carries the tenant and these roles, and its tokens the API's audience. Returns the provider's
     * id for it and the secret it issued (shown once, never stored here).
     */
    Uni<IssuedClient> createApiClient(String tenantSlug, String clientId, String name, Set<String> roles);

    /** Issues the client a new secret; the one before stops working at once. */
    Uni<String> rotateApiClientSecret(String tenantSlug, String providerId);

    /** Deletes the client and its service account: no new token is issued to it. */
    Uni<Void> deleteApiClient(String tenantSlug, String providerId);

    /**
     * Undoes a {@link #createApiClient} whose row was not committed (or that failed half-way), found by the
     * {@code clientId} Myriad chose: deleted if the provider holds it and it was made for this tenant, else nothing.
     */
    Uni<Void> discardApiClient(String tenantSlug, String clientId);

    /** A client the provider made: its id there, and its secret. */
    record IssuedClient(String providerId, String secret) {}

    /** A new account: the provider sends the person a link to set a password; none is chosen here. */
    record NewIdentity(String username, String email, String firstName, String lastName) {}
}

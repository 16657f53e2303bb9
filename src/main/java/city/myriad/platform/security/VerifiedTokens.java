package city.myriad.platform.security;

import io.quarkus.oidc.runtime.OidcIdentityProvider;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Bearer tokens that Quarkus OIDC verified a moment ago, so that a client sending the same access token on every
 * call (as API clients do for the token's life) pays for its signature check once, not on every request.
 *
 * <p>Rules (docs/design/verified-token-cache.md):
 * <ul>
 *   <li>Only what OIDC verified is kept: a token it refused is asked again every time, and still refused.</li>
 *   <li>An entry is never used at or after the token's {@code exp}, and at most {@code ttl} after it was
 *       verified, which bounds how long a signing key that the issuer withdrew stays trusted here.</li>
 *   <li>What belongs to a request (its routing context, its blocking executor) is never kept: each answer is the
 *       verified identity with the current request's attached again.</li>
 *   <li>Bounded: past {@code maxEntries} the whole cache is dropped (one entry per live token).</li>
 * </ul>
 * Tried before OIDC's own provider (a higher {@link #priority()}); it delegates to it on a miss. Either way a token
 * issued before its holder's access changed is refused ({@link TokenRevocations}).
 */
@ApplicationScoped
public class VerifiedTokens implements IdentityProvider<TokenAuthenticationRequest> {

    /** What was verified, and the instant (epoch millis) after which it must be verified again. */
    private record Verified(SecurityIdentity identity, long usableUntilMillis) {}

    private static final String ROUTING_CONTEXT = RoutingContext.class.getName();
    private static final String BLOCKING_CONTEXT = AuthenticationRequestContext.class.getName();

    /**
     * OIDC checks {@code exp} against the system clock, so this does too: not the service's {@code Clock} bean,
     * which tests and simulations may move.
     */
    private final Clock clock = Clock.systemUTC();
    private final OidcIdentityProvider oidc;
    private final long ttlMillis;
    private final int maxEntries;
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    /** A token issued before its holder's access changed ({@link TokenRevocations}): refused as such (401). */
    public static final class Revoked extends RuntimeException {
        Revoked() {
            super("The token was issued before its holder's access changed", null, false, false);
        }
    }

    private final TokenRevocations revocations;

    VerifiedTokens(OidcIdentityProvider oidc, TokenRevocations revocations,
            @ConfigProperty(name = "myriad.security.verified-token-ttl", defaultValue = "PT60S") Duration ttl,
            @ConfigProperty(name = "myriad.security.verified-token-max-entries", defaultValue = "4096")
            int maxEntries) {
        this.oidc = oidc;
        this.revocations = revocations;
        this.ttlMillis = ttl.toMillis();
        this.maxEntries = maxEntries;
    }

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    /** Before OIDC's provider (which keeps the default). */
    @Override
    public int priority() {
        return IdentityProvider.super.priority() + 1;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request, AuthenticationRequestContext context) {
        String token = request.getToken().getToken();
        long now = clock.millis();
        Verified hit = token == null ? null : verified.get(token);
        if (hit != null) {
            if (now < hit.usableUntilMillis()) {
                RoutingContext current = HttpSecurityUtils.getRoutingContextAttribute(request);
                return Uni.createFrom().item(() -> forRequest(notRevoked(hit.identity()), current));
            }
            verified.remove(token, hit);
        }
        return oidc.authenticate(request, context).invoke(identity -> remember(token, identity, now))
                .map(this::notRevoked);
    }

    /** The identity, unless its token was issued before its holder's access changed: then 401. */
    private SecurityIdentity notRevoked(SecurityIdentity identity) {
        if (identity != null && !identity.isAnonymous() && identity.getPrincipal() instanceof JsonWebToken jwt) {
            String username = jwt.containsClaim("preferred_username") ? jwt.getClaim("preferred_username")
                    : jwt.getName();
            if (username != null && revocations.revoked(username, jwt.getIssuedAtTime())) {
                throw new io.quarkus.security.AuthenticationFailedException(new Revoked());
            }
        }
        return identity;
    }

    private void remember(String token, SecurityIdentity identity, long verifiedAt) {
        if (token == null || identity == null || identity.isAnonymous()
                || !(identity.getPrincipal() instanceof JsonWebToken jwt) || jwt.getExpirationTime() <= 0) {
            return;
        }
        long until = Math.min(jwt.getExpirationTime() * 1000, verifiedAt + ttlMillis);
        if (until <= verifiedAt) {
            return;
        }
        if (verified.size() >= maxEntries) {
            verified.clear();
        }
        verified.put(token, new Verified(identity, until));
    }

    /** The verified identity, with this request's routing context and blocking executor instead of the first's. */
    private static SecurityIdentity forRequest(SecurityIdentity identity, RoutingContext request) {
        QuarkusSecurityIdentity.Builder b = QuarkusSecurityIdentity.builder(identity);
        b.addAttribute(ROUTING_CONTEXT, request);
        b.addAttribute(BLOCKING_CONTEXT, request == null ? null : request.get(BLOCKING_CONTEXT));
        return b.build();
    }

    /** Whether {@code token} is remembered as verified and still usable now. */
    public boolean isRemembered(String token) {
        Verified v = verified.get(token);
        return v != null && clock.millis() < v.usableUntilMillis();
    }
}

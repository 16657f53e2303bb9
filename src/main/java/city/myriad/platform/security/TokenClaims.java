package city.myriad.platform.security;

import io.quarkus.oidc.runtime.OidcJwtCallerPrincipal;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Myriad's own claims of a verified token ({@code tenant}, {@code operator}), read without
 * {@link JsonWebToken#getClaim(String)}: SmallRye JWT looks every claim name up in the standard {@code Claims} enum
 * first, and for a name that is not there it builds and drops an {@code IllegalArgumentException} with its stack
 * trace, on every call (four a request: 5% of the service's allocations at 1,000 submissions/s). The token that
 * Quarkus OIDC verified keeps its claims as parsed; those are read directly.
 */
final class TokenClaims {

    private TokenClaims() {}

    /** The claim's value as the token carries it (a JSON string as a plain string), or null. */
    static Object custom(JsonWebToken jwt, String name) {
        if (jwt instanceof OidcJwtCallerPrincipal oidc) {
            return oidc.getClaims().getClaimValue(name);
        }
        return jwt.getClaim(name);
    }
}

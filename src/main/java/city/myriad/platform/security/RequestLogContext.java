package city.myriad.platform.security;

import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Puts who is calling into the structured log context of the request ({@code subject}, {@code tenant},
 * {@code operator}), so that every log line of a request can be traced to its caller. Never the token itself.
 * A request whose token does not verify carries nothing here; the security layer answers it.
 */
public class RequestLogContext {

    private final CurrentIdentityAssociation identities;

    RequestLogContext(CurrentIdentityAssociation identities) {
        this.identities = identities;
    }

    @ServerRequestFilter
    public Uni<Void> enter() {
        return identities.getDeferredIdentity()
                .invoke(identity -> {
                    if (!identity.isAnonymous() && identity.getPrincipal() instanceof JsonWebToken jwt) {
                        MDC.put("subject", String.valueOf(jwt.getSubject()));
                        put("tenant", TokenClaims.custom(jwt, "tenant"));
                        put("operator", TokenClaims.custom(jwt, "operator"));
                    }
                })
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    @ServerResponseFilter
    public void leave() {
        MDC.remove("subject");
        MDC.remove("tenant");
        MDC.remove("operator");
    }

    private static void put(String key, Object value) {
        if (value != null) {
            MDC.put(key, value.toString());
        }
    }
}

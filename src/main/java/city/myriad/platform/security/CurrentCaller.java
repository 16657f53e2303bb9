package city.myriad.platform.security;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** The {@link Caller} of the current request, built once from the verified token. */
@RequestScoped
public class CurrentCaller {

    private final SecurityIdentity identity;

    private Caller caller;

    CurrentCaller(SecurityIdentity identity) {
        this.identity = identity;
    }

    /** The caller; 401 for an anonymous request. */
    public Caller get() {
        if (caller == null) {
            caller = build();
        }
        return caller;
    }

    private Caller build() {
        return of(identity);
    }

    /** The caller an identity stands for; 401 if it is anonymous. */
    public static Caller of(SecurityIdentity identity) {
        if (identity.isAnonymous()) {
            throw new io.quarkus.security.UnauthorizedException();
        }
        String subject = identity.getPrincipal().getName();
        String username = subject;
        Optional<String> tenant = Optional.empty();
        Optional<String> operator = Optional.empty();
        if (identity.getPrincipal() instanceof JsonWebToken jwt) {
            subject = jwt.getSubject() != null ? jwt.getSubject() : subject;
            username = jwt.containsClaim("preferred_username") ? jwt.getClaim("preferred_username") : jwt.getName();
            tenant = claim(jwt, "tenant");
            operator = claim(jwt, "operator");
        }
        return new Caller(subject, username, identity.getRoles(), tenant, operator);
    }

    private static Optional<String> claim(JsonWebToken jwt, String name) {
        Object value = TokenClaims.custom(jwt, name);
        if (value == null) {
            return Optional.empty();
        }
        String s = value.toString();
        // A JSON string claim may arrive quoted from some token libraries.
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        return s.isBlank() ? Optional.empty() : Optional.of(s);
    }
}

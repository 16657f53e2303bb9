package city.myriad.support;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.util.List;
import java.util.Map;

/**
 * Signed bearer tokens for the in-process tests, shaped like the demo realm's: realm roles in
 * {@code realm_access.roles}, the tenant or operator slug in {@code tenant} / {@code operator}, audience
 * {@code myriad-api}. The OIDC test server verifies them with its published key.
 */
public final class Tokens {

    private Tokens() {}

    public static String admin() {
        return token("admin", null, null, "platform-admin");
    }

    public static String olga() {
        return token("olga", null, "hangzhou", "operator");
    }

    public static String alice() {
        return token("alice", "acme", null, "tenant-admin");
    }

    public static String amy() {
        return token("amy", "acme", null, "tenant-member");
    }

    public static String bob() {
        return token("bob", "globex", null, "tenant-admin");
    }

    public static String token(String username, String tenant, String operator, String... roles) {
        return issuedAt(System.currentTimeMillis() / 1000, username, tenant, operator, roles);
    }

    /** A token issued at {@code epochSecond} (valid 600 s from then), as a client that logged in then holds. */
    public static String issuedAt(long epochSecond, String username, String tenant, String operator, String... roles) {
        JwtClaimsBuilder b = Jwt.preferredUserName(username)
                .issuedAt(epochSecond)
                .subject("sub-" + username)
                .issuer("https://server.example.com")
                .audience("myriad-api")
                .claim("realm_access", Map.of("roles", List.of(roles)))
                .expiresAt(epochSecond + 600);
        if (tenant != null) {
            b.claim("tenant", tenant);
        }
        if (operator != null) {
            b.claim("operator", operator);
        }
        return b.jws().keyId("1").sign("privateKey.jwk");
    }
}

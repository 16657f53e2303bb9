package city.myriad.platform.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.quarkus.oidc.runtime.OidcJwtCallerPrincipal;
import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipal;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

/** Myriad's claims read from a verified token as it carries them, whoever parsed it. */
class TokenClaimsTest {

    private static JwtClaims claims() {
        JwtClaims c = new JwtClaims();
        c.setSubject("u-1");
        c.setClaim("tenant", "acme");
        return c;
    }

    @Test
    void a_token_verified_by_quarkus_oidc_gives_its_claims_as_parsed_and_null_for_one_it_lacks() {
        OidcJwtCallerPrincipal jwt = new OidcJwtCallerPrincipal(claims(), null);
        assertEquals("acme", TokenClaims.custom(jwt, "tenant"));
        assertNull(TokenClaims.custom(jwt, "operator"));
    }

    @Test
    void another_token_is_read_through_the_standard_interface() {
        DefaultJWTCallerPrincipal jwt = new DefaultJWTCallerPrincipal(claims());
        assertEquals("acme", String.valueOf(TokenClaims.custom(jwt, "tenant")).replace("\"", ""));
        assertNull(TokenClaims.custom(jwt, "operator"));
    }
}

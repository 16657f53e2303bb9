package city.myriad.platform.error;

import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;

/**
 * Why a bearer token was refused, in words a caller can act on. The reasons reveal nothing a token holder does
 * not already know (its own expiry, its own issuer); signature failures are not told apart from unknown keys, so
 * the answer is no oracle for forging.
 */
enum TokenRefusal {
    MISSING("A bearer token is required: send 'Authorization: Bearer <access token>' from the realm 'myriad'",
            null),
    EXPIRED("The bearer token has expired; get a new access token", "invalid_token"),
    WRONG_ISSUER("The bearer token was issued by another issuer (realm or Keycloak address) than this service "
            + "trusts; get a token from the configured realm's address", "invalid_token"),
    WRONG_AUDIENCE("The bearer token is not meant for this API (audience 'myriad-api' missing)", "invalid_token"),
    NOT_YET_VALID("The bearer token is not valid yet; check the clocks", "invalid_token"),
    REVOKED("The bearer token was issued before its holder's access changed (a member removed or a role taken "
            + "away, an API client's secret rotated or the client deleted); get a new access token", "invalid_token"),
    NOT_VERIFIED("The bearer token does not verify: it is malformed, not an access token of the realm 'myriad', or "
            + "signed by a key this service does not trust", "invalid_token");

    private final String detail;
    private final String error;

    TokenRefusal(String detail, String error) {
        this.detail = detail;
        this.error = error;
    }

    String detail() {
        return detail;
    }

    /** The WWW-Authenticate value (RFC 6750 section 3). */
    String challenge() {
        return error == null ? "Bearer realm=\"myriad\""
                : "Bearer realm=\"myriad\", error=\"" + error + "\", error_description=\"" + name().toLowerCase() + "\"";
    }

    static TokenRefusal of(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof city.myriad.platform.security.VerifiedTokens.Revoked) {
                return REVOKED;
            }
            if (c instanceof InvalidJwtException jwt) {
                if (jwt.hasExpired()) {
                    return EXPIRED;
                }
                if (jwt.hasErrorCode(ErrorCodes.ISSUER_INVALID) || jwt.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
                    return WRONG_ISSUER;
                }
                if (jwt.hasErrorCode(ErrorCodes.AUDIENCE_INVALID) || jwt.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
                    return WRONG_AUDIENCE;
                }
                if (jwt.hasErrorCode(ErrorCodes.NOT_YET_VALID)) {
                    return NOT_YET_VALID;
                }
                return NOT_VERIFIED;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return NOT_VERIFIED;
    }
}

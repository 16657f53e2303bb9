package city.myriad.e2e;

import static io.restassured.RestAssured.given;

import io.restassured.response.Response;
import java.util.List;
import java.util.Map;

/** Real tokens and admin look-ups against the run's Keycloak. */
final class Keycloak {

    private Keycloak() {}

    static String password(String user) {
        return token(given().formParam("grant_type", "password").formParam("client_id", "myriad-portal")
                .formParam("username", user).formParam("password", user));
    }

    static String clientCredentials(String client, String secret) {
        return token(given().formParam("grant_type", "client_credentials").formParam("client_id", client)
                .formParam("client_secret", secret));
    }

    /** Whether Keycloak's token endpoint grants a client-credentials token to this client and secret. */
    static boolean clientCanLogIn(String client, String secret) {
        return given().formParam("grant_type", "client_credentials").formParam("client_id", client)
                .formParam("client_secret", secret)
                .post(RealKeycloak.url() + "/realms/myriad/protocol/openid-connect/token").statusCode() == 200;
    }

    /** Users of the realm with this exact user name, as the admin API lists them. */
    static List<Map<String, Object>> users(String username) {
        return admin().queryParam("username", username).queryParam("exact", "true")
                .get(RealKeycloak.url() + "/admin/realms/myriad/users").then().statusCode(200).extract().jsonPath()
                .getList("$");
    }

    /** The one user with this exact user name. */
    static Map<String, Object> user(String username) {
        List<Map<String, Object>> found = users(username);
        if (found.size() != 1) {
            throw new AssertionError("expected one Keycloak user " + username + ", found " + found.size());
        }
        return found.get(0);
    }

    /** The paths of the user's groups, e.g. {@code /tenant-acme}. */
    static List<String> groupsOf(String userId) {
        return admin().get(RealKeycloak.url() + "/admin/realms/myriad/users/" + userId + "/groups").then()
                .statusCode(200).extract().jsonPath().getList("path");
    }

    static List<String> credentialTypes(String userId) {
        return admin().get(RealKeycloak.url() + "/admin/realms/myriad/users/" + userId + "/credentials").then()
                .statusCode(200).extract().jsonPath().getList("type");
    }

    /** Gives the user a password, as an admin does in the console for a new member of the dev realm. */
    static void setPassword(String userId, String password) {
        admin().contentType("application/json")
                .body("{\"type\":\"password\",\"value\":\"" + password + "\",\"temporary\":false}")
                .put(RealKeycloak.url() + "/admin/realms/myriad/users/" + userId + "/reset-password")
                .then().statusCode(204);
    }

    /** Marks the account's setup done (what the member does through the invitation link). */
    static void completeSetup(String userId) {
        admin().contentType("application/json").body("{\"requiredActions\":[],\"emailVerified\":true}")
                .put(RealKeycloak.url() + "/admin/realms/myriad/users/" + userId).then().statusCode(204);
    }

    /** Whether Keycloak's token endpoint grants a password login (false for a disabled user or a wrong password). */
    /** An access token of a user logging in with this password. */
    static String password(String user, String password) {
        return token(given().formParam("grant_type", "password").formParam("client_id", "myriad-portal")
                .formParam("username", user).formParam("password", password));
    }

    static boolean canLogIn(String user, String password) {
        return given().formParam("grant_type", "password").formParam("client_id", "myriad-portal")
                .formParam("username", user).formParam("password", password)
                .post(RealKeycloak.url() + "/realms/myriad/protocol/openid-connect/token").statusCode() == 200;
    }

    static List<Map<String, Object>> groups(String name) {
        return admin().queryParam("search", name).queryParam("exact", "true")
                .get(RealKeycloak.url() + "/admin/realms/myriad/groups").then().statusCode(200).extract().jsonPath()
                .getList("$");
    }

    static List<String> realmRoles(String userId) {
        return admin().get(RealKeycloak.url() + "/admin/realms/myriad/users/" + userId + "/role-mappings/realm")
                .then().statusCode(200).extract().jsonPath().getList("name");
    }

    /** The names of the realm's clients whose client id starts with this (Keycloak's client-id search). */
    static List<String> clientNames(String clientIdPrefix) {
        return admin().queryParam("clientId", clientIdPrefix).queryParam("search", "true").queryParam("max", "1000")
                .get(RealKeycloak.url() + "/admin/realms/myriad/clients").then().statusCode(200).extract().jsonPath()
                .getList("name");
    }

    private static io.restassured.specification.RequestSpecification admin() {
        return given().auth().oauth2(clientCredentials("myriad-admin", "myriad-admin-secret"));
    }

    private static String token(io.restassured.specification.RequestSpecification form) {
        Response r = form.post(RealKeycloak.url() + "/realms/myriad/protocol/openid-connect/token");
        if (r.statusCode() != 200) {  // Keycloak's own reason, for a failure to be read later
            throw new AssertionError("token endpoint answered " + r.statusCode() + ": " + r.asString());
        }
        return r.path("access_token");
    }
}

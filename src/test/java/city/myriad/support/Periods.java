package city.myriad.support;

import static io.restassured.RestAssured.given;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.List;

/**
 * Closes billing periods as an operator of the platform does: in order. The in-process tests share one database,
 * and each bills a month of its own; a close refused with {@code EARLIER_PERIOD_OPEN} (another test's month, or
 * one that usage of a past hour landed in) closes the periods it names, oldest first, and is asked again.
 */
public final class Periods {

    private Periods() {}

    /** Closes {@code period} (200), first closing the earlier periods the refusal names, if any. */
    public static JsonPath close(String period) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Response r = given().auth().oauth2(Tokens.admin()).post("/api/v1/billing/periods/" + period + "/close");
            if (r.statusCode() == 200) {
                return r.jsonPath();
            }
            if (r.statusCode() != 409 || !"EARLIER_PERIOD_OPEN".equals(r.jsonPath().getString("code"))) {
                throw new AssertionError("close of " + period + ": HTTP " + r.statusCode() + " " + r.asString());
            }
            List<String> open = r.jsonPath().getList("openPeriods", String.class);
            open.forEach(Periods::close);
        }
        throw new AssertionError("close of " + period + " still refused after closing the earlier periods");
    }
}

package city.myriad.support;

import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Puts {@link ContractValidation} in front of every RestAssured call of every test, in-process and end to end.
 * Registered for all test classes through JUnit's extension auto-detection
 * ({@code META-INF/services/org.junit.jupiter.api.extension.Extension} and {@code junit-platform.properties}),
 * so a new test or route cannot skip it. The contract is the one the service under test serves.
 */
public class ContractValidationExtension implements BeforeEachCallback {

    private static volatile ContractValidation validation;
    private static volatile String servedBy;

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        Class<?> test = context.getRequiredTestClass();
        if (!test.isAnnotationPresent(io.quarkus.test.junit.QuarkusTest.class)
                && !test.isAnnotationPresent(io.quarkus.test.junit.QuarkusIntegrationTest.class)) {
            return; // no service under test
        }
        String server = RestAssured.baseURI + ":" + RestAssured.port;
        if (validation == null || !server.equals(servedBy)) {
            HttpResponse<String> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server + "/q/openapi?format=json")).build(), HttpResponse.BodyHandlers.ofString());
            if (served.statusCode() != 200) {
                throw new IllegalStateException("The service under test serves no contract at " + server
                        + "/q/openapi (HTTP " + served.statusCode() + ")");
            }
            validation = new ContractValidation(served.body());
            servedBy = server;
        }
        if (!RestAssured.filters().contains(validation)) {
            java.util.List<io.restassured.filter.Filter> filters = new java.util.ArrayList<>(RestAssured.filters());
            filters.removeIf(f -> f instanceof ContractValidation);
            filters.add(validation);
            RestAssured.replaceFiltersWith(filters);
        }
    }
}

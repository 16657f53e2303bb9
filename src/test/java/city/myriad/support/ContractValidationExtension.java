package city.myriad.support;

import io.restassured.RestAssured;
import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Puts {@link ContractValidation} in front of every RestAssured call of every test, in-process and end to end.
 * Registered for all test classes through JUnit's extension auto-detection (and, for {@code @QuarkusTest}s, whose
 * test instances live in Quarkus' class loader with a RestAssured of their own, as a Quarkus test callback), so a
 * new test or route cannot skip it. The contract is the one the server under test serves, fetched once per server.
 */
public class ContractValidationExtension implements BeforeEachCallback {

    /** The same, for {@code @QuarkusTest}s. */
    public static final class QuarkusCallback implements io.quarkus.test.junit.callback.QuarkusTestBeforeEachCallback {
        @Override
        public void beforeEach(io.quarkus.test.junit.callback.QuarkusTestMethodContext context) {
            install();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Class<?> test = context.getRequiredTestClass();
        if (test.isAnnotationPresent(io.quarkus.test.junit.QuarkusTest.class)
                || test.isAnnotationPresent(io.quarkus.test.junit.QuarkusIntegrationTest.class)) {
            install();
        }
    }

    static void install() {
        if (RestAssured.filters().stream().noneMatch(f -> f instanceof ServedContract)) {
            List<Filter> filters = new ArrayList<>(RestAssured.filters());
            filters.add(new ServedContract());
            RestAssured.replaceFiltersWith(filters);
        }
    }

    /** Validates against the contract of the server that answered. */
    public static final class ServedContract implements Filter {
        private static final Map<String, ContractValidation> BY_SERVER = new ConcurrentHashMap<>();

        @Override
        public Response filter(FilterableRequestSpecification request, FilterableResponseSpecification response,
                FilterContext context) {
            URI uri = URI.create(request.getURI());
            if (uri.getRawPath() == null || !uri.getRawPath().startsWith("/api/")) {
                return context.next(request, response);
            }
            String server = uri.getScheme() + "://" + uri.getAuthority();
            return BY_SERVER.computeIfAbsent(server, ServedContract::load).filter(request, response, context);
        }

        private static ContractValidation load(String server) {
            try {
                HttpResponse<String> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(server + "/q/openapi?format=json")).build(), HttpResponse.BodyHandlers.ofString());
                if (served.statusCode() != 200) {
                    throw new IllegalStateException("The server under test serves no contract at " + server
                            + "/q/openapi (HTTP " + served.statusCode() + ")");
                }
                return new ContractValidation(served.body());
            } catch (java.io.IOException e) {
                throw new IllegalStateException("Cannot read the served contract of " + server, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}

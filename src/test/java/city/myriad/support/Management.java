package city.myriad.support;

import static io.restassured.RestAssured.given;

import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;

/** Requests to the management port (health, Prometheus metrics), where a platform team's probes and scrapes go. */
public final class Management {

    private Management() {
    }

    public static RequestSpecification management() {
        return given().port(ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class));
    }
}

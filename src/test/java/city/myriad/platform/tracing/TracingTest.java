package city.myriad.platform.tracing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.support.Tokens;
import city.myriad.support.World;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tracing on, as an operator turns it on (docs/deployment.md, "Tracing"): a request is a trace, or a part of its
 * caller's, with its SQL inside it; the work in the background starts no trace.
 */
@QuarkusTest
@TestProfile(TracingTest.On.class)
@QuarkusTestResource(OidcWiremockTestResource.class)
class TracingTest {

    /** The SDK on; spans go to memory ({@link SpansInMemory}) instead of a collector. */
    public static class On implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false");
        }
    }

    static final AttributeKey<String> STATEMENT = AttributeKey.stringKey("db.statement");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("myriad.request_id");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

    @Inject
    InMemorySpanExporter exporter;

    @Inject
    OpenTelemetry openTelemetry;

    @BeforeEach
    void forget() {
        flushed();
        exporter.reset();
    }

    /** Every span ended so far, exported. */
    private List<SpanData> flushed() {
        ((OpenTelemetrySdk) openTelemetry).getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
        return exporter.getFinishedSpanItems();
    }

    @Test
    void a_request_continues_its_callers_trace_with_its_sql_inside() {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callersSpan = "00f067aa0ba902b7";
        String requestId = given().auth().oauth2(Tokens.alice())
                .header("traceparent", "00-" + trace + "-" + callersSpan + "-01").get("/api/v1/jobs").then()
                .statusCode(200).extract().header("X-Request-Id");

        List<SpanData> spans = flushed().stream().filter(s -> s.getTraceId().equals(trace)).toList();
        List<SpanData> server = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).toList();
        assertEquals(1, server.size(), spans.toString());
        SpanData request = server.get(0);
        assertEquals(callersSpan, request.getParentSpanId());
        assertEquals("GET /api/v1/jobs", request.getName());
        assertEquals(200L, request.getAttributes().get(STATUS));
        assertEquals(requestId, request.getAttributes().get(REQUEST_ID));
        // Its statements are its children (the tenant's scope, the page of jobs), in its trace.
        List<SpanData> sql = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT && s.getAttributes().get(STATEMENT) != null)
                .toList();
        assertThat(spans.toString(), sql, not(empty()));
        Set<String> ids = spans.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
        for (SpanData s : sql) {
            assertTrue(ids.contains(s.getParentSpanId()), s + " has a parent outside the request's trace");
        }
        // A route with a path parameter is named by its template, never by the id asked for.
        String other = "5a2b0c1d9e8f7a6b5c4d3e2f1a0b9c8d";
        given().auth().oauth2(Tokens.alice()).header("traceparent", "00-" + other + "-" + callersSpan + "-01")
                .get("/api/v1/jobs/" + java.util.UUID.randomUUID()).then().statusCode(404);
        assertThat(flushed().stream().filter(s -> s.getTraceId().equals(other) && s.getKind() == SpanKind.SERVER)
                .map(SpanData::getName).toList(), equalTo(List.of("GET /api/v1/jobs/{jobId}")));
        // The request's own id is kept beside the trace: a problem still names it (its log lines carry both).
        io.restassured.response.Response missing = given().auth().oauth2(Tokens.alice())
                .header("traceparent", "00-" + trace + "-" + callersSpan + "-01").get("/api/v1/nowhere");
        missing.then().statusCode(404).contentType("application/problem+json");
        assertEquals(missing.header("X-Request-Id"), missing.jsonPath().getString("requestId"));
        // And the request's span names that id: what a tenant quotes from a problem finds the trace.
        assertEquals(missing.header("X-Request-Id"), flushed().stream()
                .filter(s -> s.getTraceId().equals(trace) && s.getKind() == SpanKind.SERVER
                        && "/api/v1/nowhere".equals(s.getAttributes().get(AttributeKey.stringKey("url.path"))))
                .map(s -> s.getAttributes().get(REQUEST_ID)).findFirst().orElse(null));
    }

    @Test
    void a_caller_that_does_not_sample_its_trace_is_followed() {
        String trace = "0af7651916cd43dd8448eb211c80319c";
        given().auth().oauth2(Tokens.alice()).header("traceparent", "00-" + trace + "-b7ad6b7169203331-00")
                .get("/api/v1/jobs").then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).get("/api/v1/me").then().statusCode(200);

        List<SpanData> spans = flushed();
        assertThat(spans.stream().map(SpanData::getTraceId).toList(), not(hasItem(trace)));
        // The request without a caller's trace began one of its own, kept (the ratio is 1.0).
        assertThat(spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).map(SpanData::getName).toList(),
                hasItem(equalTo("GET /api/v1/me")));
    }

    @Test
    void background_work_starts_no_trace() throws InterruptedException {
        // A job goes through the whole loop: queued, started by a cycle, run by the emulator, ended, metered. All of it
        // SQL of the background, none of it under a request.
        String cluster = World.cluster(1);
        World.Tenant t = World.tenant();
        String job = given().auth().oauth2(t.member()).contentType("application/json")
                .body("{\"clusterId\":\"" + cluster + "\",\"projectId\":\"" + t.projectId() + "\",\"model\":"
                        + "\"ASCEND-910B\",\"cards\":1,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":60}")
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        String state = "QUEUED";
        for (int i = 0; i < 600 && !state.equals("SUCCEEDED"); i++) {
            Thread.sleep(100);
            state = given().auth().oauth2(t.member()).get("/api/v1/jobs/" + job).then().statusCode(200).extract()
                    .path("state");
        }
        assertEquals("SUCCEEDED", state);

        List<SpanData> spans = flushed();
        Set<String> requests = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).map(SpanData::getTraceId)
                .collect(Collectors.toSet());
        assertThat(spans.stream().filter(s -> !requests.contains(s.getTraceId())).toList(), empty());
        // And the requests were traced, with their statements.
        assertThat(spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).map(SpanData::getName).toList(),
                hasItem(equalTo("POST /api/v1/jobs")));
        assertThat(spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT && s.getAttributes().get(STATEMENT) != null).toList(),
                not(empty()));
    }
}

package city.myriad.platform;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.demo.DemoData;
import city.myriad.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.restassured.config.DecoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * A client that asks for gzip gets JSON pages and FOCUS exports gzipped, and the same bytes once inflated; a client that does not ask gets them as they are. Read here as they come off the wire (RestAssured's
 * own decoding off).
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class CompressionTest {

    static final RestAssuredConfig RAW = RestAssuredConfig.config()
            .decoderConfig(DecoderConfig.decoderConfig().noContentDecoders());
    static final String NODES = "/api/v1/clusters/" + DemoData.HANGZHOU_CLUSTER + "/nodes?limit=500";

    /** Off the wire: no decoding, and no contract check (it would read the gzipped bytes as JSON). */
    static io.restassured.specification.RequestSpecification raw() {
        return given().noFilters().config(RAW);
    }

    static String gunzip(byte[] body) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void a_page_is_gzipped_for_a_client_that_asks_and_plain_for_one_that_does_not() throws IOException {
        Response zipped = raw().auth().oauth2(Tokens.olga()).header("Accept-Encoding", "gzip")
                .get(NODES);
        Response plain = raw().auth().oauth2(Tokens.olga()).header("Accept-Encoding", "identity")
                .get(NODES);
        assertEquals(200, zipped.statusCode());
        assertEquals("gzip", zipped.header("Content-Encoding"));
        assertTrue(plain.header("Content-Encoding") == null || plain.header("Content-Encoding").equals("identity"));
        byte[] wire = zipped.asByteArray();
        String json = gunzip(wire);
        assertEquals(plain.asString(), json, "the same page once inflated");
        assertEquals(500, JsonPath.from(json).getList("items").size());
        assertTrue(wire.length * 3 < plain.asByteArray().length,
                "500 nodes: " + wire.length + " bytes gzipped against " + plain.asByteArray().length);
    }

    @Test
    void a_focus_export_is_gzipped_as_it_streams() throws IOException {
        Response export = raw().auth().oauth2(Tokens.alice()).header("Accept-Encoding", "gzip")
                .queryParam("from", "2026-01-01T00:00:00Z").queryParam("to", "2026-02-01T00:00:00Z")
                .get("/api/v1/exports/focus");
        assertEquals(200, export.statusCode());
        assertEquals("gzip", export.header("Content-Encoding"), export.headers().toString());
        String csv = gunzip(export.asByteArray());
        assertTrue(csv.startsWith("BillingAccountId,") || csv.contains("BilledCost"), csv.lines().findFirst().orElse(""));
        assertNull(export.header("Content-Length"), "streamed, not buffered");
    }
}

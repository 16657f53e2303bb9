package city.myriad.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The response check that guards every test: it passes a true response and catches each kind of mismatch. */
class ContractValidationTest {

    static ContractValidation validation;
    static final String ME = "/api/v1/me";
    static final String PROJECT = "/api/v1/tenants/01930000-0000-7000-8000-00000000e001/projects/"
            + "01930000-0000-7000-8000-00000000e101";

    @BeforeAll
    static void contract() throws Exception {
        validation = new ContractValidation(new ObjectMapper().writeValueAsString(
                new YAMLMapper().readTree(Path.of("openapi/myriad.yaml").toFile())));
    }

    @Test
    void a_response_as_the_contract_says_passes() {
        assertEquals(List.of(), validation.check("GET", ME, 200, "application/json",
                "{\"subject\":\"s\",\"username\":\"alice\",\"roles\":[\"tenant-admin\"],"
                        + "\"tenant\":{\"id\":\"01930000-0000-7000-8000-00000000e001\",\"slug\":\"acme\",\"name\":\"ACME\"}}"));
        assertEquals(List.of(), validation.check("GET", PROJECT, 404, "application/problem+json",
                "{\"type\":\"https://myriad.city/problems/project-not-found\",\"title\":\"Not found\",\"status\":404,"
                        + "\"code\":\"PROJECT_NOT_FOUND\",\"detail\":\"No project\"}"));
    }

    @Test
    void a_null_where_the_schema_has_none_fails() {
        assertFails(validation.check("GET", ME, 200, "application/json",
                "{\"subject\":\"s\",\"username\":\"admin\",\"roles\":[\"platform-admin\"],\"tenant\":null}"), "tenant");
    }

    @Test
    void a_wrong_type_or_an_unknown_enum_value_fails() {
        assertFails(validation.check("GET", ME, 200, "application/json",
                "{\"subject\":\"s\",\"username\":1,\"roles\":[\"superuser\"]}"), "username");
    }

    @Test
    void a_json_get_without_its_etag_fails_and_a_304_with_one_passes() {
        assertFails(validation.checkHeaders("GET", ME, 200, h -> null), "ETag");
        assertFails(validation.checkHeaders("GET", ME, 200, h -> "W/\"abc\""), "ETag");
        assertEquals(List.of(), validation.checkHeaders("GET", ME, 200, h -> h.equals("ETag") ? "\"abc_-9\"" : null));
        assertEquals(List.of(), validation.checkHeaders("HEAD", ME, 304, h -> h.equals("ETag") ? "\"abc\"" : null));
        assertEquals(List.of(), validation.check("GET", ME, 304, null, ""));
        assertEquals(List.of(), validation.checkHeaders("GET", PROJECT, 404, h -> null));
    }

    @Test
    void an_answer_without_its_request_id_or_a_problem_naming_another_fails() {
        String problem = "{\"type\":\"t\",\"title\":\"Not found\",\"status\":404,\"code\":\"PROJECT_NOT_FOUND\","
                + "\"requestId\":\"r-1\"}";
        assertFails(validation.checkRequestId("application/json", "{}", h -> null), "X-Request-Id");
        assertFails(validation.checkRequestId("application/problem+json", problem, h -> "r-2"), "requestId");
        assertEquals(List.of(), validation.checkRequestId("application/problem+json", problem, h -> "r-1"));
        assertEquals(List.of(), validation.checkRequestId("application/json", "{}", h -> "r-3"));
    }

    @Test
    void an_undeclared_status_fails() {
        assertFails(validation.check("GET", ME, 418, "application/problem+json", "{}"), "418");
    }

    @Test
    void an_undeclared_content_type_fails() {
        assertFails(validation.check("GET", ME, 200, "text/html", "<html></html>"), "text/html");
    }

    @Test
    void a_problem_code_the_operation_does_not_declare_fails() {
        assertFails(validation.check("GET", PROJECT, 404, "application/problem+json",
                "{\"type\":\"https://myriad.city/problems/cluster-not-found\",\"title\":\"Not found\",\"status\":404,"
                        + "\"code\":\"CLUSTER_NOT_FOUND\",\"detail\":\"x\"}"), "CLUSTER_NOT_FOUND");
    }

    @Test
    void an_error_of_an_unknown_route_must_still_be_a_problem() {
        assertFails(validation.check("GET", "/api/v1/nowhere", 404, "text/html", "<h1>404</h1>"), "problem+json");
    }

    private static void assertFails(List<String> problems, String mentioning) {
        assertTrue(!problems.isEmpty(), "the mismatch went unnoticed");
        assertTrue(String.join("\n", problems).contains(mentioning), "expected a problem about " + mentioning + ": "
                + problems);
    }
}

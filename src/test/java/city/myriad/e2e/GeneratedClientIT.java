package city.myriad.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.client.ApiClient;
import city.myriad.client.ApiException;
import city.myriad.client.ApiResponse;
import city.myriad.client.api.IdentityApi;
import city.myriad.client.api.TenancyApi;
import city.myriad.client.model.CreateProject;
import city.myriad.client.model.Me;
import city.myriad.client.model.PageProjectView;
import city.myriad.client.model.Problem;
import city.myriad.client.model.ProblemCode;
import city.myriad.client.model.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The contract as integrators use it: a Java client generated from {@code openapi/myriad.yaml} by
 * openapi-generator (native library, during this build) drives the packaged service with real Keycloak tokens.
 * A contract defect that breaks generated clients (a null the schema forbids, parameters out of URL order, an
 * untyped error) breaks this test.
 */
@QuarkusIntegrationTest
@QuarkusTestResource(value = RealKeycloak.class, restrictToAnnotatedClass = true)
class GeneratedClientIT {

    static final UUID ACME = UUID.fromString("01930000-0000-7000-8000-00000000e001");

    @Test
    void get_me_reads_a_typed_identity() throws ApiException {
        Me admin = new IdentityApi(client("admin")).getMe();
        assertEquals("admin", admin.getUsername());
        assertNull(admin.getTenant(), "absent, not an error: the platform admin belongs to no tenant");
        Me alice = new IdentityApi(client("alice")).getMe();
        assertEquals("acme", alice.getTenant().getSlug());
    }

    @Test
    void paging_a_list_to_its_end_sees_every_item_once() throws ApiException {
        TenancyApi api = new TenancyApi(client("alice"));
        for (int i = 0; i < 5; i++) {
            api.createProject(ACME, new CreateProject().slug("paged-" + UUID.randomUUID().toString().substring(0, 8))
                    .name("Paged " + i), null);
        }
        List<UUID> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            PageProjectView page = api.listProjects(ACME, cursor, 2);
            page.getItems().forEach(p -> seen.add(p.getId()));
            cursor = page.getNextCursor();
            pages++;
        } while (cursor != null && pages < 100);
        List<UUID> all = api.listProjects(ACME, null, 500).getItems().stream().map(Project::getId).toList();
        assertEquals(all, seen, "two by two, the pages add up to the whole list, each item once");
        assertTrue(pages >= 3);
    }

    @Test
    void an_idempotent_create_replays_and_a_conflict_is_a_typed_problem() throws Exception {
        TenancyApi api = new TenancyApi(client("alice"));
        String key = UUID.randomUUID().toString();
        CreateProject body = new CreateProject().slug("gen-" + key.substring(0, 8)).name("Generated client");
        ApiResponse<Project> first = api.createProjectWithHttpInfo(ACME, body, key);
        ApiResponse<Project> again = api.createProjectWithHttpInfo(ACME, body, key);
        assertEquals(201, first.getStatusCode());
        assertEquals(first.getData().getId(), again.getData().getId());
        assertEquals(List.of("false"), first.getHeaders().get("idempotent-replayed"));
        assertEquals(List.of("true"), again.getHeaders().get("idempotent-replayed"));
        assertNotNull(first.getHeaders().get("location"));

        ApiClient client = client("alice");
        ApiException conflict = assertThrows(ApiException.class,
                () -> new TenancyApi(client).createProject(ACME, body, UUID.randomUUID().toString()));
        assertEquals(409, conflict.getCode());
        // The snippet docs/api.md gives integrators: the body of an ApiException is a Problem.
        Problem problem = client.getObjectMapper().readValue(conflict.getResponseBody(), Problem.class);
        assertEquals(ProblemCode.PROJECT_SLUG_TAKEN, problem.getCode());
        assertEquals(409, problem.getStatus());
    }

    private static ApiClient client(String user) {
        String token = Keycloak.password(user);
        ApiClient client = new ApiClient();
        client.updateBaseUri(RestAssured.baseURI + ":" + RestAssured.port);
        client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + token));
        return client;
    }
}

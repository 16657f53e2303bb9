package city.myriad.platform.error;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryParameterGuardTest {

    @SuppressWarnings("unused")
    static class Resource {
        void list(@PathParam("tenantId") String tenant, @QueryParam("state") String state,
                @HeaderParam("Idempotency-Key") String key, @QueryParam("cursor") String cursor) {
        }

        void several(@QueryParam("state") List<String> states, @QueryParam("limit") String limit) {
        }

        void none(@PathParam("jobId") String job) {
        }

        void grouped(@QueryParam("cursor") String cursor, @BeanParam Filters filters) {
        }
    }

    @SuppressWarnings("unused")
    public static class Filters {
        @QueryParam("actor")
        public String actor;

        @QueryParam("tag")
        public List<String> tags;

        public String notAParameter;
    }

    @Test
    void only_query_parameters_are_taken_in_declared_order_and_a_collection_may_repeat() throws Exception {
        assertEquals(List.of("state", "cursor"), List.copyOf(QueryParameterGuard.declared(
                Resource.class.getDeclaredMethod("list", String.class, String.class, String.class, String.class)).keySet()));
        assertEquals(Map.of("state", true, "limit", false), QueryParameterGuard.declared(
                Resource.class.getDeclaredMethod("several", List.class, String.class)));
        assertEquals(Map.of(), QueryParameterGuard.declared(Resource.class.getDeclaredMethod("none", String.class)));
        assertEquals(Map.of("cursor", false, "actor", false, "tag", true), QueryParameterGuard.declared(
                Resource.class.getDeclaredMethod("grouped", String.class, Filters.class)),
                "a @BeanParam's query fields are the method's parameters");
    }
}

package city.myriad.support;

import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The webhook deliveries the database wrote for a tenant, as their receiver would get them. */
public final class Deliveries {

    private Deliveries() {}

    /** The payloads of the tenant's deliveries of one type, oldest first (read in the platform scope). */
    public static List<JsonPath> of(Pool pool, String tenantId, String type) {
        List<JsonPath> out = new ArrayList<>();
        pool.withTransaction(c -> c.query("select set_config('myriad.scope', 'platform', true)").execute()
                .chain(() -> c.preparedQuery("select payload from webhook_deliveries where tenant_id = $1 "
                        + "and event_type = $2 order by created_at, id")
                        .execute(Tuple.of(UUID.fromString(tenantId), type)))).await().indefinitely()
                .forEach(r -> out.add(JsonPath.from(r.getString(0))));
        return out;
    }
}

package city.myriad.catalog.repository;

import city.myriad.catalog.model.NodeSpec;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * Writes a whole inventory in one statement and one transaction: nodes are upserted by (cluster, name), so a
 * re-import of the same file changes nothing, and a node's operational state survives re-imports. Nodes missing
 * from a file are left alone (removing hardware is a separate, deliberate act).
 */
@ApplicationScoped
public class InventoryWriter {

    /** How many nodes the import created, changed, and found as they were. */
    public record Outcome(int created, int updated, int unchanged) {}

    /** A rack found in two blocks after the import; the import is then undone. */
    public static final class RackInTwoBlocks extends RuntimeException {
        public final String rack;

        RackInTwoBlocks(String rack) {
            super(null, null, false, false);
            this.rack = rack;
        }
    }

    private static final String UPSERT = """
            with input as (
                select * from unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::bigint[], $6::text[], $7::text[])
                    as t(name, gpu_model, gpus, cpu_milli, memory_mib, rack, block)),
            upsert as (
                insert into nodes as n (id, cluster_id, name, gpu_model, gpus, cpu_milli, memory_mib, rack, block,
                                        state, created_at, updated_at)
                select gen_random_uuid(), $8, name, gpu_model, gpus, cpu_milli, memory_mib, rack, block,
                       'AVAILABLE', $9, $9
                  from input
                on conflict (cluster_id, name) do update
                   set gpu_model = excluded.gpu_model, gpus = excluded.gpus, cpu_milli = excluded.cpu_milli,
                       memory_mib = excluded.memory_mib, rack = excluded.rack, block = excluded.block,
                       updated_at = excluded.updated_at
                 where (n.gpu_model, n.gpus, n.cpu_milli, n.memory_mib, n.rack, n.block)
                       is distinct from
                       (excluded.gpu_model, excluded.gpus, excluded.cpu_milli, excluded.memory_mib, excluded.rack,
                        excluded.block)
                returning (xmax = 0) as inserted)
            select count(*) filter (where inserted) as created, count(*) filter (where not inserted) as updated
              from upsert""";

    /**
     * A node re-imported with other cards (another count or model) is other hardware: its cards out of service are
     * back (by the import; the count of the new ones could not carry them), and it starts with every card in service.
     */
    private static final String CARDS_OUT_OF_REPLACED = """
            update node_cards_out o set back_at = greatest($5, o.since), back_by = 'import'
              from nodes n, unnest($1::text[], $2::text[], $3::int[]) as t(name, gpu_model, gpus)
             where n.id = o.node_id and n.cluster_id = $4 and n.name = t.name and o.back_at is null
               and (n.gpus <> t.gpus or n.gpu_model is distinct from t.gpu_model)""";

    private static final String RACK_IN_TWO_BLOCKS = """
            select rack from nodes where cluster_id = $1 group by rack having count(distinct block) > 1 limit 1""";

    private final Pool pool;

    InventoryWriter(Pool pool) {
        this.pool = pool;
    }

    /**
     * Writes the rows in one transaction; {@code also} runs last in it with the outcome (the audit trail's record),
     * so that the import and what follows it commit together.
     */
    public Uni<Outcome> write(UUID clusterId, List<NodeSpec> rows, OffsetDateTime now,
            java.util.function.BiFunction<SqlConnection, Outcome, Uni<Void>> also) {
        int n = rows.size();
        String[] names = new String[n];
        String[] models = new String[n];
        Integer[] gpus = new Integer[n];
        Long[] cpu = new Long[n];
        Long[] mem = new Long[n];
        String[] racks = new String[n];
        String[] blocks = new String[n];
        for (int i = 0; i < n; i++) {
            NodeSpec r = rows.get(i);
            names[i] = r.name();
            models[i] = r.gpuModel();
            gpus[i] = r.gpus();
            cpu[i] = r.cpuMilli();
            mem[i] = r.memoryMib();
            racks[i] = r.rack();
            blocks[i] = r.block();
        }
        Tuple args = Tuple.tuple()
                .addArrayOfString(names).addArrayOfString(models).addArrayOfInteger(gpus)
                .addArrayOfLong(cpu).addArrayOfLong(mem).addArrayOfString(racks).addArrayOfString(blocks)
                .addUUID(clusterId).addOffsetDateTime(now);
        Tuple replaced = Tuple.tuple().addArrayOfString(names).addArrayOfString(models).addArrayOfInteger(gpus)
                .addUUID(clusterId).addOffsetDateTime(now);
        return pool.withTransaction((SqlConnection c) -> c.preparedQuery(CARDS_OUT_OF_REPLACED).execute(replaced)
                .chain(() -> c.preparedQuery(UPSERT).execute(args))
                .map(result -> {
                    Row row = result.iterator().next();
                    int created = row.getLong("created").intValue();
                    int updated = row.getLong("updated").intValue();
                    return new Outcome(created, updated, n - created - updated);
                })
                .call(outcome -> c.preparedQuery(RACK_IN_TWO_BLOCKS).execute(Tuple.of(clusterId)).invoke(rs -> {
                    if (rs.size() > 0) {
                        throw new RackInTwoBlocks(rs.iterator().next().getString("rack"));
                    }
                }))
                .call(outcome -> also.apply(c, outcome)));
    }
}

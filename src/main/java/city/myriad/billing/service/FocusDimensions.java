package city.myriad.billing.service;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.UUID;

/**
 * What the rows name, looked up once per export (a handful of tenants, projects, clusters and invoices per
 * thousands of rows) instead of joined into every chunk's query: the chunk query stays a plain index scan.
 * Invoices are those issued when first looked up (an export is not one snapshot: see {@link FocusExport}).
 */
final class FocusDimensions {

    /** The invoice a row belongs to. */
    record InvoiceKey(UUID tenant, String period, String currency) {}

    // Written by the reading side, read by the rendering thread: concurrent maps.
    final java.util.Map<UUID, String> tenants = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.Map<UUID, String[]> projects = new java.util.concurrent.ConcurrentHashMap<>(); // slug, name
    final java.util.Map<UUID, String[]> clusters = new java.util.concurrent.ConcurrentHashMap<>(); // slug, region, op
    final java.util.Map<InvoiceKey, UUID> invoices = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<InvoiceKey> invoiceKeys = new java.util.HashSet<>();

    Uni<Void> load(io.vertx.mutiny.sqlclient.SqlConnection c, RowSet<Row> rows) {
        java.util.Set<UUID> t = new java.util.HashSet<>();
        java.util.Set<UUID> p = new java.util.HashSet<>();
        java.util.Set<UUID> k = new java.util.HashSet<>();
        java.util.Set<String> periods = new java.util.HashSet<>();
        java.util.Set<UUID> invoiceTenants = new java.util.HashSet<>();
        java.util.List<InvoiceKey> keys = new ArrayList<>();
        for (Row x : rows) {
            UUID tenant = x.getUUID(4);
            if (!tenants.containsKey(tenant)) {
                t.add(tenant);
            }
            if (!projects.containsKey(x.getUUID(5))) {
                p.add(x.getUUID(5));
            }
            if (!clusters.containsKey(x.getUUID(6))) {
                k.add(x.getUUID(6));
            }
            InvoiceKey key = new InvoiceKey(tenant, x.getString(3), x.getString(9));
            if (!invoiceKeys.contains(key)) {
                keys.add(key);
                invoiceTenants.add(tenant);
                periods.add(x.getString(3));
            }
        }
        Uni<Void> work = Uni.createFrom().voidItem();
        if (!t.isEmpty()) {
            work = work.chain(() -> c.preparedQuery("select id, name from tenants where id = any($1::uuid[])")
                    .execute(Tuple.of(t.toArray(UUID[]::new)))
                    .invoke(rs -> rs.forEach(r -> tenants.put(r.getUUID(0), r.getString(1)))).replaceWithVoid());
        }
        if (!p.isEmpty()) {
            work = work.chain(() -> c.preparedQuery("select id, slug, name from projects where id = any($1::uuid[])")
                    .execute(Tuple.of(p.toArray(UUID[]::new)))
                    .invoke(rs -> rs.forEach(r -> projects.put(r.getUUID(0), new String[] {r.getString(1),
                            r.getString(2)}))).replaceWithVoid());
        }
        if (!k.isEmpty()) {
            work = work.chain(() -> c.preparedQuery("select c.id, c.slug, c.region, o.name from clusters c "
                            + "join operators o on o.id = c.operator_id where c.id = any($1::uuid[])")
                    .execute(Tuple.of(k.toArray(UUID[]::new)))
                    .invoke(rs -> rs.forEach(r -> clusters.put(r.getUUID(0), new String[] {r.getString(1),
                            r.getString(2), r.getString(3)}))).replaceWithVoid());
        }
        if (!keys.isEmpty()) {
            work = work.chain(() -> c.preparedQuery("select tenant_id, period, currency, id from invoices "
                            + "where tenant_id = any($1::uuid[]) and period = any($2::text[]) and state <> 'DRAFT'")
                    .execute(Tuple.of(invoiceTenants.toArray(UUID[]::new), periods.toArray(String[]::new)))
                    .invoke(rs -> {
                        rs.forEach(r -> invoices.put(new InvoiceKey(r.getUUID(0), r.getString(1), r.getString(2)),
                                r.getUUID(3)));
                        invoiceKeys.addAll(keys);
                    }).replaceWithVoid());
        }
        return work;
    }
}

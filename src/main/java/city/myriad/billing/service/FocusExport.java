package city.myriad.billing.service;

import static city.myriad.billing.service.FocusRow.next;
import static city.myriad.billing.service.FocusRow.periodStart;

import city.myriad.catalog.service.ClusterSupply;
import city.myriad.catalog.service.OperatorLookup;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The FOCUS export: one row per job, run and hour of rated usage (ResourceId the job), a Credit row beside it when
 * the run was credited, and one row per invoice-level line of the issued invoices (reservations with their
 * CapacityReservationId, cancellations, commitments, prepaid credit). The sum of BilledCost for an InvoiceId is the
 * invoice's total. Rows stream in chunks read by keyset, one short transaction each, so memory
 * stays flat however many rows there are. The chunk size is {@code myriad.billing.export-chunk} (10,000; the
 * tests use a few rows, so that every chunk boundary is crossed). Who sees what: a tenant its own rows, an operator the rows of its
 * clusters, a platform admin everyone's (or one tenant's). This class reads and streams; the rows are made by
 * {@link FocusUsageRows}, {@link FocusLineRows} and {@link FocusCreditNoteRows}, on the columns of {@link FocusRow}.
 */
@ApplicationScoped
public class FocusExport {

    /** Whose rows: a tenant, some clusters, or all (both null). */
    public record Scope(UUID tenantId, List<UUID> clusterIds) {}

    private final PlainTx tx;
    private final TenantProjects tenants;
    private final OperatorLookup operators;
    private final ClusterSupply clusters;

    private final int chunk;

    FocusExport(PlainTx tx, TenantProjects tenants, OperatorLookup operators, ClusterSupply clusters,
            BillingConfig config) {
        this.chunk = config.exportChunk();
        this.tx = tx;
        this.tenants = tenants;
        this.operators = operators;
        this.clusters = clusters;
    }

    /** The validated request: checked before anything streams, so a bad one is a 400 problem. */
    public record Request(Instant from, Instant to, boolean csv) {}

    public static Request request(String from, String to, String format) {
        Window w = Window.of(from, to);
        Instant f = w.from();
        Instant t = w.to();
        String fmt = format == null ? "csv" : format;
        if (!fmt.equals("csv") && !fmt.equals("json")) {
            throw new MyriadProblem.Validation(ProblemCode.INVALID_EXPORT_FORMAT, "`format` is csv or json",
                    List.of(MyriadProblem.Violation.field("format", "csv or json")));
        }
        return new Request(f, t, fmt.equals("csv"));
    }

    public Uni<Scope> scope(Caller caller, UUID tenantId) {
        if (caller.isPlatformAdmin()) {
            return tenantId == null ? Uni.createFrom().item(new Scope(null, null))
                    : tenants.tenant(caller, tenantId, false).map(t -> new Scope(t, null));
        }
        if (caller.is(Caller.OPERATOR)) {
            if (tenantId != null) {
                throw new MyriadProblem.Forbidden(ProblemCode.PLATFORM_ADMIN_REQUIRED,
                        "Operators export the rows of their clusters, not of one tenant");
            }
            return operators.of(caller).chain(op -> clusters.all().map(all -> new Scope(null, all.stream()
                    .filter(c -> c.operatorId().equals(op.id())).map(ClusterSupply.ClusterRef::id).toList())));
        }
        return (tenantId == null ? tenants.readableTenant(caller) : tenants.tenant(caller, tenantId, false))
                .map(t -> new Scope(t, null));
    }

    /**
     * The rows as CSV (a header line, then one line per row, lines ending in LF) or a JSON array of objects. Each
     * item of the stream is a chunk of whole lines without its last line break: the HTTP layer ends every item with
     * one (Quarkus REST's streaming of a Multi), so the document comes out exactly as written here.
     */
    public Multi<Buffer> stream(Scope scope, Request r) {
        Buffer head = Buffer.buffer(r.csv() ? String.join(",", FocusColumns.ALL) : "[");
        // Whether no row was written yet (JSON: no comma before it); read and written by one thread at a time.
        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
        FocusDimensions dims = new FocusDimensions();
        Multi<Buffer> usage = Multi.createBy().repeating()
                .uni(() -> new Cursor[] {new Cursor(null, new UUID(0, 0), 0, false)},
                        cur -> usageChunk(scope, r, cur[0], dims).map(chunk -> {
                            cur[0] = chunk.next();
                            return chunk;
                        }))
                .until(chunk -> chunk.rows().isEmpty())
                // Rows become text on a worker thread, while the event loop reads the next chunk and writes the
                // last one: two cores at work instead of one. At most two chunks wait between them: without the
                // bound, emitOn asks for many chunks ahead and memory grows with the export.
                .emitOn(Infrastructure.getDefaultWorkerPool(), 2)
                .map(chunk -> FocusRendering.render(rowsOf(FocusUsageRows.of(chunk, dims)), r.csv(), first));
        Multi<Buffer> lines = Multi.createBy().repeating()
                .uni(() -> new LineCursor[] {new LineCursor(new UUID(0, 0), 0)},
                        cur -> lineChunk(scope, r, cur[0]).map(rows -> {
                            if (!rows.isEmpty()) {
                                cur[0] = rows.get(rows.size() - 1).lineCursor;
                            }
                            return rows;
                        }))
                .until(List::isEmpty)
                .map(rows -> FocusRendering.render(rowsOf(rows), r.csv(), first));
        Multi<Buffer> tail = r.csv() ? Multi.createFrom().empty() : Multi.createFrom().item(() -> Buffer.buffer("]"));
        return Multi.createBy().concatenating().streams(Multi.createFrom().item(head), usage, lines,
                creditNotes(scope, r, false, first), creditNotes(scope, r, true, first), tail);
    }

    /** The credit notes made (or, {@code voids}, voided) in the window, chunk by chunk in id order. */
    private Multi<Buffer> creditNotes(Scope scope, Request r, boolean voids,
            java.util.concurrent.atomic.AtomicBoolean first) {
        return Multi.createBy().repeating()
                .uni(() -> new UUID[] {new UUID(0, 0)}, cur -> creditNoteChunk(scope, r, cur[0], voids).map(rows -> {
                    if (!rows.isEmpty()) {
                        cur[0] = rows.get(rows.size() - 1).creditNote;
                    }
                    return rows;
                }))
                .until(List::isEmpty)
                .map(rows -> FocusRendering.render(rowsOf(rows), r.csv(), first));
    }

    /** Where the next usage chunk starts: an hour (null: the first with rows) and the last job and run read in it. */
    record Cursor(Instant hour, UUID job, int attempt, boolean done) {}

    /**
     * A chunk of rows, the tags and names of the jobs in it that have any (read with the chunk, so that memory stays
     * with the chunk however many jobs an export meets), and the cursor after it.
     */
    record UsageChunk(List<Row> rows, java.util.Map<UUID, JobLabels> jobLabels, Cursor next) {}

    /** A job's tags as stored (a JSON object with its keys sorted) and its name; either may be null. */
    record JobLabels(String tags, String name) {}

    /** The tags and names of the chunk's jobs that have either. */
    private static final String JOB_LABELS = """
            select id, tags::text, name from jobs where id = any($1::uuid[]) and (tags is not null or name is not null)""";

    record LineCursor(UUID invoice, int line) {}

    /** One or two FOCUS rows and where the next chunk starts. */
    static final class Out {
        final List<String[]> rows = new ArrayList<>(2);
        Cursor cursor;
        LineCursor lineCursor;
        UUID creditNote;
    }

    private static List<String[]> rowsOf(List<Out> chunk) {
        List<String[]> rows = new ArrayList<>(chunk.size() * 2);
        for (Out o : chunk) {
            rows.addAll(o.rows);
        }
        return rows;
    }

    /*
     * Usage is read one hour at a time, by keyset within the hour on (job, run): the equality on the hour keeps the
     * plan on the (hour, job_id, attempt) index whatever the row-level-security filter does to the planner's row
     * estimates (a keyset over the whole range let it choose a full scan and sort per chunk: quadratic).
     */
    private static final String USAGE = """
            select u.hour, u.job_id, u.attempt, u.period, u.tenant_id, u.project_id, u.cluster_id, u.model,
                   u.price_class, u.currency, u.reservation_id, u.unit_price_minor, u.card_milli_seconds,
                   u.cost_minor, u.credit_minor
              from usage_charges u
             where u.hour = $1 and (u.job_id, u.attempt) > ($2, $3)
               and ($4::uuid is null or u.tenant_id = $4::uuid)
               and ($5::uuid[] is null or u.cluster_id = any($5::uuid[]))
             order by u.job_id, u.attempt limit $6""";

    /** The first hour in [after or from, to) with rows in scope; null when there is none. */
    private static final String NEXT_HOUR = """
            select min(u.hour) from usage_charges u
             where u.hour >= $1 and u.hour < $2
               and ($3::uuid is null or u.tenant_id = $3::uuid)
               and ($4::uuid[] is null or u.cluster_id = any($4::uuid[]))""";

    /** The next chunk: rows of the cursor's hour after its (job, run), moving on to later hours while it is empty. */
    private Uni<UsageChunk> usageChunk(Scope s, Request r, Cursor c, FocusDimensions dims) {
        if (c.done()) {
            return Uni.createFrom().item(new UsageChunk(List.of(), java.util.Map.of(), c));
        }
        UUID[] clusters = s.clusterIds() == null ? null : s.clusterIds().toArray(UUID[]::new);
        return tx.in(s.tenantId(), conn -> {
            Uni<Instant> hour = c.hour() != null ? Uni.createFrom().item(c.hour()) : nextHour(conn, r.from(), r.to(),
                    s.tenantId(), clusters);
            return hour.chain(h -> h == null ? Uni.createFrom().item(new UsageChunk(List.of(), java.util.Map.of(),
                    new Cursor(null, c.job(), 0, true))) : conn.preparedQuery(USAGE).execute(Tuple.tuple().addValue(utc(h))
                            .addValue(c.hour() == null ? new UUID(0, 0) : c.job())
                            .addValue(c.hour() == null ? 0 : c.attempt()).addValue(s.tenantId()).addValue(clusters)
                            .addValue(chunk))
                    .chain(rows -> dims.load(conn, rows).map(loaded -> {
                        List<Row> list = new ArrayList<>(rows.size());
                        rows.forEach(list::add);
                        return list;
                    }))
                    .chain(out -> jobLabels(conn, out).chain(labels -> {
                        if (out.size() == chunk) {
                            Row last = out.get(out.size() - 1);
                            return Uni.createFrom().item(new UsageChunk(out, labels, new Cursor(h, last.getUUID(1),
                                    last.getInteger(2), false)));
                        }
                        // The hour is done: the next chunk starts at the next hour with rows.
                        return nextHour(conn, h.plusSeconds(3600), r.to(), s.tenantId(), clusters)
                                .map(next -> new UsageChunk(out, labels, next == null
                                        ? new Cursor(null, c.job(), 0, true)
                                        : new Cursor(next, new UUID(0, 0), 0, false)));
                    })));
        }).chain(chunk -> chunk.rows().isEmpty() && !chunk.next().done() ? usageChunk(s, r, chunk.next(), dims)
                : Uni.createFrom().item(chunk));
    }

    private static Uni<java.util.Map<UUID, JobLabels>> jobLabels(io.vertx.mutiny.sqlclient.SqlConnection conn,
            List<Row> rows) {
        if (rows.isEmpty()) {
            return Uni.createFrom().item(java.util.Map.of());
        }
        java.util.Set<UUID> jobs = new java.util.HashSet<>();
        rows.forEach(x -> jobs.add(x.getUUID(1)));
        return conn.preparedQuery(JOB_LABELS).execute(Tuple.of(jobs.toArray(UUID[]::new))).map(rs -> {
            java.util.Map<UUID, JobLabels> labels = new java.util.HashMap<>();
            rs.forEach(x -> labels.put(x.getUUID(0), new JobLabels(x.getString(1), x.getString(2))));
            return labels;
        });
    }

    private static Uni<Instant> nextHour(io.vertx.mutiny.sqlclient.SqlConnection conn, Instant from, Instant to,
            UUID tenant, UUID[] clusters) {
        return conn.preparedQuery(NEXT_HOUR).execute(Tuple.tuple().addValue(utc(from)).addValue(utc(to))
                        .addValue(tenant).addValue(clusters))
                .map(rows -> {
                    Row x = rows.iterator().next();
                    return x.getValue(0) == null ? null : x.getOffsetDateTime(0).toInstant();
                });
    }

    /**
     * Credit notes made in [from, to), by id. The marketplace bears them, so they are the tenant's rows only: an
     * operator's export has none (its settlement does not move).
     */
    private static final String CREDIT_NOTES = """
            select n.id, n.number, n.invoice_id, n.tenant_id, t.name, i.period, n.currency, n.amount_minor, n.reason,
                   n.memo, n.applied_to, n.created_at, i.subtotal_minor, i.tax_minor
              from credit_notes n join invoices i on i.id = n.invoice_id join tenants t on t.id = n.tenant_id
             where n.created_at >= $1 and n.created_at < $2 and n.id > $3
               and ($4::uuid is null or n.tenant_id = $4::uuid)
             order by n.id limit $5""";

    /** The credit notes voided in [from, to), by id, as {@link #CREDIT_NOTES} reads them (at: when voided). */
    private static final String CREDIT_NOTE_VOIDS = """
            select n.id, n.number, n.invoice_id, n.tenant_id, t.name, i.period, n.currency, n.amount_minor, n.reason,
                   n.void_memo, n.applied_to, n.voided_at, i.subtotal_minor, i.tax_minor
              from credit_notes n join invoices i on i.id = n.invoice_id join tenants t on t.id = n.tenant_id
             where n.voided_at >= $1 and n.voided_at < $2 and n.id > $3
               and ($4::uuid is null or n.tenant_id = $4::uuid)
             order by n.id limit $5""";

    private Uni<List<Out>> creditNoteChunk(Scope s, Request r, UUID after, boolean voids) {
        if (s.clusterIds() != null) {
            return Uni.createFrom().item(List.of());
        }
        Tuple args = Tuple.tuple().addValue(SqlTimes.utc(r.from())).addValue(SqlTimes.utc(r.to())).addValue(after)
                .addValue(s.tenantId()).addValue(chunk);
        return tx.in(s.tenantId(), conn -> conn.preparedQuery(voids ? CREDIT_NOTE_VOIDS : CREDIT_NOTES).execute(args))
                .map(rows -> FocusCreditNoteRows.of(rows, voids));
    }

    private static final String LINES = """
            with page as materialized (
                select l.*, i.tenant_id as invoice_tenant, i.period, i.currency
                  from invoice_lines l join invoices i on i.id = l.invoice_id
                 where i.state in ('ISSUED', 'PAID', 'UNCOLLECTIBLE')
                   and l.kind not in ('USAGE', 'ADJUSTMENT', 'PREEMPTION_CREDIT')
                   and i.period >= $1 and i.period < $2
                   and (l.invoice_id, l.line_no) > ($3, $4)
                   and ($5::uuid is null or i.tenant_id = $5::uuid)
                   and ($6::uuid[] is null or l.cluster_id = any($6::uuid[]))
                 order by l.invoice_id, l.line_no limit $7)
            select l.invoice_id, l.line_no, l.kind, l.invoice_tenant, t.name, l.period, l.currency, l.project_id,
                   p.name, p.slug, l.cluster_id, cl.slug, cl.region, o.name, l.model, l.price_class, l.hours_from,
                   l.hours_to, l.card_milli_seconds, l.amount_minor, l.reservation_id, l.commitment_id,
                   l.tax_rate_percent, l.tax_name
              from page l
              join tenants t on t.id = l.invoice_tenant
              left join projects p on p.id = l.project_id
              left join clusters cl on cl.id = l.cluster_id
              left join operators o on o.id = cl.operator_id
             order by l.invoice_id, l.line_no""";

    private Uni<List<Out>> lineChunk(Scope s, Request r, LineCursor c) {
        // Periods starting in [from, to): 'yyyy-MM' compares as the months do.
        String firstPeriod = java.time.YearMonth.from(r.from().atOffset(ZoneOffset.UTC)).toString();
        String firstStart = periodStart(firstPeriod).equals(r.from()) ? firstPeriod : next(firstPeriod);
        Instant last = r.to().minusNanos(1);
        String endPeriod = next(java.time.YearMonth.from(last.atOffset(ZoneOffset.UTC)).toString());
        Tuple args = Tuple.tuple().addValue(firstStart).addValue(endPeriod).addValue(c.invoice()).addValue(c.line())
                .addValue(s.tenantId()).addValue(s.clusterIds() == null ? null : s.clusterIds().toArray(UUID[]::new))
                .addValue(chunk);
        return tx.in(s.tenantId(), conn -> conn.preparedQuery(LINES).execute(args)).map(FocusLineRows::of);
    }

    private static OffsetDateTime utc(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }
}

package city.myriad.billing.service;

import city.myriad.billing.model.TaxShare;
import city.myriad.catalog.service.ClusterSupply;
import city.myriad.catalog.service.OperatorLookup;
import city.myriad.platform.db.PlainTx;
import city.myriad.platform.db.SqlTimes;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.money.MinorUnits;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.service.TenantProjects;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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
 * clusters, a platform admin everyone's (or one tenant's).
 */
@ApplicationScoped
public class FocusExport {

    static final String PROVIDER = "Myriad";
    static final String SERVICE = "Myriad GPU Compute";
    private static final DateTimeFormatter FOCUS_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

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
                .map(chunk -> FocusRendering.render(rowsOf(usageRows(chunk, dims)), r.csv(), first));
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
    private record Cursor(Instant hour, UUID job, int attempt, boolean done) {}

    /**
     * A chunk of rows, the tags and names of the jobs in it that have any (read with the chunk, so that memory stays
     * with the chunk however many jobs an export meets), and the cursor after it.
     */
    private record UsageChunk(List<Row> rows, java.util.Map<UUID, JobLabels> jobLabels, Cursor next) {}

    /** A job's tags as stored (a JSON object with its keys sorted) and its name; either may be null. */
    private record JobLabels(String tags, String name) {}

    /** The tags and names of the chunk's jobs that have either. */
    private static final String JOB_LABELS = """
            select id, tags::text, name from jobs where id = any($1::uuid[]) and (tags is not null or name is not null)""";

    private record LineCursor(UUID invoice, int line) {}

    /** One or two FOCUS rows and where the next chunk starts. */
    private static final class Out {
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

    private static List<Out> usageRows(UsageChunk chunk, FocusDimensions dims) {
        List<Row> rows = chunk.rows();
        List<Out> out = new ArrayList<>(rows.size());
        java.util.Map<Instant, String[]> hours = new java.util.HashMap<>(); // the chunk's hours, formatted once
        for (Row x : rows) {
            Instant hour = x.getOffsetDateTime(0).toInstant();
            UUID job = x.getUUID(1);
            int attempt = x.getInteger(2);
            String period = x.getString(3);
            UUID tenant = x.getUUID(4);
            UUID project = x.getUUID(5);
            String model = x.getString(7);
            String priceClass = x.getString(8);
            String currency = x.getString(9);
            UUID reservation = x.getUUID(10);
            int digits = digits(currency);
            long cms = x.getLong(12);
            long cost = x.getLong(13);
            long credit = x.getLong(14);
            String[] project3 = dims.projects.get(project);
            String[] cluster = dims.clusters.get(x.getUUID(6));
            String clusterSlug = cluster[0];
            UUID invoice = dims.invoices.get(new FocusDimensions.InvoiceKey(tenant, period, currency));
            BigDecimal gpuHours = BigDecimal.valueOf(cms).divide(BigDecimal.valueOf(3_600_000L), 6,
                    RoundingMode.HALF_EVEN);
            String unitPrice = money(x.getLong(11), digits);
            String quantity = plain(gpuHours);
            boolean correction = hour.isBefore(PERIOD_STARTS.computeIfAbsent(period, FocusExport::periodStart));
            String[] v = base(tenant, dims.tenants.get(tenant), currency, period, invoice, project, project3[1],
                    project3[0], cluster[1], clusterSlug, cluster[2]);
            JobLabels labels = chunk.jobLabels().get(job);
            set(v, C_Tags, withJobTags(v[C_Tags], labels == null ? null : labels.tags()));
            String costText = money(cost, digits);
            set(v, C_BilledCost, costText);
            set(v, C_ListCost, costText);
            set(v, C_ContractedCost, costText);
            set(v, C_EffectiveCost, costText);
            set(v, C_ChargeCategory, "Usage");
            set(v, C_ChargeClass, correction ? "Correction" : null);
            set(v, C_ChargeFrequency, "Usage-Based");
            String[] bounds = hours.computeIfAbsent(hour, h -> new String[] {time(h), time(h.plusSeconds(3600))});
            set(v, C_ChargePeriodStart, bounds[0]);
            set(v, C_ChargePeriodEnd, bounds[1]);
            set(v, C_ChargeDescription, model + " " + priceClass + " on " + clusterSlug + ": job " + job + ", "
                    + quantity + " GPU-hours in this hour"
                    + (correction ? " (metered after its period closed)" : ""));
            set(v, C_PricingQuantity, quantity);
            set(v, C_PricingUnit, "GPU-Hours");
            set(v, C_ConsumedQuantity, quantity);
            set(v, C_ConsumedUnit, "GPU-Hours");
            set(v, C_ListUnitPrice, unitPrice);
            set(v, C_ContractedUnitPrice, unitPrice);
            set(v, C_PricingCategory, priceClass.equals("SPOT") ? "Dynamic" : "Standard");
            set(v, C_CapacityReservationId, reservation == null ? null : reservation.toString());
            set(v, C_CapacityReservationStatus, reservation == null ? null : "Used");
            set(v, C_ResourceId, job.toString());
            // The tenant's name for the job when it gave one; else the id's words, as before names.
            set(v, C_ResourceName, labels != null && labels.name() != null ? labels.name() : "job " + job);
            set(v, C_ResourceType, "GPU Job");
            set(v, C_SkuId, model + "/" + priceClass);
            set(v, C_SkuMeter, "Card time");
            set(v, C_SkuPriceId, clusterSlug + "/" + model + "/" + priceClass + "@" + unitPrice);
            set(v, C_SkuPriceDetails, "{\"x_CardHourPrice\":" + unitPrice + ",\"x_Currency\":\"" + currency + "\"}");
            set(v, C_x_PriceClass, priceClass);
            set(v, C_x_Model, model);
            set(v, C_x_JobAttempt, Integer.toString(attempt));
            set(v, C_x_CardSeconds, plain(BigDecimal.valueOf(cms, 3)));
            Out o = new Out();
            o.rows.add(v);
            if (credit > 0) {
                String[] c = v.clone();
                String amount = money(-credit, digits);
                for (int col : COSTS) {
                    set(c, col, amount);
                }
                for (int col : PRICED_ONLY) {
                    set(c, col, null);
                }
                set(c, C_ChargeCategory, "Credit");
                set(c, C_ChargeFrequency, "One-Time");
                set(c, C_ChargeDescription, "Credit for job " + job + " run " + attempt
                        + ", interrupted by preemption or node failure");
                o.rows.add(c);
            }
            o.cursor = new Cursor(hour, job, attempt, false);
            out.add(o);
        }
        return out;
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
                .map(rows -> creditNoteRows(rows, voids));
    }

    /**
     * A credit note is a Credit of the billing period it was made in, correcting the invoice's (FOCUS ChargeClass
     * Correction): its charge period is the invoice's month, its InvoiceId the invoice it credits. Its void
     * ({@code voids}) is the same row with the opposite sign, in the billing period it was voided in
     * ({@code x_InvoiceLineKind} CREDIT_NOTE_VOID): an export of both months sums to nothing for the note. On a taxed
     * invoice the note's share of the tax ({@link TaxShare}) is a Tax row of its own (CREDIT_NOTE_TAX, or
     * CREDIT_NOTE_VOID_TAX), the Credit row the rest: the Tax rows of an export sum to the tax still owed.
     */
    private static List<Out> creditNoteRows(RowSet<Row> rows, boolean voids) {
        List<Out> out = new ArrayList<>(rows.size());
        for (Row x : rows) {
            UUID id = x.getUUID(0);
            String invoicePeriod = x.getString(5);
            String currency = x.getString(6);
            Instant at = x.getOffsetDateTime(11).toInstant();
            String billed = java.time.YearMonth.from(at.atOffset(ZoneOffset.UTC)).toString();
            String[] v = base(x.getUUID(3), x.getString(4), currency, billed, x.getUUID(2), null, null, null, null,
                    null, null);
            long amount = voids ? x.getLong(7) : -x.getLong(7);
            long tax = TaxShare.of(amount, x.getLong(12), x.getLong(13));
            String money = money(amount - tax, digits(currency));
            for (int col : COSTS) {
                set(v, col, money);
            }
            set(v, C_ChargeCategory, "Credit");
            set(v, C_ChargeClass, "Correction");
            set(v, C_ChargeFrequency, "One-Time");
            set(v, C_ChargePeriodStart, time(periodStart(invoicePeriod)));
            set(v, C_ChargePeriodEnd, time(periodStart(next(invoicePeriod))));
            String memo = x.getString(9);
            set(v, C_ChargeDescription, (voids ? "Void of credit note " + x.getString(1) + " (the amount due "
                    + "restored)" : "Credit note " + x.getString(1) + " (" + x.getString(8) + ", "
                    + (x.getString(10).equals("AMOUNT_DUE") ? "lowers the amount due" : "to the prepaid wallet")
                    + ")") + (memo == null ? "" : ": " + memo));
            set(v, C_x_InvoiceLineKind, voids ? "CREDIT_NOTE_VOID" : "CREDIT_NOTE");
            Out o = new Out();
            o.rows.add(v);
            if (tax != 0) {
                // The note's share of the invoice's tax, a Tax correction of its own beside the Credit of the rest.
                String[] t = v.clone();
                String taxMoney = money(tax, digits(currency));
                for (int col : COSTS) {
                    set(t, col, taxMoney);
                }
                set(t, C_ChargeCategory, "Tax");
                set(t, C_ChargeDescription, "Tax " + (voids ? "restored by the void of credit note "
                        : "taken back by credit note ") + x.getString(1));
                set(t, C_x_InvoiceLineKind, voids ? "CREDIT_NOTE_VOID_TAX" : "CREDIT_NOTE_TAX");
                o.rows.add(t);
            }
            o.creditNote = id;
            out.add(o);
        }
        return out;
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
        return tx.in(s.tenantId(), conn -> conn.preparedQuery(LINES).execute(args)).map(FocusExport::lineRows);
    }

    private static List<Out> lineRows(RowSet<Row> rows) {
        List<Out> out = new ArrayList<>(rows.size());
        for (Row x : rows) {
            UUID invoice = x.getUUID(0);
            int lineNo = x.getInteger(1);
            String kind = x.getString(2);
            String period = x.getString(5);
            String currency = x.getString(6);
            int digits = digits(currency);
            long amount = x.getLong(19);
            UUID reservation = x.getUUID(20);
            UUID commitment = x.getUUID(21);
            String clusterSlug = x.getString(11);
            String model = x.getString(14);
            String[] v = base(x.getUUID(3), x.getString(4), currency, period, invoice, x.getUUID(7), x.getString(8),
                    x.getString(9), x.getString(12), clusterSlug, x.getString(13));
            String money = money(amount, digits);
            for (int col : COSTS) {
                set(v, col, money);
            }
            Instant ps = periodStart(period);
            Instant from = x.getValue(16) == null ? ps : x.getOffsetDateTime(16).toInstant();
            Instant to = x.getValue(17) == null ? periodStart(next(period)) : x.getOffsetDateTime(17).toInstant();
            set(v, C_ChargePeriodStart, time(from));
            set(v, C_ChargePeriodEnd, time(to));
            set(v, C_ChargeFrequency, "One-Time");
            set(v, C_x_InvoiceLineKind, kind);
            set(v, C_x_Model, model);
            set(v, C_x_PriceClass, x.getString(15));
            switch (kind) {
                case "RESERVATION", "RESERVATION_EXTENSION" -> {
                    BigDecimal hours = BigDecimal.valueOf(x.getLong(18)).divide(BigDecimal.valueOf(3_600_000L), 6,
                            RoundingMode.HALF_EVEN);
                    String unit = BigDecimal.valueOf(amount).movePointLeft(digits)
                            .divide(hours, 6, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
                    set(v, C_ChargeCategory, "Purchase");
                    set(v, C_ChargeDescription, "Reservation " + reservation
                            + (kind.equals("RESERVATION") ? ": " : " extended: ") + plain(hours) + " card-hours of "
                            + model + " on " + clusterSlug + ", paid whether used or not");
                    set(v, C_PricingQuantity, plain(hours));
                    set(v, C_PricingUnit, "GPU-Hours");
                    set(v, C_ListUnitPrice, unit);
                    set(v, C_ContractedUnitPrice, unit);
                    set(v, C_PricingCategory, "Standard");
                    set(v, C_CapacityReservationId, reservation.toString());
                    set(v, C_SkuId, model + "/RESERVED");
                    set(v, C_SkuMeter, "Reserved card time");
                }
                case "RESERVATION_CANCELLATION" -> {
                    set(v, C_ChargeCategory, "Credit");
                    set(v, C_ChargeDescription, "Reservation " + reservation + " cancelled: its price less the fee");
                    set(v, C_CapacityReservationId, reservation.toString());
                }
                case "RESERVATION_SHORTFALL_CREDIT" -> {
                    BigDecimal hours = BigDecimal.valueOf(x.getLong(18)).divide(BigDecimal.valueOf(3_600_000L), 6,
                            RoundingMode.HALF_EVEN);
                    set(v, C_ChargeCategory, "Credit");
                    set(v, C_ChargeDescription, "Reservation " + reservation + ": " + plain(hours) + " reserved "
                            + model + " card-hours on " + clusterSlug + " not delivered (nodes out of service)");
                    set(v, C_CapacityReservationId, reservation.toString());
                }
                case "COMMITMENT_DISCOUNT" -> {
                    set(v, C_ChargeCategory, "Credit");
                    set(v, C_ChargeDescription, "Committed-use discount (commitment " + commitment + ") on "
                            + model + " ON_DEMAND on " + clusterSlug);
                }
                case "COMMITMENT_SHORTFALL" -> {
                    set(v, C_ChargeCategory, "Purchase");
                    set(v, C_ChargeFrequency, "Recurring");
                    set(v, C_ChargeDescription, "Commitment " + commitment + ": spend below the period's minimum");
                    set(v, C_PricingQuantity, "1");
                    set(v, C_PricingUnit, "Months");
                    set(v, C_ListUnitPrice, money);
                    set(v, C_ContractedUnitPrice, money);
                    set(v, C_PricingCategory, "Committed");
                }
                case "TAX" -> {
                    // FOCUS: a Tax charge has no SKU, quantity or unit price; its costs are the invoice's TAX line.
                    set(v, C_ChargeCategory, "Tax");
                    set(v, C_ChargeDescription, x.getString(23) + " at " + plain(x.getBigDecimal(22))
                            + "% on the invoice's subtotal");
                }
                case "PREPAID_CREDIT" -> {
                    set(v, C_ChargeCategory, "Credit");
                    set(v, C_ChargeDescription, "Prepaid credit applied");
                }
                default -> {
                    set(v, C_ChargeCategory, "Adjustment");
                    set(v, C_ChargeDescription, "Credit above the period's charges, carried to the prepaid wallet");
                }
            }
            Out o = new Out();
            o.rows.add(v);
            o.lineCursor = new LineCursor(invoice, lineNo);
            out.add(o);
        }
        return out;
    }

    private static final int C_AvailabilityZone = FocusColumns.index("AvailabilityZone");
    private static final int C_BilledCost = FocusColumns.index("BilledCost");
    private static final int C_BillingAccountId = FocusColumns.index("BillingAccountId");
    private static final int C_BillingAccountName = FocusColumns.index("BillingAccountName");
    private static final int C_BillingAccountType = FocusColumns.index("BillingAccountType");
    private static final int C_BillingCurrency = FocusColumns.index("BillingCurrency");
    private static final int C_BillingPeriodEnd = FocusColumns.index("BillingPeriodEnd");
    private static final int C_BillingPeriodStart = FocusColumns.index("BillingPeriodStart");
    private static final int C_CapacityReservationId = FocusColumns.index("CapacityReservationId");
    private static final int C_CapacityReservationStatus = FocusColumns.index("CapacityReservationStatus");
    private static final int C_ChargeCategory = FocusColumns.index("ChargeCategory");
    private static final int C_ChargeClass = FocusColumns.index("ChargeClass");
    private static final int C_ChargeDescription = FocusColumns.index("ChargeDescription");
    private static final int C_ChargeFrequency = FocusColumns.index("ChargeFrequency");
    private static final int C_ChargePeriodEnd = FocusColumns.index("ChargePeriodEnd");
    private static final int C_ChargePeriodStart = FocusColumns.index("ChargePeriodStart");
    private static final int C_ConsumedQuantity = FocusColumns.index("ConsumedQuantity");
    private static final int C_ConsumedUnit = FocusColumns.index("ConsumedUnit");
    private static final int C_ContractedCost = FocusColumns.index("ContractedCost");
    private static final int C_ContractedUnitPrice = FocusColumns.index("ContractedUnitPrice");
    private static final int C_EffectiveCost = FocusColumns.index("EffectiveCost");
    private static final int C_HostProviderName = FocusColumns.index("HostProviderName");
    private static final int C_InvoiceId = FocusColumns.index("InvoiceId");
    private static final int C_InvoiceIssuerName = FocusColumns.index("InvoiceIssuerName");
    private static final int C_ListCost = FocusColumns.index("ListCost");
    private static final int C_ListUnitPrice = FocusColumns.index("ListUnitPrice");
    private static final int C_PricingCategory = FocusColumns.index("PricingCategory");
    private static final int C_PricingQuantity = FocusColumns.index("PricingQuantity");
    private static final int C_PricingUnit = FocusColumns.index("PricingUnit");
    private static final int C_ProviderName = FocusColumns.index("ProviderName");
    private static final int C_PublisherName = FocusColumns.index("PublisherName");
    private static final int C_RegionId = FocusColumns.index("RegionId");
    private static final int C_RegionName = FocusColumns.index("RegionName");
    private static final int C_ResourceId = FocusColumns.index("ResourceId");
    private static final int C_ResourceName = FocusColumns.index("ResourceName");
    private static final int C_ResourceType = FocusColumns.index("ResourceType");
    private static final int C_ServiceCategory = FocusColumns.index("ServiceCategory");
    private static final int C_ServiceName = FocusColumns.index("ServiceName");
    private static final int C_ServiceProviderName = FocusColumns.index("ServiceProviderName");
    private static final int C_ServiceSubcategory = FocusColumns.index("ServiceSubcategory");
    private static final int C_SkuId = FocusColumns.index("SkuId");
    private static final int C_SkuMeter = FocusColumns.index("SkuMeter");
    private static final int C_SkuPriceDetails = FocusColumns.index("SkuPriceDetails");
    private static final int C_SkuPriceId = FocusColumns.index("SkuPriceId");
    private static final int C_SubAccountId = FocusColumns.index("SubAccountId");
    private static final int C_SubAccountName = FocusColumns.index("SubAccountName");
    private static final int C_SubAccountType = FocusColumns.index("SubAccountType");
    private static final int C_Tags = FocusColumns.index("Tags");
    private static final int C_x_CardSeconds = FocusColumns.index("x_CardSeconds");
    private static final int C_x_InvoiceLineKind = FocusColumns.index("x_InvoiceLineKind");
    private static final int C_x_JobAttempt = FocusColumns.index("x_JobAttempt");
    private static final int C_x_Model = FocusColumns.index("x_Model");
    private static final int C_x_PriceClass = FocusColumns.index("x_PriceClass");
    /** The four cost columns, equal on every row Myriad writes (no amortization, no list/contract difference). */
    private static final int[] COSTS = {C_BilledCost, C_ListCost, C_ContractedCost, C_EffectiveCost};
    /** Columns of a priced usage row that a credit beside it leaves empty. */
    private static final int[] PRICED_ONLY = {C_PricingQuantity, C_PricingUnit, C_ConsumedQuantity, C_ConsumedUnit,
            C_ListUnitPrice, C_ContractedUnitPrice, C_PricingCategory, C_CapacityReservationId,
            C_CapacityReservationStatus, C_SkuPriceId, C_SkuPriceDetails};

    /** Billing periods' bounds, formatted once (a handful of months per export; safe to share). */
    private static final java.util.Map<String, String[]> PERIODS = new java.util.concurrent.ConcurrentHashMap<>();
    /** Parsed once per period, not once per row (parsing was a fifth of the rendering). */
    private static final java.util.Map<String, Instant> PERIOD_STARTS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The columns every row shares: who is billed, in which period and invoice, where the cards were. */
    private static String[] base(UUID tenant, String tenantName, String currency, String period, UUID invoice,
            UUID project, String projectName, String projectSlug, String region, String clusterSlug,
            String operatorName) {
        String[] v = new String[FocusColumns.ALL.size()];
        set(v, C_BillingAccountId, tenant.toString());
        set(v, C_BillingAccountName, tenantName);
        set(v, C_BillingAccountType, "Tenant");
        set(v, C_BillingCurrency, currency);
        String[] bounds = PERIODS.computeIfAbsent(period, p -> new String[] {time(periodStart(p)),
                time(periodStart(next(p)))});
        set(v, C_BillingPeriodStart, bounds[0]);
        set(v, C_BillingPeriodEnd, bounds[1]);
        set(v, C_InvoiceId, invoice == null ? null : invoice.toString());
        set(v, C_InvoiceIssuerName, PROVIDER);
        set(v, C_ProviderName, PROVIDER);
        set(v, C_PublisherName, PROVIDER);
        set(v, C_ServiceProviderName, PROVIDER);
        set(v, C_HostProviderName, operatorName == null ? "Not Applicable" : operatorName);
        set(v, C_ServiceCategory, "AI and Machine Learning");
        set(v, C_ServiceSubcategory, "AI Platforms");
        set(v, C_ServiceName, SERVICE);
        set(v, C_RegionId, region);
        set(v, C_RegionName, region);
        set(v, C_AvailabilityZone, clusterSlug);
        if (project != null) {
            set(v, C_SubAccountId, project.toString());
            set(v, C_SubAccountName, projectName);
            set(v, C_SubAccountType, "Project");
            set(v, C_Tags, "{\"myriad/project\":" + FocusRendering.jsonString(projectSlug) + "}");
        }
        return v;
    }

    /**
     * The provider's tags of a row ({@code myriad/project}) with the job's own (a JSON object with sorted keys, "" or
     * null for none). No key is in both: a job's keys may not begin {@code myriad/} (FOCUS: user-defined keys in one
     * scheme, unprefixed; the provider's prefixed).
     */
    static String withJobTags(String provider, String job) {
        if (job == null || job.isEmpty() || job.equals("{}")) {
            return provider;
        }
        return provider == null ? job : provider.substring(0, provider.length() - 1) + "," + job.substring(1);
    }

    private static void set(String[] row, int column, String value) {
        row[column] = value;
    }

    static int digits(String currency) {
        return MinorUnits.digits(currency);
    }

    static String money(long minor, int digits) {
        return BigDecimal.valueOf(minor, digits).toPlainString();
    }

    private static String plain(BigDecimal v) {
        BigDecimal s = v.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }

    static String time(Instant t) {
        return FOCUS_TIME.format(t);
    }

    static Instant periodStart(String period) {
        return Instant.parse(period + "-01T00:00:00Z");
    }

    static String next(String period) {
        return java.time.YearMonth.parse(period).plusMonths(1).toString();
    }

    private static OffsetDateTime utc(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }
}

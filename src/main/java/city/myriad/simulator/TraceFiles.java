package city.myriad.simulator;

import city.myriad.allocation.Job;
import city.myriad.allocation.Placement;
import city.myriad.allocation.Topology;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads and writes the cluster, workload and placements files of data/traces/FORMAT.md (format v1). */
public final class TraceFiles {

    private TraceFiles() {}

    /** A workload read against a topology: jobs in file order, their ids and tenant names. */
    public record Workload(List<Job> jobs, List<String> jobIds, List<String> tenants) {}

    /**
     * Reads nodes by the header's column names, as `check.py` does: node_id, gpu_model, gpus, cpu_milli and
     * memory_mib are required, rack and block may be missing or empty (one rack, one block).
     */
    public static Topology readNodes(Path file) {
        Topology.Builder b = Topology.builder();
        CsvRows f = new CsvRows(file, "node_id", "gpu_model", "gpus", "cpu_milli", "memory_mib");
        int id = f.column("node_id");
        int model = f.column("gpu_model");
        int gpus = f.column("gpus");
        int cpu = f.column("cpu_milli");
        int memory = f.column("memory_mib");
        int rack = f.column("rack");
        int block = f.column("block");
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (f.next()) {
            unique(seen, f, id, "node_id");
            b.node(f.text(id).strip(), f.text(model).strip(), f.parseInt(gpus), f.parseLong(cpu),
                    f.parseLong(memory), rack < 0 ? "" : f.text(rack).strip(), block < 0 ? "" : f.text(block).strip());
        }
        return b.build();
    }

    /**
     * Reads jobs; {@code compress} divides submit times (K of FORMAT.md). Unknown models are simply not allowed.
     * Columns are found by their header names, as `check.py` finds them: job_id, submit_s, duration_s, gpus,
     * gpu_milli, gpu_models, cpu_milli and memory_mib are required; tenant, priority and preemptible may be missing.
     * Empty fields read as the checker reads them: no CPU, memory or priority, not preemptible, and a job of cards
     * with no share (empty or 0) takes whole cards.
     */
    public static Workload readJobs(Path file, Topology topology, double compress) {
        List<Job> jobs = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<String> tenants = new ArrayList<>();
        Map<String, Integer> tenantIndex = new HashMap<>();
        CsvRows f = new CsvRows(file, "job_id", "submit_s", "duration_s", "gpus", "gpu_milli", "gpu_models",
                "cpu_milli", "memory_mib");
        int id = f.column("job_id");
        int tenantColumn = f.column("tenant");
        int submit = f.column("submit_s");
        int durationColumn = f.column("duration_s");
        int gpus = f.column("gpus");
        int milli = f.column("gpu_milli");
        int modelsColumn = f.column("gpu_models");
        int cpu = f.column("cpu_milli");
        int memory = f.column("memory_mib");
        int priority = f.column("priority");
        int preemptible = f.column("preemptible");
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (f.next()) {
            unique(seen, f, id, "job_id");
            int tenant = tenantIndex.computeIfAbsent(tenantColumn < 0 ? "" : f.text(tenantColumn).strip(), k -> {
                tenants.add(k);
                return tenants.size() - 1;
            });
            long models = allowedModels(topology, f.text(modelsColumn));
            double duration = f.isEmpty(durationColumn) ? Double.POSITIVE_INFINITY : f.parseDouble(durationColumn);
            int cards = f.parseInt(gpus);
            int share = f.isEmpty(milli) ? 0 : f.parseInt(milli);
            Job.Builder job = Job.of(jobs.size()).tenant(tenant).submittedAt(f.parseDouble(submit) / compress)
                    .runsFor(duration).cards(cards).milliPerCard(cards > 0 && share <= 0 ? 1000 : share)
                    .models(models).cpu(longOrZero(f, cpu)).memory(longOrZero(f, memory))
                    .priority(priority < 0 ? 0 : (int) longOrZero(f, priority))
                    .preemptible(preemptible >= 0 && longOrZero(f, preemptible) != 0);
            try {
                jobs.add(job.build());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + f.line() + " (job_id " + f.text(id).strip() + "): "
                        + e.getMessage().replaceFirst("^job \\d+: ", ""));
            }
            ids.add(f.text(id).strip());
        }
        return new Workload(jobs, ids, tenants);
    }

    /**
     * The models a job's {@code gpu_models} field allows, as the checker reads it: names separated by {@code |},
     * blanks around them ignored; no name at all allows any model. A name the cluster does not have allows nothing.
     */
    static long allowedModels(Topology topology, String field) {
        long models = 0;
        boolean named = false;
        for (String name : field.split("\\|")) {
            String m = name.strip();
            if (!m.isEmpty()) {
                named = true;
                int model = topology.modelId(m);
                if (model >= 0) {
                    models |= 1L << model;
                }
            }
        }
        return named ? models : Job.ANY_MODEL;
    }

    /** Refuses a second row of one id, as the checker does. */
    private static void unique(java.util.Set<String> seen, CsvRows f, int column, String name) {
        String value = f.text(column).strip();
        if (!seen.add(value)) {
            throw new IllegalArgumentException(f.file() + " line " + f.line() + ": duplicate " + name + " " + value);
        }
    }

    private static long longOrZero(CsvRows f, int column) {
        return f.isEmpty(column) ? 0 : f.parseLong(column);
    }

    /** One run segment of a job, as written to the placements file. */
    public record Segment(Placement placement, double startS, double endS) {}

    public static void writePlacements(Path file, Topology t, Workload w, List<Segment> segments) {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("job_id,node_id,gpu_indices,gpu_milli,start_s,end_s\n");
            StringBuilder line = new StringBuilder();
            for (Segment s : segments) {
                Placement p = s.placement();
                for (int i = 0; i < p.nodes().length; i++) {
                    line.setLength(0);
                    field(line, w.jobIds().get(p.job().id())).append(',');
                    field(line, t.nodeName(p.nodes()[i])).append(',');
                    int[] cards = p.cards()[i];
                    for (int c = 0; c < cards.length; c++) {
                        if (c > 0) {
                            line.append(';');
                        }
                        line.append(cards[c]);
                    }
                    line.append(',').append(p.job().gpus() == 0 ? 0 : p.milli()).append(',').append(fmt(s.startS()))
                            .append(',').append(Double.isNaN(s.endS()) ? "" : fmt(s.endS())).append('\n');
                    out.write(line.toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends a name as a CSV field: quoted, its quotes doubled, when it holds a comma, a quote or a line break. */
    static StringBuilder field(StringBuilder line, String name) {
        if (name.indexOf(',') < 0 && name.indexOf('"') < 0 && name.indexOf('\n') < 0 && name.indexOf('\r') < 0) {
            return line.append(name);
        }
        return line.append('"').append(name.replace("\"", "\"\"")).append('"');
    }

    /**
     * A time as the text that reads back as the same double (the shortest such, never in exponent form): a
     * placement's start and end rounded apart to a few decimals could make a run look longer than its duration, or
     * start before its job's submission, to check.py.
     */
    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
                : java.math.BigDecimal.valueOf(v).toPlainString();
    }
}

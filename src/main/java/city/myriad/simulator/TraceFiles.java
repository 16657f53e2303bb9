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
import java.util.Locale;
import java.util.Map;

/** Reads and writes the cluster, workload and placements files of data/traces/FORMAT.md (format v1). */
public final class TraceFiles {

    private TraceFiles() {}

    /** A workload read against a topology: jobs in file order, their ids and tenant names. */
    public record Workload(List<Job> jobs, List<String> jobIds, List<String> tenants) {}

    public static Topology readNodes(Path file) {
        Topology.Builder b = Topology.builder();
        CsvRows f = new CsvRows(file, 7);
        while (f.next()) {
            b.node(f.text(0), f.text(1), f.parseInt(2), f.parseLong(3), f.parseLong(4), f.text(5), f.text(6));
        }
        return b.build();
    }

    /** Reads jobs; {@code compress} divides submit times (K of FORMAT.md). Unknown models are simply not allowed. */
    public static Workload readJobs(Path file, Topology topology, double compress) {
        List<Job> jobs = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<String> tenants = new ArrayList<>();
        Map<String, Integer> tenantIndex = new HashMap<>();
        CsvRows f = new CsvRows(file, 11);
        while (f.next()) {
            int tenant = tenantIndex.computeIfAbsent(f.text(1), k -> {
                tenants.add(k);
                return tenants.size() - 1;
            });
            long models = Job.ANY_MODEL;
            if (!f.isEmpty(6)) {
                models = 0;
                for (String m : f.text(6).split("\\|")) {
                    int id = topology.modelId(m);
                    if (id >= 0) {
                        models |= 1L << id;
                    }
                }
            }
            double duration = f.isEmpty(3) ? Double.POSITIVE_INFINITY : f.parseDouble(3);
            jobs.add(Job.of(jobs.size()).tenant(tenant).submittedAt(f.parseDouble(2) / compress)
                    .runsFor(duration).cards(f.parseInt(4)).milliPerCard(f.parseInt(5))
                    .models(models).cpu(f.parseLong(7)).memory(f.parseLong(8))
                    .priority(f.parseInt(9)).preemptible("1".equals(f.text(10))).build());
            ids.add(f.text(0));
        }
        return new Workload(jobs, ids, tenants);
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
                    line.append(w.jobIds().get(p.job().id())).append(',').append(t.nodeName(p.nodes()[i])).append(',');
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

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.6f", v);
    }
}

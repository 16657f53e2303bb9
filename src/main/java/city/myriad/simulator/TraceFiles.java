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
        for (String[] f : rows(file, 7)) {
            b.node(f[0], f[1], Integer.parseInt(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]), f[5], f[6]);
        }
        return b.build();
    }

    /** Reads jobs; {@code compress} divides submit times (K of FORMAT.md). Unknown models are simply not allowed. */
    public static Workload readJobs(Path file, Topology topology, double compress) {
        List<Job> jobs = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<String> tenants = new ArrayList<>();
        Map<String, Integer> tenantIndex = new HashMap<>();
        for (String[] f : rows(file, 11)) {
            int tenant = tenantIndex.computeIfAbsent(f[1], k -> {
                tenants.add(k);
                return tenants.size() - 1;
            });
            long models = Job.ANY_MODEL;
            if (!f[6].isEmpty()) {
                models = 0;
                for (String m : f[6].split("\\|")) {
                    int id = topology.modelId(m);
                    if (id >= 0) {
                        models |= 1L << id;
                    }
                }
            }
            double duration = f[3].isEmpty() ? Double.POSITIVE_INFINITY : Double.parseDouble(f[3]);
            jobs.add(Job.of(jobs.size()).tenant(tenant).submittedAt(Double.parseDouble(f[2]) / compress)
                    .runsFor(duration).cards(Integer.parseInt(f[4])).milliPerCard(Integer.parseInt(f[5]))
                    .models(models).cpu(Long.parseLong(f[7])).memory(Long.parseLong(f[8]))
                    .priority(Integer.parseInt(f[9])).preemptible("1".equals(f[10])).build());
            ids.add(f[0]);
        }
        return new Workload(jobs, ids, tenants);
    }

    private static List<String[]> rows(Path file, int columns) {
        try {
            List<String> lines = Files.readAllLines(file);
            List<String[]> rows = new ArrayList<>(lines.size());
            for (int i = 1; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != columns) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected " + columns + " fields");
                }
                rows.add(f);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

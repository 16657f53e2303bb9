package city.myriad.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.allocation.Job;
import city.myriad.allocation.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Synthetic workloads: valid per FORMAT.md, at the load asked for, and the same for the same seed. */
class GenerateTest {

    @TempDir
    Path dir;

    static Topology cluster() {
        Topology.Builder b = Topology.builder();
        for (int n = 0; n < 64; n++) {
            b.node("a" + n, "A10", 1, 32_000, 128_000, "ra" + n / 16, "ba");
            b.node("h" + n, "H800", 8, 192_000, 1_536_000, "rh" + n / 16, "bh");
        }
        return b.build();
    }

    @Test
    void the_offered_load_is_the_one_asked_for() throws Exception {
        Topology t = cluster();
        Path jobs = dir.resolve("jobs.csv");
        Generate.write(t, jobs, 5_000, 0.85, Double.NaN, new SplittableRandom(3));
        List<Job> w = TraceFiles.readJobs(jobs, t, 1).jobs();
        double work = 0;
        double first = Double.MAX_VALUE;
        double last = 0;
        for (Job j : w) {
            work += j.totalMilli() / 1000.0 * j.durationS();
            first = Math.min(first, j.submitS());
            last = Math.max(last, j.submitS());
        }
        double load = work / (t.totalCards() * (last - first));
        assertEquals(0.85, load, 0.03, "offered load");
    }

    @Test
    void every_job_follows_the_format_and_fits_some_node_of_its_models() throws Exception {
        Topology t = cluster();
        Path jobs = dir.resolve("jobs.csv");
        Generate.write(t, jobs, 3_000, 0.85, Double.NaN, new SplittableRandom(5));
        for (Job j : TraceFiles.readJobs(jobs, t, 1).jobs()) {
            assertTrue(j.gpuMilli() == 1000 || j.gpus() == 1, "a slice only on one card: " + j);
            assertTrue(j.durationS() > 0 && j.submitS() >= 0, "times: " + j);
            boolean single = j.gpus() <= t.maxCardsOnOneNode(j.allowedModels());
            if (single) {
                boolean fits = false;
                for (int n = 0; n < t.nodes(); n++) {
                    fits |= t.cards(n) >= j.gpus() && j.allows(t.model(n)) && t.cpu(n) >= j.cpuMilli()
                            && t.memory(n) >= j.memoryMib();
                }
                assertTrue(fits, "a single-node job must fit some node of an allowed model: " + j);
            }
        }
    }

    @Test
    void the_same_seed_gives_the_same_file_and_static_mode_has_no_run_times() throws Exception {
        Topology t = cluster();
        Path a = dir.resolve("a.csv");
        Path b = dir.resolve("b.csv");
        Generate.write(t, a, 2_000, 0.85, Double.NaN, new SplittableRandom(11));
        Generate.write(t, b, 2_000, 0.85, Double.NaN, new SplittableRandom(11));
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        Path s = dir.resolve("static.csv");
        Generate.write(t, s, 100_000, 0.85, 1.3, new SplittableRandom(11));
        List<Job> w = TraceFiles.readJobs(s, t, 1).jobs();
        long requested = w.stream().mapToLong(Job::totalMilli).sum();
        assertTrue(w.stream().allMatch(j -> Double.isInfinite(j.durationS())), "static jobs never end");
        assertTrue(requested >= 1.3 * t.totalCards() * 1000 && requested < 1.4 * t.totalCards() * 1000,
                "requests reach 130% of the cards: " + requested);
    }

    @Test
    void arrivals_follow_a_daily_cycle_peaking_in_the_afternoon() throws Exception {
        Topology t = cluster();
        Path jobs = dir.resolve("daily.csv");
        Generate.write(t, jobs, 30_000, 0.3, Double.NaN, new SplittableRandom(7));
        List<Job> w = TraceFiles.readJobs(jobs, t, 1).jobs();
        double last = w.stream().mapToDouble(Job::submitS).max().orElseThrow();
        assertTrue(last > 3 * 86_400, "the workload spans several days: " + last);
        int[] byHour = new int[24];
        for (Job j : w) {
            if (j.submitS() < Math.floor(last / 86_400) * 86_400) {  // whole days only
                byHour[(int) (j.submitS() % 86_400 / 3600)]++;
            }
        }
        int afternoon = byHour[12] + byHour[13] + byHour[14] + byHour[15];
        int night = byHour[0] + byHour[1] + byHour[2] + byHour[3];
        assertTrue(afternoon > 2 * night, "12:00-16:00 " + afternoon + " vs 00:00-04:00 " + night);
    }

    @Test
    void a_few_jobs_need_no_cards_only_cpu_and_memory() throws Exception {
        Topology t = cluster();
        Path jobs = dir.resolve("cpu.csv");
        Generate.write(t, jobs, 10_000, 0.85, Double.NaN, new SplittableRandom(9));
        List<Job> w = TraceFiles.readJobs(jobs, t, 1).jobs();
        long cpuOnly = w.stream().filter(j -> j.gpus() == 0).count();
        assertEquals(0.03, cpuOnly / (double) w.size(), 0.01, "share of CPU-only jobs");
        assertTrue(w.stream().filter(j -> j.gpus() == 0).allMatch(j -> j.cpuMilli() > 0 && j.memoryMib() > 0));
    }

    @Test
    void the_sharing_mix_has_the_proportions_of_the_fgd_paper_and_no_gangs_across_nodes() throws Exception {
        Topology t = cluster();
        Path jobs = dir.resolve("sharing.csv");
        Generate.write(t, jobs, 20_000, 0.85, Double.NaN, new SplittableRandom(13), Generate.Mix.SHARING);
        List<Job> w = TraceFiles.readJobs(jobs, t, 1).jobs();
        double n = w.size();
        assertEquals(0.13, w.stream().filter(j -> j.gpus() == 0).count() / n, 0.01, "CPU-only");
        assertEquals(0.38, w.stream().filter(Job::fractional).count() / n, 0.015, "slices");
        assertEquals(0.47, w.stream().filter(j -> j.gpus() == 1 && !j.fractional()).count() / n, 0.015, "one card");
        assertTrue(w.stream().allMatch(j -> j.gpus() <= 8), "no gang larger than a node");
    }

    @Test
    void the_fgd_sweeps_set_the_share_of_sharing_multi_card_and_model_bound_tasks_among_gpu_tasks() throws Exception {
        Topology t = cluster();
        Generate.Mix base = Generate.Mix.named("fgd");
        record Case(Generate.Mix mix, java.util.function.Predicate<Job> kind, double share) {}
        for (Case c : List.of(
                new Case(base.withSharing(0.4), Job::fractional, 0.4),
                new Case(base.withMulti(0.2), j -> j.gpus() > 1, 0.2),
                new Case(base.withMulti(0.5), j -> j.gpus() > 1, 0.5),
                new Case(base.withBound(0.33), j -> j.allowedModels() != Job.ANY_MODEL, 0.33))) {
            Path jobs = dir.resolve(c.mix().name() + ".csv");
            Generate.write(t, jobs, 20_000, 0.85, Double.NaN, new SplittableRandom(5), c.mix());
            List<Job> gpuTasks = TraceFiles.readJobs(jobs, t, 1).jobs().stream().filter(j -> j.gpus() > 0).toList();
            double share = gpuTasks.stream().filter(c.kind()).count() / (double) gpuTasks.size();
            assertEquals(c.share(), share, 0.015, c.mix().name());
        }
    }

    @Test
    void cpu_per_task_spans_the_range_asked_for_as_a_multiple_of_its_cards_share_of_the_node() throws Exception {
        Topology t = cluster();
        Generate.Mix mix = Generate.Mix.named("fgd").withCpu(0.3, 1.7).withBound(0.5);
        Path jobs = dir.resolve("cpu.csv");
        Generate.write(t, jobs, 20_000, 0.85, Double.NaN, new SplittableRandom(8), mix);
        long h800 = 1L << t.modelId("H800");
        // On H800 a card's share of its node is 24 cores; one-card tasks and slices stay under the cap of a node.
        double[] ratios = TraceFiles.readJobs(jobs, t, 1).jobs().stream()
                .filter(j -> j.allowedModels() == h800 && j.gpus() == 1)
                .mapToDouble(j -> j.cpuMilli() / (24_000.0 * j.gpuMilli() / 1000)).toArray();
        assertTrue(ratios.length > 1000, "enough tasks bound to H800: " + ratios.length);
        double min = java.util.Arrays.stream(ratios).min().orElseThrow();
        double max = java.util.Arrays.stream(ratios).max().orElseThrow();
        double mean = java.util.Arrays.stream(ratios).average().orElseThrow();
        assertTrue(min >= 0.299 && min < 0.32, "lowest " + min);
        assertTrue(max <= 1.7 && max > 1.68, "highest " + max);
        assertEquals(1.0, mean, 0.03, "mean");
    }

    @Test
    void fgd_slices_follow_their_weights_from_5_to_90_percent_of_a_card() throws Exception {
        Topology t = cluster();
        Path jobs = dir.resolve("fgd.csv");
        Generate.write(t, jobs, 20_000, 0.85, Double.NaN, new SplittableRandom(21), Generate.Mix.named("fgd"));
        List<Job> slices = TraceFiles.readJobs(jobs, t, 1).jobs().stream().filter(Job::fractional).toList();
        double half = slices.stream().filter(j -> j.gpuMilli() == 500).count() / (double) slices.size();
        assertEquals(0.2, half, 0.02, "a fifth of the slices are half a card");
        assertEquals(50, slices.stream().mapToInt(Job::gpuMilli).min().orElseThrow());
        assertEquals(900, slices.stream().mapToInt(Job::gpuMilli).max().orElseThrow());
    }
    @Test
    void slices_take_the_sizes_and_weights_asked_for() throws Exception {
        Topology t = cluster();
        Path jobs = dir.resolve("slices.csv");
        Generate.Mix mix = Generate.Mix.named("fgd").withSlices("250:1,600:3");
        Generate.write(t, jobs, 20_000, 0.85, Double.NaN, new SplittableRandom(22), mix);
        List<Job> slices = TraceFiles.readJobs(jobs, t, 1).jobs().stream().filter(Job::fractional).toList();
        assertTrue(slices.size() > 5000, "slices: " + slices.size());
        assertTrue(slices.stream().allMatch(j -> j.gpuMilli() == 250 || j.gpuMilli() == 600), "only the sizes asked for");
        double big = slices.stream().filter(j -> j.gpuMilli() == 600).count() / (double) slices.size();
        assertEquals(0.75, big, 0.02, "three in four slices weigh 600");
    }

    @Test
    void slices_out_of_a_card_or_without_weight_are_refused_with_the_rule() {
        Generate.Mix fgd = Generate.Mix.named("fgd");
        for (String bad : new String[] {"1000:1", "0:1", "500:0", "half:1", "500:-1"}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> fgd.withSlices(bad), bad);
            assertTrue(e.getMessage().startsWith("--slices"), e.getMessage());
        }
        assertEquals(1, fgd.withSlices("300").sliceWeight().length, "a weight defaults to 1");
    }
}

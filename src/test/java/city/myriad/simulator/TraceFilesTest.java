package city.myriad.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.allocation.Job;
import city.myriad.allocation.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading trace files: every line ending, blank lines, wrong rows named by line, numbers as Java parses them. */
class TraceFilesTest {

    static final String HEADER = "job_id,tenant,submit_s,duration_s,gpus,gpu_milli,gpu_models,cpu_milli,memory_mib,"
            + "priority,preemptible";

    @TempDir
    Path dir;

    @Test
    void lines_may_end_with_lf_cr_or_crlf_and_blank_lines_are_skipped() throws Exception {
        Topology t = GenerateTest.cluster();
        String[] rows = {"j1,t0,10,100,1,1000,,0,0,0,0", "j2,t1,20,,8,1000,H800,96000,512,2,1",
            "j3,t0,30.5,7.25,1,500,A10|H800,1000,64,0,0"};
        for (String eol : new String[] {"\n", "\r", "\r\n"}) {
            Path f = dir.resolve("jobs.csv");
            Files.writeString(f, HEADER + eol + rows[0] + eol + "  " + eol + eol + rows[1] + eol + rows[2]);
            TraceFiles.Workload w = TraceFiles.readJobs(f, t, 2);
            assertEquals(List.of("j1", "j2", "j3"), w.jobIds(), "line end " + eol.replace("\r", "CR").replace("\n", "LF"));
            assertEquals(List.of("t0", "t1"), w.tenants());
            Job j2 = w.jobs().get(1);
            assertEquals(10.0, j2.submitS());
            assertEquals(Double.POSITIVE_INFINITY, j2.durationS());
            assertEquals(8, j2.gpus());
            assertEquals(96_000, j2.cpuMilli());
            assertEquals(2, j2.priority());
            assertTrue(j2.preemptible());
            Job j3 = w.jobs().get(2);
            assertEquals(15.25, j3.submitS());
            assertEquals(7.25, j3.durationS());
            assertEquals(500, j3.gpuMilli());
            assertTrue(j3.allows(t.modelId("A10")) && j3.allows(t.modelId("H800")));
        }
    }

    @Test
    void columns_are_found_by_name_and_empty_fields_read_as_the_checker_reads_them() throws Exception {
        Topology t = GenerateTest.cluster();
        Path f = dir.resolve("jobs.csv");
        // Another order, no tenant, priority or preemptible column; empty CPU, memory and shares.
        Files.writeString(f, "gpus,job_id,gpu_models,submit_s,duration_s,gpu_milli,memory_mib,cpu_milli\n"
                + "2,a,,5,10,,,\n"
                + "1,b,H800,6,,0,64,8000\n"
                + "0,c,,7,,,,4000\n"
                + "1,d,,8,,250,,\n");
        TraceFiles.Workload w = TraceFiles.readJobs(f, t, 1);
        assertEquals(List.of("a", "b", "c", "d"), w.jobIds());
        assertEquals(List.of(""), w.tenants(), "one tenant without a name");
        Job a = w.jobs().get(0);
        assertEquals(2, a.gpus());
        assertEquals(1000, a.gpuMilli(), "a job of cards without a share takes whole cards");
        assertEquals(0, a.cpuMilli());
        assertEquals(0, a.memoryMib());
        assertEquals(0, a.priority());
        assertEquals(false, a.preemptible());
        assertEquals(10.0, a.durationS());
        Job b = w.jobs().get(1);
        assertEquals(1000, b.gpuMilli(), "a share of 0 on a card too");
        assertEquals(8000, b.cpuMilli());
        assertEquals(64, b.memoryMib());
        assertTrue(b.allows(t.modelId("H800")) && !b.allows(t.modelId("A10")));
        assertEquals(0, w.jobs().get(2).totalMilli(), "a CPU-only job");
        assertEquals(250, w.jobs().get(3).gpuMilli());
    }

    @Test
    void models_and_the_preemptible_flag_read_as_the_checker_reads_them() throws Exception {
        Topology t = GenerateTest.cluster();
        Path f = dir.resolve("jobs.csv");
        Files.writeString(f, HEADER + "\n"
                + "a,t0,0,,1,1000, A10 | H800 ,0,0,0,2\n"
                + "b,t0,0,,1,1000,|,0,0,0,0\n"
                + "c,t0,0,,1,1000,B200|,0,0,0,1\n");
        List<Job> jobs = TraceFiles.readJobs(f, t, 1).jobs();
        Job a = jobs.get(0);
        assertTrue(a.allows(t.modelId("A10")) && a.allows(t.modelId("H800")), "blanks around a name are not part of it");
        assertTrue(a.preemptible(), "any flag but 0 is preemptible");
        assertEquals(Job.ANY_MODEL, jobs.get(1).allowedModels(), "separators and no name: any model");
        assertEquals(false, jobs.get(1).preemptible());
        assertEquals(0L, jobs.get(2).allowedModels(), "a model the cluster lacks allows nothing");
    }

    @Test
    void a_missing_required_column_is_named() throws Exception {
        Topology t = GenerateTest.cluster();
        Path f = dir.resolve("jobs.csv");
        Files.writeString(f, "job_id,submit_s,duration_s,gpus,gpu_models,cpu_milli,memory_mib\na,0,,1,,0,0\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceFiles.readJobs(f, t, 1));
        assertTrue(e.getMessage().contains("missing columns [gpu_milli]"), e.getMessage());
    }

    @Test
    void nodes_are_read_by_name_and_racks_and_blocks_may_be_missing() throws Exception {
        Path f = dir.resolve("nodes.csv");
        Files.writeString(f, "gpus,node_id,memory_mib,cpu_milli,gpu_model\n8,n0,1024,64000,H800\n1,n1,256,16000,A10\n");
        Topology t = TraceFiles.readNodes(f);
        assertEquals(2, t.nodes());
        assertEquals(8, t.cards(0));
        assertEquals(9, t.totalCards());
        assertTrue(t.modelId("H800") >= 0 && t.modelId("A10") >= 0);
    }

    @Test
    void a_node_of_cards_without_a_model_name_counts_its_cards_for_jobs_of_any_model_as_the_checker_does()
            throws Exception {
        Path n = dir.resolve("nodes.csv");
        Files.writeString(n, "node_id,gpu_model,gpus,cpu_milli,memory_mib\nn0,A10,1,1000,1000\nn1,,4,1000,1000\n"
                + "n2,,0,1000,1000\n");
        Topology t = TraceFiles.readNodes(n);
        assertEquals(5, t.totalCards());
        assertEquals(4, t.cards(1));
        Path f = dir.resolve("jobs.csv");
        Files.writeString(f, HEADER + "\nany,t0,0,,4,1000,,0,0,0,0\nbound,t0,0,,1,1000,A10,0,0,0,0\n");
        List<Job> jobs = TraceFiles.readJobs(f, t, 1).jobs();
        assertTrue(jobs.get(0).allows(t.model(1)), "a job of any model may use the unnamed cards");
        assertTrue(!jobs.get(1).allows(t.model(1)), "a job bound to a model may not");
    }

    @Test
    void a_short_row_reads_its_missing_fields_as_empty_and_a_long_one_ignores_the_extra_as_the_checker_does()
            throws Exception {
        Topology t = GenerateTest.cluster();
        Path f = dir.resolve("jobs.csv");
        Files.writeString(f, HEADER + "\nj1,t0,0,1,1,1000,,0,0,0,1\nj2,t0,1,1,1,1000,,0,0\nj3,t0,2,1,1,1000,,0,0,5,1,x,y\n");
        List<Job> jobs = TraceFiles.readJobs(f, t, 1).jobs();
        assertEquals(3, jobs.size());
        assertEquals(0, jobs.get(1).priority(), "a missing priority is 0");
        assertEquals(false, jobs.get(1).preemptible(), "a missing flag is not preemptible");
        assertEquals(5, jobs.get(2).priority());
        assertTrue(jobs.get(2).preemptible());
    }

    @Test
    void a_field_that_is_no_number_is_named_by_its_line_and_column() throws Exception {
        Topology t = GenerateTest.cluster();
        Path f = dir.resolve("jobs.csv");
        for (String bad : new String[] {"j2,t0,1,1,one,1000,,0,0,0,0", "j2,t0,1,1", "j2,t0,1,1,\"1\"x,1000,,0,0,0,0"}) {
            Files.writeString(f, HEADER + "\nj1,t0,0,1,1,1000,,0,0,0,0\n\n" + bad + "\n");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceFiles.readJobs(f, t, 1));
            assertTrue(e.getMessage().contains("line 4: gpus is not a number"), e.getMessage());
        }
    }

    @Test
    void quoted_fields_and_blanks_around_numbers_read_as_the_checker_reads_them() throws Exception {
        Topology t = GenerateTest.cluster();
        Path f = dir.resolve("jobs.csv");
        // Every field quoted (csv.QUOTE_ALL), an id with a comma, a doubled quote and a line break, blanks around
        // numbers, then a plain row: the row after the line break is on line 5.
        Files.writeString(f, "\"job_id\",\"tenant\",\"submit_s\",\"duration_s\",\"gpus\",\"gpu_milli\","
                + "\"gpu_models\",\"cpu_milli\",\"memory_mib\",\"priority\",\"preemptible\"\r\n"
                + "\"a,1\",\"t0\",\"3\",\"\",\"1\",\"500\",\"A10|H800\",\"1000\",\"64\",\"0\",\"0\"\r\n"
                + "\"say \"\"b\"\"\n2\",t1, 4 ,7.5 , 2,,H800, 8000 ,,\" 1\",1\r\n"
                + "c,t0,5,,1,1000,,0,0,0,0\r\n"
                + "d,t0,x5,,1,1000,,0,0,0,0\r\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceFiles.readJobs(f, t, 1));
        assertTrue(e.getMessage().contains("line 6: submit_s is not a number: 'x5'"), e.getMessage());
        Files.writeString(f, Files.readString(f).replace("x5", "6"));
        TraceFiles.Workload w = TraceFiles.readJobs(f, t, 1);
        assertEquals(List.of("a,1", "say \"b\"\n2", "c", "d"), w.jobIds());
        Job a = w.jobs().get(0);
        assertEquals(500, a.gpuMilli());
        assertEquals(Double.POSITIVE_INFINITY, a.durationS(), "a quoted empty field is empty");
        assertTrue(a.allows(t.modelId("A10")) && a.allows(t.modelId("H800")));
        Job b = w.jobs().get(1);
        assertEquals(4.0, b.submitS());
        assertEquals(7.5, b.durationS());
        assertEquals(2, b.gpus());
        assertEquals(1000, b.gpuMilli());
        assertEquals(8000, b.cpuMilli());
        assertEquals(1, b.priority());
        assertEquals(5.0, w.jobs().get(2).submitS());
    }

    @Test
    void a_job_the_format_does_not_allow_is_named_by_its_line_and_id() throws Exception {
        Topology t = GenerateTest.cluster();
        Path f = dir.resolve("jobs.csv");
        String[][] cases = {{"j2,t0,1,,2,500,,0,0,0,0", "a fractional share (gpu_milli 500) needs exactly one card, got 2"},
            {"j2,t0,1,,-1,1000,,0,0,0,0", "gpus must be 0 or more, got -1"},
            {"j2,t0,1,,1,1500,,0,0,0,0", "gpu_milli must be 0 to 1000, got 1500"}};
        for (String[] c : cases) {
            Files.writeString(f, HEADER + "\nj1,t0,0,1,1,1000,,0,0,0,0\n" + c[0] + "\n");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceFiles.readJobs(f, t, 1));
            assertTrue(e.getMessage().endsWith("line 3 (job_id j2): " + c[1]), e.getMessage());
        }
    }

    @Test
    void a_second_row_of_one_id_is_refused_as_the_checker_refuses_it() throws Exception {
        Topology t = GenerateTest.cluster();
        Path f = dir.resolve("jobs.csv");
        Files.writeString(f, HEADER + "\nj1,t0,0,1,1,1000,,0,0,0,0\nj2,t0,0,1,1,1000,,0,0,0,0\n j1 ,t0,0,1,1,1000,,0,0,0,0\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceFiles.readJobs(f, t, 1));
        assertTrue(e.getMessage().endsWith("line 4: duplicate job_id j1"), e.getMessage());
        Path n = dir.resolve("nodes.csv");
        Files.writeString(n, "node_id,gpu_model,gpus,cpu_milli,memory_mib\nn0,A10,1,1000,1000\nn0,A10,1,1000,1000\n");
        e = assertThrows(IllegalArgumentException.class, () -> TraceFiles.readNodes(n));
        assertTrue(e.getMessage().endsWith("line 3: duplicate node_id n0"), e.getMessage());
    }

    @Test
    void a_quote_left_open_is_named_by_the_line_its_row_starts_on() throws Exception {
        Topology t = GenerateTest.cluster();
        Path f = dir.resolve("jobs.csv");
        Files.writeString(f, HEADER + "\nj1,t0,0,1,1,1000,,0,0,0,0\n\"j2,t0,1,1,1,1000,,0,0,0,0\nj3,t0,0,1,1,1000,,0,0,0,0\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceFiles.readJobs(f, t, 1));
        assertTrue(e.getMessage().endsWith("line 3: a quoted field is not closed"), e.getMessage());
    }

    @Test
    void names_with_a_comma_or_a_quote_are_written_quoted_so_the_placements_read_back() throws Exception {
        Path nodes = dir.resolve("nodes.csv");
        Files.writeString(nodes, "node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n\"n,1\",V100,8,0,0,r1,b1\n");
        Path jobs = dir.resolve("jobs.csv");
        Files.writeString(jobs, HEADER + "\n\"j \"\"1\"\"\",t0,0,,1,1000,,0,0,0,0\n");
        Path placements = dir.resolve("placements.csv");
        assertEquals(0, quietly("replay", "--static", "--nodes", nodes.toString(), "--jobs", jobs.toString(), "--policy",
                "default", "--out", placements.toString(), "--no-progress"));
        CsvRows rows = new CsvRows(placements, "job_id", "node_id");
        assertTrue(rows.next());
        assertEquals("j \"1\"", rows.text(rows.column("job_id")));
        assertEquals("n,1", rows.text(rows.column("node_id")));
    }

    @Test
    void numbers_read_as_java_parses_their_text() throws Exception {
        Topology t = GenerateTest.cluster();
        SplittableRandom r = new SplittableRandom(5);
        String[] texts = new String[400];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = switch (i % 5) {
                case 0 -> Long.toString(r.nextLong(1L << 53));  // many digits: past the short path
                case 1 -> Long.toString(r.nextLong(1_000_000_000L));
                case 2 -> Double.toString(r.nextDouble() * 1e7);
                case 3 -> String.format(java.util.Locale.ROOT, "%.3e", r.nextDouble() * 1e9);
                default -> "00" + r.nextInt(1000);
            };
        }
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (int i = 0; i < texts.length; i++) {
            csv.append("j").append(i).append(",t0,").append(texts[i]).append(',').append(texts[i])
                    .append(",1,1000,,0,0,0,0\n");
        }
        Path f = dir.resolve("jobs.csv");
        Files.writeString(f, csv);
        List<Job> jobs = TraceFiles.readJobs(f, t, 1).jobs();
        for (int i = 0; i < texts.length; i++) {
            assertEquals(Double.parseDouble(texts[i]), jobs.get(i).submitS(), texts[i]);
            assertEquals(Double.parseDouble(texts[i]), jobs.get(i).durationS(), texts[i]);
        }
    }

    @Test
    void a_segment_is_written_with_the_times_it_has_so_the_checker_reads_back_its_run_time() throws Exception {
        // Philly job p021056 at --compress 6.071: printed to 6 decimals, its start rounded down and its end up, and
        // check.py found it ran 1e-6 s longer than its duration (an overrun).
        Path nodes = dir.resolve("nodes.csv");
        Files.writeString(nodes, "node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\nn1,V100,8,0,0,r1,b1\n");
        Path jobs = dir.resolve("jobs.csv");
        Files.writeString(jobs, HEADER + "\np021056,t0,3149582,111838,1,1000,,0,0,0,0\n");
        Path placements = dir.resolve("placements.csv");
        assertEquals(0, quietly("replay", "--nodes", nodes.toString(), "--jobs", jobs.toString(), "--compress", "6.071",
                "--policy", "fifo-firstfit", "--out", placements.toString(), "--no-progress"));
        String[] row = Files.readAllLines(placements).get(1).split(",", -1);
        double start = Double.parseDouble(row[4]);
        double end = Double.parseDouble(row[5]);
        assertEquals(3149582 / 6.071, start, 0.0, "the start as the replay had it: never before the job's submission");
        assertTrue(end - start <= 111838 + 1e-6 && end - start >= 111838 - 1e-6, row[4] + " to " + row[5]);
    }

    /** Runs the simulator's command line with its report to standard output dropped. */
    private static int quietly(String... args) {
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            return Main.run(args);
        } finally {
            System.setOut(out);
        }
    }
}

package city.myriad.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line: a misspelt option is an error, not a run that silently ignores it. */
class MainTest {

    @Test
    void an_unknown_option_stops_the_command_with_its_name() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(new String[] {"replay", "--nodes", "n.csv", "--jobs", "j.csv", "--aging", "6"});
        } finally {
            System.setErr(err);
        }
        assertNotEquals(0, code);
        assertTrue(captured.toString(StandardCharsets.UTF_8).contains("unknown option --aging for replay"),
                captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void each_command_takes_its_own_options_only() {
        Main.known("replay", Map.of("nodes", "n", "jobs", "j", "aging-h", "6", "aging-cap-h", "24", "heads", "4", "static", "true",
                "whole-node-reservation-h", "none"));
        Main.known("generate", Map.of("nodes", "n", "out", "o", "slices", "500:1", "cpu", "1-2"));
        Main.known("bounds", Map.of("nodes", "n", "jobs", "j", "compress", "5"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Main.known("bounds", Map.of("nodes", "n", "policy", "fgd")));
        assertEquals("unknown option --policy for bounds", e.getMessage());
    }

    @Test
    void a_replay_in_which_no_job_finishes_reports_no_wait_rather_than_a_wait_of_zero(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path nodes = dir.resolve("nodes.csv");
        java.nio.file.Files.writeString(nodes, "node_id,gpu_model,gpus,cpu_milli,memory_mib\nn0,A10,1,1000,1000\n");
        java.nio.file.Path jobs = dir.resolve("jobs.csv");
        java.nio.file.Files.writeString(jobs, TraceFilesTest.HEADER + "\nj0,t0,0,100,1,1000,H800,0,0,0,0\n");
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run(new String[] {"replay", "--nodes", nodes.toString(), "--jobs", jobs.toString(),
                "--no-progress"}));
        } finally {
            System.setOut(out);
        }
        String json = captured.toString(StandardCharsets.UTF_8);
        for (String figure : new String[] {"mean_wait_s", "p99_wait_s", "max_wait_s", "mean_jct_s", "utilization"}) {
            assertTrue(json.contains("\"" + figure + "\": null"), figure + " in " + json);
        }
        assertTrue(json.contains("\"finished\": 0"), json);
    }
}

package city.myriad.metering.bench;

import static city.myriad.jobs.bench.SubmissionLoad.q;
import static city.myriad.jobs.bench.SubmissionLoad.request;
import static city.myriad.jobs.bench.SubmissionLoad.run;
import static city.myriad.jobs.bench.SubmissionLoad.send;
import static city.myriad.jobs.bench.SubmissionLoad.token;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Usage-event ingestion through the HTTP API of a Myriad that bin/bench-usage started on this machine. Bounded: a
 * fixed number of batches, to 127.0.0.1 only.
 *
 * <p>Starts 16 long ON_DEMAND jobs of 8 cards on the demo cluster and waits until they run; builds every batch
 * (1,000 valid events each, unique ids, spread over the jobs) before the clock starts; then measures, in one run:
 * a baseline ({@code GET /api/v1/me} at the same concurrency), and {@code batches} batches with {@code concurrency}
 * in flight: events per second and the latency of each batch (the answer comes after the durable commit). Last, it
 * checks that the service kept every event exactly once (the jobs' eventCount) and cancels the jobs.
 *
 * <p>Arguments: api keycloak management batches concurrency.
 */
public final class UsageLoad {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String HANGZHOU = "01930000-0000-7000-8000-00000000c001";
    static final String ACME_VISION = "01930000-0000-7000-8000-00000000e101";
    static final int JOBS = 16;
    static final int EVENTS = 1000;

    record Running(String id, String node, Instant startedAt) {}

    public static void main(String[] args) {
        city.myriad.support.LoadClient.main(args, UsageLoad::measure);
    }

    static void measure(String[] args) throws Exception {
        String api = args[0];
        String keycloak = args[1];
        int batches = Integer.parseInt(args[3]);
        int concurrency = Integer.parseInt(args[4]);
        city.myriad.support.LoadClient.requireLocal(api);
        String olga = token(keycloak, "olga");
        String alice = token(keycloak, "alice");

        List<Running> jobs = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int j = 0; j < JOBS; j++) {
            ids.add(JSON.readTree(send(alice, "POST", api + "/api/v1/jobs", "application/json", "{\"projectId\":\""
                    + ACME_VISION + "\",\"clusterId\":\"" + HANGZHOU + "\",\"model\":\"ASCEND-910B\",\"cards\":8,"
                    + "\"class\":\"ON_DEMAND\",\"maxRunSeconds\":86400}", 201)).path("id").asText());
        }
        long deadline = System.currentTimeMillis() + 60_000;
        for (String id : ids) {
            JsonNode job;
            do {
                Thread.sleep(200);
                job = JSON.readTree(send(alice, "GET", api + "/api/v1/jobs/" + id, null, null, 200));
            } while (!job.path("state").asText().equals("RUNNING") && System.currentTimeMillis() < deadline);
            if (!job.path("state").asText().equals("RUNNING")) {
                throw new IllegalStateException("job " + id + " did not start: " + job);
            }
            jobs.add(new Running(id, job.path("placement").get(0).path("node").asText(),
                    Instant.parse(job.path("startedAt").asText())));
        }
        Thread.sleep(2000); // every event's interval ends a second after its job started: in the past now

        String runId = Long.toString(System.currentTimeMillis(), 36);
        Random random = new Random(11);
        List<String> warmup = bodies(jobs, runId + "-w", 100, random);  // the JIT is cold for the first ~50
        List<String> measured = bodies(jobs, runId + "-m", batches, random);

        run(3000, concurrency, i -> request(alice, "GET", api + "/api/v1/me", null, null));
        long[] baseline = run(Math.max(1000, batches), concurrency,
                i -> request(alice, "GET", api + "/api/v1/me", null, null));
        AtomicLong accepted = new AtomicLong();
        run(warmup.size(), concurrency, i -> ingest(api, olga, warmup.get(i), accepted));
        accepted.set(0);
        long started = System.nanoTime();
        long[] latency = run(measured.size(), concurrency, i -> ingest(api, olga, measured.get(i), accepted));
        double seconds = (System.nanoTime() - started) / 1e9;

        long counted = 0;
        for (Running j : jobs) {
            counted += JSON.readTree(send(olga, "GET", api + "/api/v1/jobs/" + j.id() + "/usage", null, null, 200))
                    .path("eventCount").asLong();
        }
        long sent = (long) (warmup.size() + measured.size()) * EVENTS;

        StringBuilder out = new StringBuilder();
        out.append(String.format("%d batches of %d events (%d events), %d in flight, %d running jobs%n",
                measured.size(), EVENTS, (long) measured.size() * EVENTS, concurrency, JOBS));
        out.append(String.format("ingestion: %d accepted in %.1f s = %.0f events per second%n", accepted.get(),
                seconds, accepted.get() / seconds));
        out.append(String.format("batch latency: median %.1f ms, p99 %.1f ms, max %.1f ms%n", q(latency, 0.5),
                q(latency, 0.99), q(latency, 1.0)));
        out.append(String.format("baseline GET /api/v1/me: median %.1f ms, p99 %.1f ms; batch/baseline median ratio "
                + "%.1f%n", q(baseline, 0.5), q(baseline, 0.99), q(latency, 0.5) / q(baseline, 0.5)));
        out.append(String.format("kept: %d events counted on the jobs for %d sent (warm-up included): %s%n", counted,
                sent, counted == sent ? "each once" : "MISMATCH"));
        System.out.print(out);
        Path report = Path.of("target/bench/usage-ingestion.txt");
        Files.createDirectories(report.getParent());
        Files.writeString(report, out.toString());
        for (String id : ids) {
            send(alice, "POST", api + "/api/v1/jobs/" + id + "/cancel", null, null, 200);
        }
        if (counted != sent) {
            throw new IllegalStateException("events kept " + counted + " != sent " + sent);
        }
    }

    static java.util.concurrent.CompletableFuture<city.myriad.support.LoadClient.Reply> ingest(String api, String token,
            String body, AtomicLong accepted) {
        return request(token, "POST", api + "/api/v1/usage-events", "application/json", body).thenApply(r -> {
            if (r.statusCode() == 200) {
                try {
                    accepted.addAndGet(JSON.readTree(r.body()).path("accepted").asLong());
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }
            return r;
        });
    }

    /** {@code n} batches of valid events with ids unique to this run. */
    static List<String> bodies(List<Running> jobs, String prefix, int n, Random random) {
        List<String> bodies = new ArrayList<>(n);
        for (int b = 0; b < n; b++) {
            StringBuilder s = new StringBuilder(EVENTS * 260).append("{\"events\":[");
            for (int i = 0; i < EVENTS; i++) {
                Running j = jobs.get(random.nextInt(jobs.size()));
                s.append(i == 0 ? "" : ",").append("{\"eventId\":\"").append(prefix).append('-').append(b).append('-')
                        .append(i).append("\",\"clusterId\":\"").append(HANGZHOU).append("\",\"jobId\":\"")
                        .append(j.id()).append("\",\"node\":\"").append(j.node()).append("\",\"cards\":")
                        .append(1 + random.nextInt(8)).append(",\"startAt\":\"").append(j.startedAt())
                        .append("\",\"endAt\":\"").append(j.startedAt().plusSeconds(1))
                        .append("\",\"utilization\":0.9,\"energyWh\":1.5}");
            }
            bodies.add(s.append("]}").toString());
        }
        return bodies;
    }
}

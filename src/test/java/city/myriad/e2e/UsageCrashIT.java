package city.myriad.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kill -9 during ingestion. The packaged service (java -jar, its embedded PostgreSQL on kept data, the real
 * Keycloak, the demo data and the cluster emulator) takes usage-event batches from several clients at once; it is
 * killed with SIGKILL in the middle and started again on the same data. Each client sends every batch until it
 * gets an answer. Afterwards every event sent is kept exactly once, the meter's rollups count each once, and
 * sending every batch again changes nothing.
 */
class UsageCrashIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String HANGZHOU = "01930000-0000-7000-8000-00000000c001";
    static final String ACME_VISION = "01930000-0000-7000-8000-00000000e101";
    static final int CLIENTS = 4;
    static final int BATCHES = 24;
    static final int EVENTS_PER_BATCH = 250;

    static final Path STATE = Path.of("target/usage-crash-it").toAbsolutePath();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static Map<String, String> oidc;
    static int port;
    static int managementPort;
    static Process service;

    @BeforeAll
    static void start() throws Exception {
        oidc = new RealKeycloak().start();
        deleteRecursively(STATE);
        Files.createDirectories(STATE);
        service = launchOnFreePorts();
    }

    /**
     * The first start, on ports chosen here. A port is free when chosen and bound by the service seconds later;
     * in between another process (the embedded PostgreSQL picks its own port the same way) may take it, and the
     * service exits at once. Only that case is started again, on other ports, at most twice: any other exit fails
     * the test with the end of the service's log.
     */
    static Process launchOnFreePorts() throws Exception {
        for (int attempt = 1;; attempt++) {
            port = freePort();
            managementPort = freePort();
            try {
                return launch();
            } catch (ServiceExited e) {
                if (!e.portTaken() || attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** The service stopped before it was ready; carries the end of its log, which says why. */
    static final class ServiceExited extends IllegalStateException {
        final String logTail;

        ServiceExited(Path log, String logTail) {
            super("the service exited; see " + log + "; it ended with:\n" + logTail);
            this.logTail = logTail;
        }

        boolean portTaken() {
            return logTail.contains("seems to be in use by another process")
                    || logTail.contains("Address already in use");
        }
    }

    /** The last lines of the service's log (all starts append to it). */
    static String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(STATE.resolve("service.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(the log could not be read: " + e + ")";
        }
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.destroy();
            try {
                service.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            service.destroyForcibly();
        }
    }

    /** The packaged service on kept data, waited for until ready. */
    static Process launch() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx512m", "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.host=127.0.0.1", "-Dquarkus.management.port=" + managementPort,
                "-Dmyriad.embedded-postgres.data-dir=" + STATE.resolve("postgres"),
                "-Dmyriad.emulator.speedup=1", "-Dmyriad.emulator.usage-events=false",
                "-Dquarkus.log.console.json.enabled=false"));
        oidc.forEach((k, v) -> command.add("-D" + k + "=" + (k.equals("myriad.emulator.speedup") ? "1" : v)));
        command.add("-jar");
        command.add(Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(STATE.resolve("service.log").toFile())).start();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (Instant.now().isBefore(deadline)) {
            try {
                HttpResponse<Void> ready = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + managementPort + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return p;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (!p.isAlive()) {
                throw new ServiceExited(STATE.resolve("service.log"), logTail(60));
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the service did not get ready; see " + STATE.resolve("service.log")
                + "; it ended with:\n" + logTail(60));
    }

    static String api(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    static HttpResponse<String> send(String token, String method, String path, String body) throws IOException,
            InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api(path))).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends until an answer comes (the service may be down); returns the answer's body. */
    static JsonNode untilAnswered(String token, String body, AtomicLong retries) throws Exception {
        for (int attempt = 0; attempt < 2000; attempt++) {
            try {
                HttpResponse<String> r = send(token, "POST", "/api/v1/usage-events", body);
                if (r.statusCode() == 200) {
                    return JSON.readTree(r.body());
                }
                if (r.statusCode() < 500 && r.statusCode() != 401) {
                    throw new AssertionError("HTTP " + r.statusCode() + ": " + r.body());
                }
            } catch (IOException e) {
                // no answer: the service is down or the connection died; the batch is sent again as it is
            }
            retries.incrementAndGet();
            Thread.sleep(100);
        }
        throw new AssertionError("a batch was never answered");
    }

    static String batch(String jobId, String node, Instant start, int client, int batch) {
        StringBuilder b = new StringBuilder("{\"events\":[");
        for (int i = 0; i < EVENTS_PER_BATCH; i++) {
            b.append(i == 0 ? "" : ",").append("{\"eventId\":\"crash-").append(client).append('-').append(batch)
                    .append('-').append(i).append("\",\"clusterId\":\"").append(HANGZHOU).append("\",\"jobId\":\"")
                    .append(jobId).append("\",\"node\":\"").append(node).append("\",\"cards\":1,\"startAt\":\"")
                    .append(start).append("\",\"endAt\":\"").append(start.plusSeconds(1)).append("\"}");
        }
        return b.append("]}").toString();
    }

    @Test
    void every_acknowledged_event_is_counted_exactly_once_across_a_kill_9_and_retries_change_nothing()
            throws Exception {
        String alice = Keycloak.password("alice");
        String olga = Keycloak.password("olga");
        HttpResponse<String> created = send(alice, "POST", "/api/v1/jobs", "{\"clusterId\":\"" + HANGZHOU
                + "\",\"projectId\":\"" + ACME_VISION + "\",\"model\":\"ASCEND-910B\",\"cards\":8,\"class\":"
                + "\"ON_DEMAND\",\"maxRunSeconds\":3600}");
        assertEquals(201, created.statusCode(), created.body());
        String jobId = JSON.readTree(created.body()).path("id").asText();
        JsonNode job = null;
        for (int i = 0; i < 600 && (job == null || !job.path("state").asText().equals("RUNNING")); i++) {
            Thread.sleep(100);
            job = JSON.readTree(send(alice, "GET", "/api/v1/jobs/" + jobId, null).body());
        }
        assertEquals("RUNNING", job.path("state").asText(), job.toString());
        Instant start = Instant.parse(job.path("startedAt").asText());
        String node = job.path("placement").get(0).path("node").asText();
        Thread.sleep(Duration.between(Instant.now(), start.plusSeconds(2)).toMillis() > 0
                ? Duration.between(Instant.now(), start.plusSeconds(2)).toMillis() : 0);

        AtomicInteger answered = new AtomicInteger();
        AtomicLong retries = new AtomicLong();
        AtomicLong accepted = new AtomicLong();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            done.add(clients.submit(() -> {
                for (int b = 0; b < BATCHES; b++) {
                    JsonNode answer = untilAnswered(olga, batch(jobId, node, start, client, b), retries);
                    assertEquals(EVENTS_PER_BATCH, answer.path("accepted").asLong() + answer.path("duplicates").asLong(),
                            answer.toString());
                    accepted.addAndGet(answer.path("accepted").asLong());
                    answered.incrementAndGet();
                }
                return null;
            }));
        }
        // Kill -9 once a third of the batches are answered, while the clients keep sending; start again.
        int total = CLIENTS * BATCHES;
        while (answered.get() < total / 3) {
            Thread.sleep(20);
        }
        service.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        int answeredAtKill = answered.get();
        service = launch();
        for (Future<?> f : done) {
            f.get(10, TimeUnit.MINUTES);
        }
        clients.shutdown();

        long sent = (long) total * EVENTS_PER_BATCH;
        assertTrue(answeredAtKill < total, "the kill came while batches were still being sent");
        assertTrue(retries.get() > 0, "some batches went unanswered and were sent again");
        assertTrue(accepted.get() <= sent, "no event accepted twice: " + accepted.get() + " of " + sent);
        assertEquals(sent, eventCount(olga, jobId), "every event sent is kept exactly once");

        // Every batch again: all duplicates, nothing more counted.
        long again = 0;
        for (int c = 0; c < CLIENTS; c++) {
            for (int b = 0; b < BATCHES; b++) {
                again += untilAnswered(olga, batch(jobId, node, start, c, b), new AtomicLong()).path("accepted").asLong();
            }
        }
        assertEquals(0, again);
        assertEquals(sent, eventCount(olga, jobId));

        // The meter rolls each event up once, across the crash too.
        String window = "?from=" + start.minusSeconds(7200).truncatedTo(java.time.temporal.ChronoUnit.HOURS)
                + "&to=" + start.plusSeconds(7200) + "&groupBy=cluster";
        long rolled = -1;
        for (int i = 0; i < 300 && rolled != sent; i++) {
            Thread.sleep(200);
            JsonNode usage = JSON.readTree(send(olga, "GET", "/api/v1/usage" + window, null).body());
            rolled = 0;
            for (JsonNode line : usage.path("lines")) {
                if (line.path("key").asText().equals(HANGZHOU)) {
                    rolled += line.path("eventCount").asLong();
                }
            }
        }
        assertEquals(sent, rolled, "the rollups count every event once");
    }

    static long eventCount(String token, String jobId) throws Exception {
        HttpResponse<String> r = send(token, "GET", "/api/v1/jobs/" + jobId + "/usage", null);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).path("eventCount").asLong();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

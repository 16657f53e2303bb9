package city.myriad.jobs.bench;

import city.myriad.support.LoadClient;
import city.myriad.support.LoadClient.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Job submissions through the HTTP API of a Myriad that bin/bench-jobs started on this machine (the packaged service
 * with its PostgreSQL, the scheduling loop and the emulator, and Keycloak), on a fresh 10,000-card cluster. Bounded:
 * a fixed number of requests, to 127.0.0.1 only.
 *
 * <p>Measures, in one run: the submission rate with {@code concurrency} requests in flight, the client-side
 * latency of each submission, and the server's submission-to-decision quantiles (the
 * {@code myriad.scheduler.decision} timer: from submission until the cycle that started the job committed),
 * against a baseline measured in the same run on the same server: {@code GET /api/v1/me} (authentication, one
 * read) at the same concurrency. Before that it warms the service up with rounds of as many submissions to a second
 * cluster (each cancelled), until the JIT compiler is quiet ({@link LoadClient#compilerSeconds}). Then cancels every
 * job it submitted.
 *
 * <p>Arguments: api keycloak management jobs concurrency [rate]. With a rate (submissions per second), the measured
 * submissions start on a fixed schedule, as arrivals that do not wait for the server (never more than
 * {@code concurrency} in flight): the decision latency at a load the service sustains, not at saturation. The cluster: 1,250 nodes of 8 ASCEND-910B cards, 10
 * nodes per rack, 25 racks per block.
 */
public final class SubmissionLoad {

    static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) {
        city.myriad.support.LoadClient.main(args, SubmissionLoad::measure);
    }

    static void measure(String[] args) throws Exception {
        String api = args[0];
        String keycloak = args[1];
        String management = args[2];
        int jobs = Integer.parseInt(args[3]);
        int concurrency = Integer.parseInt(args[4]);
        double rate = args.length > 5 ? Double.parseDouble(args[5]) : 0;
        LoadClient.requireLocal(api, management);
        String olga = token(keycloak, "olga");
        String alice = token(keycloak, "alice");
        String project = "01930000-0000-7000-8000-00000000e101";

        String slug = "bench-" + Long.toString(System.currentTimeMillis(), 36);
        String warmCluster = cluster(api, olga, slug + "-warm");
        String cluster = cluster(api, olga, slug);
        Thread.sleep(3000);  // the clusters' loops are won and built within a second or two

        // Warm-up on a cluster of its own (its decisions stay out of the measured cluster's timers): the service's
        // JIT compiles for minutes after a start on two shared cores, and a production service runs warm.
        // Rounds until the JIT compiler used under a tenth of a core in the last one (at most 8 rounds).
        run(3000, concurrency, i -> request(alice, "GET", api + "/api/v1/me", null, null));
        for (int round = 1; round <= 8; round++) {
            double compiler = LoadClient.compilerSeconds();
            long t0 = System.nanoTime();
            List<String> warm = submit(api, alice, project, warmCluster, jobs, concurrency, 0, new Random(round)).ids();
            run(warm.size(), concurrency, i -> request(alice, "POST", api + "/api/v1/jobs/" + warm.get(i) + "/cancel",
                    null, null));
            Thread.sleep(5000);  // the STOP assignments acknowledged by the emulator before the next round
            double share = (LoadClient.compilerSeconds() - compiler) / ((System.nanoTime() - t0) / 1e9);
            System.out.printf("warm-up round %d: the JIT compiler used %.0f%% of a core%n", round, share * 100);
            if (compiler < 0 || share < 0.10) {
                break;
            }
        }

        // MYRIAD_BENCH_JOB_EVENTS=1: the tenant's webhook names every job event, posted to a receiver here that
        // answers 204, so each start writes its outbox row and the webhook sender sends it (the subscribed path);
        // without it the tenant has no webhook and each transition costs the trigger's look-up alone.
        com.sun.net.httpserver.HttpServer receiver = null;
        AtomicInteger posts = new AtomicInteger();
        if (System.getenv("MYRIAD_BENCH_JOB_EVENTS") != null) {
            receiver = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
            receiver.createContext("/hook", exchange -> {
                exchange.getRequestBody().readAllBytes();
                posts.incrementAndGet();
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            receiver.start();
            send(alice, "PUT", api + "/api/v1/tenants/01930000-0000-7000-8000-00000000e001/webhook",
                    "application/json", "{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort()
                    + "/hook\",\"events\":[\"job.started\",\"job.succeeded\",\"job.failed\",\"job.cancelled\","
                    + "\"job.preempted\"]}", 200);
        }

        // MYRIAD_BENCH_JOB_EVENTS=neighbour: besides, globex's webhook names job.started too, to a receiver that holds
        // every post open until the end, and globex starts 1,000 one-card jobs on the warm-up cluster just before the
        // measured run: a neighbour whose receiver hangs with a backlog of events, while acme's events are measured.
        com.sun.net.httpserver.HttpServer hanging = null;
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger open = new AtomicInteger();
        AtomicInteger mostOpen = new AtomicInteger();
        List<String> neighbours = new ArrayList<>();
        String bob = null;
        if ("neighbour".equals(System.getenv("MYRIAD_BENCH_JOB_EVENTS"))) {
            bob = token(keycloak, "bob");
            hanging = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 1024);
            hanging.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            hanging.createContext("/hook", exchange -> {
                mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                try {
                    release.await(300, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                open.decrementAndGet();
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            hanging.start();
            send(bob, "PUT", api + "/api/v1/tenants/01930000-0000-7000-8000-00000000e002/webhook", "application/json",
                    "{\"url\":\"http://127.0.0.1:" + hanging.getAddress().getPort() + "/hook\",\"events\":"
                    + "[\"job.started\"]}", 200);
            neighbours.addAll(submit(api, bob, "01930000-0000-7000-8000-00000000e201", warmCluster, 1000, concurrency,
                    0, new Random(1), new int[] {1}).ids());
        }

        long[] baseline = run(jobs, concurrency, i -> request(alice, "GET", api + "/api/v1/me", null, null));
        double[] cpuBefore = LoadClient.serviceAndPostgresCpuSeconds();
        long started = System.nanoTime();
        java.time.Instant from = java.time.Instant.now();
        Submitted measured = submit(api, alice, project, cluster, jobs, concurrency, rate, new Random(7));
        double submitSeconds = (System.nanoTime() - started) / 1e9;
        java.time.Instant to = java.time.Instant.now();
        double[] cpuAfter = LoadClient.serviceAndPostgresCpuSeconds();
        List<String> ids = measured.ids();
        long[] submit = measured.latency();
        // Wait (bounded) until the loop has decided every job that fits.
        long deadline = System.currentTimeMillis() + 120_000;
        int queued;
        do {
            Thread.sleep(500);
            queued = queuedOn(api, alice, cluster);
        } while (queued > 0 && System.currentTimeMillis() < deadline);
        String metrics = send(null, "GET", management + "/q/metrics", null, null, 200);

        StringBuilder out = new StringBuilder();
        out.append(String.format("cluster %s (%s), %d jobs of 1-8 cards, %d in flight%s%n", slug, cluster, jobs,
                concurrency, rate > 0 ? String.format(" at most, offered at %.0f per second", rate) : ""));
        out.append(String.format("measured submissions from %s to %s%n", from, to));
        out.append(String.format("submissions: %d accepted (201) of %d in %.1f s = %.0f per second%n", ids.size()
                + measured.bodiless(), jobs, submitSeconds, (ids.size() + measured.bodiless()) / submitSeconds));
        out.append(String.format("answered 201 without a body (headers on stderr): %d%n", measured.bodiless()));
        out.append(String.format("submission latency (client): median %.1f ms, p99 %.1f ms%n", q(submit, 0.5), q(submit, 0.99)));
        out.append(String.format("baseline GET /api/v1/me latency: median %.1f ms, p99 %.1f ms; submission/baseline median "
                + "ratio %.2f%n", q(baseline, 0.5), q(baseline, 0.99), q(submit, 0.5) / q(baseline, 0.5)));
        if (cpuBefore[0] >= 0) {
            out.append(String.format("CPU per submission during the measured run: service %.2f ms, PostgreSQL %.2f ms"
                    + " (the loop and the emulator's acknowledgments included)%n",
                    (cpuAfter[0] - cpuBefore[0]) * 1000 / ids.size(), (cpuAfter[1] - cpuBefore[1]) * 1000 / ids.size()));
        }
        out.append(String.format("still QUEUED after the wait: %d%n", queued));
        if (receiver != null) {
            // Every measured job started (none is QUEUED): a job.started each, plus the warm-up's and the baseline's
            // nothing. Wait (bounded) for them all, and report how long after the first submission the last came.
            int atWaitEnd = posts.get();
            long eventsDeadline = System.currentTimeMillis() + 180_000;
            while (posts.get() < ids.size() && System.currentTimeMillis() < eventsDeadline) {
                Thread.sleep(100);
            }
            double eventsSeconds = (System.nanoTime() - started) / 1e9;
            out.append(String.format("job events: the tenant's webhook names them all; %d posts by the end of the "
                    + "wait, %d of the %d jobs' job.started events (and any other) %.1f s after the first measured "
                    + "submission: %.0f events per second%n", atWaitEnd, posts.get(), ids.size(), eventsSeconds,
                    posts.get() / eventsSeconds));
        }
        if (hanging != null) {
            // The receiver counts a post open until it answers: one the sender gave up on (after the request
            // timeout, 10 s) stays counted, so past 10 s the count is not the sender's posts in flight.
            out.append(String.format("neighbour: globex started %d jobs on the warm-up cluster, its receiver holding "
                    + "each post open: at most %d of its posts open at once, %d at the end (posts given up on by the "
                    + "sender after 10 s included)%n", neighbours.size(), mostOpen.get(), open.get()));
            release.countDown();
            String token = bob;
            run(neighbours.size(), concurrency, i -> request(token, "POST", api + "/api/v1/jobs/" + neighbours.get(i)
                    + "/cancel", null, null));
            hanging.stop(0);
        }
        for (String line : metrics.split("\n")) {
            if ((line.startsWith("myriad_scheduler_decision_seconds") || line.startsWith("myriad_scheduler_cycle_seconds"))
                    && line.contains(cluster) || line.startsWith("myriad_jobs_submission_batch_jobs")) {
                out.append(line).append('\n');
            }
        }
        System.out.print(out);
        Path report = Path.of("target/bench/jobs-submission.txt");
        Files.createDirectories(report.getParent());
        Files.writeString(report, out.toString());

        run(ids.size(), concurrency, i -> request(alice, "POST", api + "/api/v1/jobs/" + ids.get(i) + "/cancel", null, null));
        System.out.println("cancelled the " + ids.size() + " jobs; report in " + report);
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    /** How many of the cluster's jobs the tenant sees QUEUED (up to 500). */
    static int queuedOn(String api, String token, String cluster) throws IOException, InterruptedException {
        return JSON.readTree(send(token, "GET", api + "/api/v1/jobs?limit=500&state=QUEUED&clusterId=" + cluster,
                null, null, 200)).path("items").size();
    }

    /** A fresh 10,000-card cluster with an on-demand price. */
    static String cluster(String api, String olga, String slug) throws IOException, InterruptedException {
        String cluster = JSON.readTree(send(olga, "POST", api + "/api/v1/clusters", "application/json",
                "{\"slug\":\"" + slug + "\",\"name\":\"Submission bench\",\"region\":\"bench\"}", 201)).path("id").asText();
        send(olga, "POST", api + "/api/v1/clusters/" + cluster + "/nodes", "text/csv", nodes(slug), 200);
        send(olga, "PUT", api + "/api/v1/clusters/" + cluster + "/prices", "application/json", "{\"prices\":["
                + "{\"model\":\"ASCEND-910B\",\"class\":\"ON_DEMAND\",\"unitPrice\":{\"amountMinor\":1200,\"currency\":\"CNY\"}}]}", 200);
        return cluster;
    }

    /** The ids of the created jobs; {@code bodiless}: answered 201 without a body, so no id (see LoadClient). */
    record Submitted(List<String> ids, int bodiless, long[] latency) {}

    /**
     * {@code jobs} on-demand jobs of 1 to 8 cards (2.6 on average), {@code concurrency} in flight; with a
     * {@code rate} above zero, started on a schedule of that many per second.
     */
    static Submitted submit(String api, String token, String project, String cluster, int jobs, int concurrency,
            double rate, Random random) throws InterruptedException {
        return submit(api, token, project, cluster, jobs, concurrency, rate, random,
                new int[] {1, 1, 1, 1, 2, 2, 2, 4, 4, 8});
    }

    /** The same, each job's cards drawn from {@code sizes}. */
    static Submitted submit(String api, String token, String project, String cluster, int jobs, int concurrency,
            double rate, Random random, int[] sizes) throws InterruptedException {
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger bodiless = new java.util.concurrent.atomic.AtomicInteger();
        long[] latency = run(jobs, concurrency, rate, i -> {
            int cards = sizes[random.nextInt(sizes.length)];
            return request(token, "POST", api + "/api/v1/jobs", "application/json", "{\"projectId\":\"" + project
                    + "\",\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":" + cards
                    + ",\"class\":\"ON_DEMAND\",\"maxRunSeconds\":86400}").thenApply(r -> {
                        if (r.statusCode() == 201 && r.body().isEmpty()) {
                            bodiless.incrementAndGet();
                        } else if (r.statusCode() == 201) {
                            ids.add(idOf(r.body()));
                        }
                        return r;
                    });
        });
        return new Submitted(List.copyOf(ids), bodiless.get(), latency);
    }

    public interface Call {
        CompletableFuture<Reply> call(int i);
    }

    /** Runs n calls with at most {@code concurrency} in flight; returns each call's latency in nanoseconds. */
    public static long[] run(int n, int concurrency, Call call) throws InterruptedException {
        return run(n, concurrency, 0, call);
    }

    /**
     * Runs n calls with at most {@code concurrency} in flight, the i-th not before i / {@code rate} seconds
     * (when {@code rate} > 0); returns each call's latency in nanoseconds, from its start.
     */
    public static long[] run(int n, int concurrency, double rate, Call call) throws InterruptedException {
        Semaphore slots = new Semaphore(concurrency);
        long[] latency = new long[n];
        AtomicInteger failures = new AtomicInteger();
        CompletableFuture<?>[] all = new CompletableFuture<?>[n];
        long begin = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (rate > 0) {
                long due = begin + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
            slots.acquire();
            int k = i;
            long t0 = System.nanoTime();
            all[i] = call.call(i).whenComplete((r, e) -> {
                latency[k] = System.nanoTime() - t0;
                if (e != null || r.statusCode() >= 300) {
                    if (failures.incrementAndGet() <= 3) {
                        System.err.println("failed: " + (e != null ? e : r.statusCode() + " " + r.body()));
                    }
                }
                slots.release();
            });
        }
        CompletableFuture.allOf(all).join();
        if (failures.get() > 0) {
            System.err.println(failures.get() + " of " + n + " calls failed");
        }
        return latency;
    }

    /** 1,250 nodes x 8 cards: 10,000 cards in 5 blocks of 25 racks of 10 nodes. */
    static String nodes(String slug) {
        StringBuilder csv = new StringBuilder("node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n");
        for (int n = 0; n < 1250; n++) {
            int rack = n / 10;
            csv.append(String.format("%s-n%04d,ASCEND-910B,8,192000,1572864,%s-r%03d,%s-b%d%n", slug, n, slug, rack, slug,
                    rack / 25));
        }
        return csv.toString();
    }

    public static double q(long[] nanos, double quantile) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(quantile * s.length) - 1)] / 1e6;
    }

    public static CompletableFuture<Reply> request(String token, String method, String url, String type, String body) {
        return LoadClient.request(token, method, url, type, body);
    }

    public static String send(String token, String method, String url, String type, String body, int expect)
            throws IOException, InterruptedException {
        Reply r = request(token, method, url, type, body).join();
        if (r.statusCode() != expect) {
            throw new IllegalStateException(method + " " + url + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** The "id" of a created resource's view: its first field (a string search: the tool's CPU is the service's). */
    public static String idOf(String body) {
        int key = body.indexOf("\"id\":\"");
        if (key < 0) {
            throw new IllegalStateException("no id in " + body);
        }
        int start = key + 6;
        return body.substring(start, body.indexOf('"', start));
    }

    public static String token(String keycloak, String user) throws IOException, InterruptedException {
        String form = "grant_type=password&client_id=myriad-portal&username=" + user + "&password="
                + URLEncoder.encode(user, StandardCharsets.UTF_8);
        JsonNode t = JSON.readTree(send(null, "POST", keycloak + "/realms/myriad/protocol/openid-connect/token",
                "application/x-www-form-urlencoded", form, 200));
        return t.path("access_token").asText();
    }

    private SubmissionLoad() {}
}

package city.myriad.jobs.bench;

import static city.myriad.jobs.bench.SubmissionLoad.q;
import static city.myriad.jobs.bench.SubmissionLoad.request;
import static city.myriad.jobs.bench.SubmissionLoad.run;
import static city.myriad.jobs.bench.SubmissionLoad.send;

import city.myriad.support.LoadClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The views of QUEUED jobs, polled as a portal polls them, through the HTTP API of a Myriad that bin/bench-views
 * started on this machine (the packaged service, its PostgreSQL, the loop, the emulator, Keycloak). Bounded: a fixed
 * number of requests, to 127.0.0.1 only.
 *
 * <p>A fresh 10,000-card cluster (1,250 nodes of 8 cards) is filled with whole-node jobs of a day, then
 * {@code queued} whole-node jobs of distinct run times wait behind them: each one's view plans the queue ahead of it
 * node by node (about 25 ms on such a cluster 250 jobs deep, {@code StartEstimateBenchmark}). Measured in one run:
 * {@code rounds} rounds, each viewing every queued job once in a shuffled order with {@code concurrency} in flight
 * (client latency, the service's and PostgreSQL's CPU per view, how the estimates were made from the service's
 * {@code myriad_jobs_start_estimates_total}), against a baseline measured in the same run: {@code GET /api/v1/me};
 * warmed up first by rounds of the same views until the JIT compiler is quiet. Then {@code 2 × queued} job quotes
 * behind the same queue (each a whole-node job whose run time puts it anywhere in the queue: quotes are never
 * reused), warmed up the same way, with their latency and CPU. Then 1,000 pages of 50 jobs, half of the queued jobs
 * (each with its position and estimate), half of the running ones (which carry none: the baseline), shuffled. Then
 * cancels every job it submitted.
 *
 * <p>Arguments: api keycloak management queued rounds concurrency.
 */
public final class QueuedViewLoad {

    public static void main(String[] args) {
        LoadClient.main(args, QueuedViewLoad::measure);
    }

    static void measure(String[] args) throws Exception {
        String api = args[0];
        String keycloak = args[1];
        String management = args[2];
        int queued = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        int concurrency = Integer.parseInt(args[5]);
        LoadClient.requireLocal(api, management);
        String olga = SubmissionLoad.token(keycloak, "olga");
        String alice = SubmissionLoad.token(keycloak, "alice");
        String project = "01930000-0000-7000-8000-00000000e101";
        String slug = "views-" + Long.toString(System.currentTimeMillis(), 36);
        String cluster = SubmissionLoad.cluster(api, olga, slug);
        Thread.sleep(3000);  // the cluster's loop is won and built within a second or two

        // Every node taken for a day (the emulator runs a job maxRunSeconds / its speed-up: 24 minutes at 60).
        List<String> running = submit(api, alice, project, cluster, 1250, i -> 86_400);
        long deadline = System.currentTimeMillis() + 180_000;
        int waiting;
        do {
            Thread.sleep(1000);
            waiting = SubmissionLoad.queuedOn(api, alice, cluster);
        } while (waiting > 0 && System.currentTimeMillis() < deadline);
        if (waiting > 0) {
            throw new IllegalStateException(waiting + " of the filling jobs still QUEUED after 3 minutes");
        }
        // MYRIAD_BENCH_CARD_LIMIT=1: the project gets a card limit on the cluster that every job counts against and
        // none is held back by (all the cards, running and queued): each estimate then plays the limit's pool too,
        // reading the 1,250 running jobs counted against it (design/estimate-admission-pools.md).
        boolean limited = "1".equals(System.getenv("MYRIAD_BENCH_CARD_LIMIT"));
        if (limited) {
            send(alice, "PUT", api + "/api/v1/tenants/01930000-0000-7000-8000-00000000e001/projects/" + project
                    + "/quotas", "application/json", "{\"cards\":[{\"clusterId\":\"" + cluster + "\",\"model\":"
                    + "\"ASCEND-910B\",\"limit\":" + (1250 * 8 + queued * 8) + "}]}", 200);
        }
        // The queue: whole-node jobs of distinct run times (600 s apart), submitted longest first so that the core's
        // order (smallest area first) is not the submission order.
        List<String> ids = submit(api, alice, project, cluster, queued, i -> 600 * (queued - i));
        Thread.sleep(3000);  // the loop has looked at them

        run(2000, concurrency, i -> request(alice, "GET", api + "/api/v1/me", null, null));
        warmUp("view", round -> views(api, alice, ids, concurrency, new Random(round)));

        long[] baseline = run(queued * rounds, concurrency, i -> request(alice, "GET", api + "/api/v1/me", null, null));
        String before = send(null, "GET", management + "/q/metrics", null, null, 200);
        double[] cpuBefore = LoadClient.serviceAndPostgresCpuSeconds();
        double viewCompilerBefore = LoadClient.compilerSeconds();
        long started = System.nanoTime();
        long[] latency = new long[queued * rounds];
        for (int round = 0; round < rounds; round++) {
            System.arraycopy(views(api, alice, ids, concurrency, new Random(100 + round)), 0, latency, round * queued,
                    queued);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double[] cpuAfter = LoadClient.serviceAndPostgresCpuSeconds();
        double viewCompiler = LoadClient.compilerSeconds() - viewCompilerBefore;
        String after = send(null, "GET", management + "/q/metrics", null, null, 200);

        // Job quotes behind the same queue: each plays the queue ahead of a whole-node job of its own run time (spread
        // over the queue's, so it lands anywhere in it), never reused.
        int quotes = queued * 2;
        SubmissionLoad.Call quote = i -> request(alice, "POST", api + "/api/v1/quotes", "application/json",
                "{\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\",\"cards\":8,\"class\":\"ON_DEMAND\","
                        + "\"maxRunSeconds\":" + (300 + 600 * (i % queued)) + "}");
        // The quote's own code warmed up until the JIT compiler is quiet: the views, answered from plans, leave the
        // queue-ahead query and the pooled estimate of deep jobs cold.
        warmUp("quote", round -> run(queued, concurrency, quote));
        double[] quoteCpuBefore = LoadClient.serviceAndPostgresCpuSeconds();
        double quoteCompilerBefore = LoadClient.compilerSeconds();
        long quotesStarted = System.nanoTime();
        long[] quoteLatency = run(quotes, concurrency, quote);
        double quoteSeconds = (System.nanoTime() - quotesStarted) / 1e9;
        double[] quoteCpuAfter = LoadClient.serviceAndPostgresCpuSeconds();
        double quoteCompiler = LoadClient.compilerSeconds() - quoteCompilerBefore;

        // Pages of the tenant's queued jobs on the cluster, as a portal's table shows them (50 a page), each QUEUED job
        // with its position and estimate; the same number of pages of the cluster's RUNNING jobs, which carry none,
        // is their baseline. Requests alternate between the two, shuffled, so that both see the same machine.
        List<String> queuedPages = pages(api, alice, cluster, "QUEUED");
        List<String> runningPages = pages(api, alice, cluster, "RUNNING");
        int pageRequests = 1000;
        List<String> pageOrder = new ArrayList<>(pageRequests);
        for (int i = 0; i < pageRequests; i++) {
            pageOrder.add(i % 2 == 0 ? queuedPages.get(i / 2 % queuedPages.size())
                    : runningPages.get(i / 2 % runningPages.size()));
        }
        Collections.shuffle(pageOrder, new Random(7));
        run(200, concurrency, i -> pageOf(alice, pageOrder.get(i)));  // warm-up
        String pagesBefore = send(null, "GET", management + "/q/metrics", null, null, 200);
        long pagesStarted = System.nanoTime();
        long[] pageLatency = run(pageRequests, concurrency, i -> pageOf(alice, pageOrder.get(i)));
        double pageSeconds = (System.nanoTime() - pagesStarted) / 1e9;
        String pagesAfter = send(null, "GET", management + "/q/metrics", null, null, 200);
        long[] ofQueued = pick(pageLatency, pageOrder, true);
        long[] ofRunning = pick(pageLatency, pageOrder, false);

        StringBuilder out = new StringBuilder();
        out.append(String.format("cluster %s (%s): 1,250 nodes of 8 cards, all taken; %d whole-node jobs queued%s%n",
                slug, cluster, queued, limited ? "; every job bound by a project card limit of " + (1250 * 8
                        + queued * 8) + " (MYRIAD_BENCH_CARD_LIMIT=1)" : ""));
        out.append(String.format("%d views of queued jobs (%d rounds of each once, shuffled), %d in flight, in %.1f s"
                + " = %.0f per second%n", latency.length, rounds, concurrency, seconds, latency.length / seconds));
        out.append(String.format("view latency (client): median %.2f ms, p99 %.2f ms%n", q(latency, 0.5),
                q(latency, 0.99)));
        out.append(String.format("baseline GET /api/v1/me latency: median %.2f ms, p99 %.2f ms; view/baseline median "
                + "ratio %.2f%n", q(baseline, 0.5), q(baseline, 0.99), q(latency, 0.5) / q(baseline, 0.5)));
        if (cpuBefore[0] >= 0) {
            out.append(String.format("CPU per view: service %.2f ms, PostgreSQL %.2f ms%n",
                    (cpuAfter[0] - cpuBefore[0]) * 1000 / latency.length,
                    (cpuAfter[1] - cpuBefore[1]) * 1000 / latency.length));
            out.append(String.format("of which the service's JIT compiler during the views: %.2f ms per view%n",
                    viewCompiler * 1000 / latency.length));
        }
        out.append(String.format("%d job quotes (whole-node, run times across the queue's), %d in flight, in %.1f s = "
                + "%.0f per second; latency median %.2f ms, p99 %.2f ms; quote/baseline median ratio %.2f%n", quotes,
                concurrency, quoteSeconds, quotes / quoteSeconds, q(quoteLatency, 0.5), q(quoteLatency, 0.99),
                q(quoteLatency, 0.5) / q(baseline, 0.5)));
        if (quoteCpuBefore[0] >= 0) {
            out.append(String.format("CPU per quote: service %.2f ms, PostgreSQL %.2f ms%n",
                    (quoteCpuAfter[0] - quoteCpuBefore[0]) * 1000 / quotes,
                    (quoteCpuAfter[1] - quoteCpuBefore[1]) * 1000 / quotes));
            out.append(String.format("of which the service's JIT compiler during the quotes: %.2f ms per quote%n",
                    quoteCompiler * 1000 / quotes));
        }
        for (String how : List.of("reused", "planned", "pooled")) {
            out.append(String.format("estimates %s during the measured views: %.0f%n", how,
                    counter(after, how) - counter(before, how)));
        }
        out.append(String.format("%d pages of 50 jobs in %.1f s, %d in flight, half of them of the %d QUEUED jobs (%d "
                + "pages), half of the %d RUNNING (%d pages), shuffled%n", pageRequests, pageSeconds, concurrency,
                queued, queuedPages.size(), running.size(), runningPages.size()));
        out.append(String.format("page of QUEUED jobs (positions, estimates): median %.2f ms, p99 %.2f ms; page of "
                + "RUNNING jobs: median %.2f ms, p99 %.2f ms; ratio of medians %.2f%n", q(ofQueued, 0.5),
                q(ofQueued, 0.99), q(ofRunning, 0.5), q(ofRunning, 0.99), q(ofQueued, 0.5) / q(ofRunning, 0.5)));
        for (String how : List.of("reused", "planned", "pooled")) {
            out.append(String.format("estimates %s during the measured pages: %.0f%n", how,
                    counter(pagesAfter, how) - counter(pagesBefore, how)));
        }
        System.out.print(out);
        Path report = Path.of("target/bench/queued-views.txt");
        Files.createDirectories(report.getParent());
        Files.writeString(report, out.toString());

        List<String> all = new ArrayList<>(ids);
        all.addAll(running);
        run(all.size(), concurrency, i -> request(alice, "POST", api + "/api/v1/jobs/" + all.get(i) + "/cancel", null,
                null));
        System.out.println("cancelled the " + all.size() + " jobs; report in " + report);
    }

    private interface Round {
        void run(int round) throws Exception;
    }

    /**
     * Repeats rounds of the same requests until the service's JIT compiler used less than a tenth of a core over one,
     * for at most 90 seconds of rounds (fast rounds leave a backlog of compilations that shows over several).
     */
    private static void warmUp(String what, Round round) throws Exception {
        long end = System.nanoTime() + 90_000_000_000L;
        for (int k = 1; ; k++) {
            double compiler = LoadClient.compilerSeconds();
            long t0 = System.nanoTime();
            round.run(k);
            double share = (LoadClient.compilerSeconds() - compiler) / ((System.nanoTime() - t0) / 1e9);
            System.out.printf("%s warm-up round %d: the JIT compiler used %.0f%% of a core%n", what, k, share * 100);
            if (compiler < 0 || share < 0.10 || System.nanoTime() > end) {
                return;
            }
        }
    }

    /** Views each job once, in a shuffled order; each view's latency, and fails on a view that is not QUEUED. */
    private static long[] views(String api, String token, List<String> ids, int concurrency, Random random)
            throws InterruptedException {
        List<String> order = new ArrayList<>(ids);
        Collections.shuffle(order, random);
        return run(order.size(), concurrency, i -> request(token, "GET", api + "/api/v1/jobs/" + order.get(i), null,
                null).thenApply(r -> {
                    if (r.statusCode() == 200 && !r.body().contains("\"estimatedStartAt\":\"")) {
                        throw new IllegalStateException("a view without an estimate: " + r.body());
                    }
                    return r;
                }));
    }

    /** The URLs of every page (50 jobs) of the tenant's jobs on the cluster in {@code state}, by their cursors. */
    private static List<String> pages(String api, String token, String cluster, String state) throws Exception {
        String first = api + "/api/v1/jobs?clusterId=" + cluster + "&state=" + state + "&limit=50";
        List<String> pages = new ArrayList<>();
        String url = first;
        while (url != null) {
            pages.add(url);
            String body = send(token, "GET", url, null, null, 200);
            int key = body.indexOf("\"nextCursor\":\"");
            url = key < 0 ? null : first + "&cursor=" + body.substring(key + 14, body.indexOf('"', key + 14));
        }
        return pages;
    }

    /** A page of jobs; fails on a page whose QUEUED jobs do not each carry an estimate. */
    private static java.util.concurrent.CompletableFuture<LoadClient.Reply> pageOf(String token, String url) {
        return request(token, "GET", url, null, null).thenApply(r -> {
            if (r.statusCode() == 200 && count(r.body(), "\"state\":\"QUEUED\"")
                    != count(r.body(), "\"estimatedStartAt\":\"")) {
                throw new IllegalStateException("a QUEUED job without an estimate in " + url);
            }
            return r;
        });
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    /** The latencies of the requests to pages of QUEUED jobs ({@code queued}) or of the others. */
    private static long[] pick(long[] latency, List<String> order, boolean queued) {
        return java.util.stream.IntStream.range(0, latency.length)
                .filter(i -> order.get(i).contains("state=QUEUED") == queued).mapToLong(i -> latency[i]).toArray();
    }

    /** Whole-node on-demand jobs, the i-th of {@code runSeconds(i)}; their ids, in order. */
    private static List<String> submit(String api, String token, String project, String cluster, int jobs,
            java.util.function.IntUnaryOperator runSeconds) throws Exception {
        List<String> ids = new ArrayList<>(jobs);
        for (int i = 0; i < jobs; i++) {
            ids.add(SubmissionLoad.idOf(send(token, "POST", api + "/api/v1/jobs", "application/json",
                    "{\"projectId\":\"" + project + "\",\"clusterId\":\"" + cluster + "\",\"model\":\"ASCEND-910B\","
                            + "\"cards\":8,\"class\":\"ON_DEMAND\",\"maxRunSeconds\":" + runSeconds.applyAsInt(i) + "}",
                    201)));
        }
        return ids;
    }

    /** The service's count of start estimates made {@code how}, from a /q/metrics text. */
    private static double counter(String metrics, String how) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith("myriad_jobs_start_estimates_total{") && line.contains("how=\"" + how + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private QueuedViewLoad() {}
}

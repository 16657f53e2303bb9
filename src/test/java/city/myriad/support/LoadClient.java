package city.myriad.support;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.CompletableFuture;

/**
 * The benchmarks' HTTP client: keep-alive HTTP/1.1 connections in a pool, on one Vert.x event loop. The JDK's
 * {@code java.net.http.HttpClient} took a large share of the two cores that the service, PostgreSQL and Keycloak
 * share with the load tool on the benchmark machine (a baseline of about 450 requests/s where {@code wrk} measured
 * 6,300 on the same server): the load tool measured itself. This one costs a few microseconds a request.
 */
public final class LoadClient {

    /** A response: its status and its body as text. */
    public record Reply(int statusCode, String body) {}

    private static final Vertx VERTX = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
            .setInternalBlockingPoolSize(1));
    private static final HttpClient HTTP = VERTX.createHttpClient(new HttpClientOptions().setKeepAlive(true)
            .setConnectTimeout(5000).setIdleTimeout(60), new PoolOptions().setHttp1MaxSize(256));
    private static final io.vertx.core.Context ON_LOOP = VERTX.getOrCreateContext();

    /**
     * Every call starts on the client's one event-loop context ({@code ON_LOOP}), so the response's body handler
     * is set on the thread that reads the connection, before its bytes are read. Called from the load tool's own
     * threads instead, {@code resp.body()} could run on one of them while the event loop was already delivering
     * the body, which was then dropped (most likely; vert.x issues 5904 and 6038): on 2026-11-30, 2, 27 and 1 of
     * 3,500 answers read as "201 without a body" in three of nine runs, each with {@code content-length: 700} from
     * the service; none in the nine runs after this change.
     */
    public static CompletableFuture<Reply> request(String token, String method, String url, String type, String body) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(method)).setAbsoluteURI(url)
                .setTimeout(30_000);
        if (token != null) {
            options.putHeader("Authorization", "Bearer " + token);
        }
        if (type != null) {
            options.putHeader("Content-Type", type);
        }
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        ON_LOOP.runOnContext(ignored -> HTTP.request(options)
                .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
                .compose(resp -> resp.body().map(b -> {
                    if (b.length() == 0 && resp.statusCode() == 201) {
                        System.err.println("201 without a body: " + method + " " + url + ", " + resp.version()
                                + ", headers " + resp.headers());
                    }
                    return new Reply(resp.statusCode(), b.toString());
                }))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        reply.complete(ar.result());
                    } else {
                        reply.completeExceptionally(ar.cause());
                    }
                }));
        return reply;
    }

    /** What a streamed GET received: its status, lines (newline bytes) and bytes. */
    public record Streamed(int statusCode, long lines, long bytes) {}

    /** A GET whose body is counted as it arrives, never held: for responses of gigabytes (on the loop, as above). */
    public static CompletableFuture<Streamed> stream(String token, String url) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                .setIdleTimeout(120_000);
        if (token != null) {
            options.putHeader("Authorization", "Bearer " + token);
        }
        CompletableFuture<Streamed> done = new CompletableFuture<>();
        ON_LOOP.runOnContext(ignored -> HTTP.request(options).compose(req -> req.send()).onSuccess(resp -> {
            long[] counts = new long[2];
            resp.handler(buffer -> {
                io.netty.buffer.ByteBuf bytes = buffer.getByteBuf();
                int end = bytes.writerIndex();
                counts[1] += end - bytes.readerIndex();
                // ByteBuf.indexOf searches a word at a time: the client's share of the two cores stays small.
                for (int i = bytes.indexOf(bytes.readerIndex(), end, (byte) '\n'); i >= 0;
                        i = bytes.indexOf(i + 1, end, (byte) '\n')) {
                    counts[0]++;
                }
            });
            resp.exceptionHandler(done::completeExceptionally);
            resp.endHandler(end -> done.complete(new Streamed(resp.statusCode(), counts[0], counts[1])));
        }).onFailure(done::completeExceptionally));
        return done;
    }

    /** A load tool's measurement. */
    public interface Tool {
        void measure(String[] args) throws Exception;
    }

    /**
     * Runs a load tool's main: its measurement, then the client closed and the JVM ended (the client's event loop
     * would keep it alive), with status 1 if the measurement failed.
     */
    public static void main(String[] args, Tool tool) {
        int status = 0;
        try {
            tool.measure(args);
        } catch (Throwable e) {
            e.printStackTrace();
            status = 1;
        } finally {
            close();
        }
        System.exit(status);
    }

    /** Closes the connections and stops the event loop. */
    public static void close() {
        try {
            VERTX.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            // A load tool ends here: its caller exits the JVM whatever the event loop still holds.
        }
    }

    private LoadClient() {}

    /** Refuses any server but this machine's: a load tool loads only what it started on 127.0.0.1. */
    public static void requireLocal(String... urls) {
        for (String url : urls) {
            String host = java.net.URI.create(url).getHost();
            if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
                throw new IllegalArgumentException("load only servers on this machine, not " + host);
            }
        }
    }

    /**
     * CPU seconds the service's JIT compiler threads have used so far (Linux /proc, on the pid that bin/bench-service
     * passes), or -1 without the pid. A warm-up repeats until a round costs the compiler little: on two shared
     * cores the C2 compiler of a fresh Quarkus service keeps a core busy for minutes, and a benchmark run in that
     * time measures the compiler, not the service.
     */
    public static double compilerSeconds() {
        String pid = System.getenv("MYRIAD_BENCH_SERVICE_PID");
        if (pid == null) {
            return -1;
        }
        long ticks = 0;
        java.io.File[] tasks = new java.io.File("/proc/" + pid + "/task").listFiles();
        if (tasks == null) {
            return -1;
        }
        for (java.io.File task : tasks) {
            try {
                String stat = java.nio.file.Files.readString(task.toPath().resolve("stat"));
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (name.contains("CompilerThre")) {
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
            } catch (java.io.IOException | RuntimeException e) {
                // a thread that ended meanwhile
            }
        }
        return ticks / 100.0;  // USER_HZ
    }

    /**
     * CPU seconds used so far (Linux /proc, user + system, USER_HZ 100) by the service (the pid bin/bench-service
     * passes; -1 without it) and by every PostgreSQL process of the machine (the embedded server's backends, which
     * come and go, are counted while they live; a backend that ended between two readings is missed, which
     * understates PostgreSQL a little). Read before and after a measured run, it gives CPU per request: a figure
     * the machine's noise moves less than throughput.
     */
    public static double[] serviceAndPostgresCpuSeconds() {
        String pid = System.getenv("MYRIAD_BENCH_SERVICE_PID");
        long service = -100;
        long postgres = 0;
        java.io.File[] processes = new java.io.File("/proc").listFiles();
        for (java.io.File p : processes == null ? new java.io.File[0] : processes) {
            if (!p.getName().chars().allMatch(Character::isDigit)) {
                continue;
            }
            try {
                String stat = java.nio.file.Files.readString(p.toPath().resolve("stat"));
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                if (p.getName().equals(pid)) {
                    service = ticks;
                } else if (name.equals("postgres")) {
                    postgres += ticks;
                }
            } catch (java.io.IOException | RuntimeException e) {
                // a process that ended meanwhile
            }
        }
        return new double[] {service / 100.0, postgres / 100.0};
    }
}

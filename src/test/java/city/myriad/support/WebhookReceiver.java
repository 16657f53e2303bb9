package city.myriad.support;

import city.myriad.metering.service.Webhooks;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tenant's webhook receiver on 127.0.0.1: answers 500 to the first {@code failures} posts, 200 after; checks each
 * post's signature with {@link #secret}; keeps the event ids and bodies of the posts it accepted.
 */
public final class WebhookReceiver implements AutoCloseable {
    private final HttpServer server;
    public volatile int failures;
    /** The {@code Myriad-Event-Id} of every post answered 200, in order (a redelivery appears twice). */
    public final List<String> delivered = new CopyOnWriteArrayList<>();
    /** The bodies of the posts answered 200, in order. */
    public final List<String> bodies = new CopyOnWriteArrayList<>();
    public final AtomicInteger posts = new AtomicInteger();
    public final AtomicInteger badSignatures = new AtomicInteger();
    public volatile String secret;

    public WebhookReceiver(int failures) throws IOException {
        this.failures = failures;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            int n = posts.incrementAndGet();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String header = exchange.getRequestHeaders().getFirst("Myriad-Signature");
            Map<String, String> parts = new ConcurrentHashMap<>();
            for (String kv : header == null ? new String[0] : header.split(",")) {
                String[] p = kv.split("=", 2);
                parts.put(p[0], p[1]);
            }
            boolean valid = parts.containsKey("t") && parts.containsKey("v1")
                    && Webhooks.sign(secret, Long.parseLong(parts.get("t")), body).equals(parts.get("v1"));
            if (!valid) {
                badSignatures.incrementAndGet();
            }
            int status = n <= WebhookReceiver.this.failures ? 500 : 200;
            if (status == 200) {
                delivered.add(exchange.getRequestHeaders().getFirst("Myriad-Event-Id"));
                bodies.add(body);
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

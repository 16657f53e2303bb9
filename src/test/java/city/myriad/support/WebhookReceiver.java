package city.myriad.support;

import city.myriad.metering.service.WebhookDeliveries;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
    /** The Myriad-Signature header of the last post. */
    public volatile String lastSignature;

    public WebhookReceiver(int failures) throws IOException {
        this.failures = failures;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            int n = posts.incrementAndGet();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String header = exchange.getRequestHeaders().getFirst("Myriad-Signature");
            lastSignature = header;
            boolean valid = accepts(header, body, secret);
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

    /**
     * Whether a Myriad-Signature header signs {@code body} under {@code secret}, as a receiver checks it: any of its
     * {@code v1} signatures (one per secret in force) made with that secret over "t.body".
     */
    public static boolean accepts(String header, String body, String secret) {
        if (header == null || secret == null) {
            return false;
        }
        Long t = null;
        List<String> v1 = new java.util.ArrayList<>();
        for (String kv : header.split(",")) {
            String[] p = kv.split("=", 2);
            if (p.length == 2 && p[0].equals("t")) {
                t = Long.parseLong(p[1]);
            } else if (p.length == 2 && p[0].equals("v1")) {
                v1.add(p[1]);
            }
        }
        return t != null && v1.contains(WebhookDeliveries.sign(secret, t, body));
    }

    /** How many v1 signatures a Myriad-Signature header carries. */
    public static int signatures(String header) {
        return (int) java.util.Arrays.stream(header.split(",")).filter(kv -> kv.startsWith("v1=")).count();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

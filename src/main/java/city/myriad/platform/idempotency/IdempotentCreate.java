package city.myriad.platform.idempotency;

import io.smallrye.common.vertx.ContextLocals;
import java.util.Optional;

/**
 * The creating request in flight, as the edge saw it: who asked, the client's Idempotency-Key (or none), and the
 * fingerprint of what was asked (method, path, body; only with a key). Kept in the request's Vert.x context, so that
 * {@link Idempotency#once}, deep in the use case's transaction, finds it without every service passing it on;
 * {@link #replayed()} tells the edge whether the answer is the stored one.
 */
public final class IdempotentCreate {

    private static final String LOCAL = "myriad.idempotent-create";

    private final String caller;
    private final String key;
    private final String fingerprint;
    private volatile boolean replayed;

    IdempotentCreate(String caller, String key, String fingerprint) {
        this.caller = caller;
        this.key = key;
        this.fingerprint = fingerprint;
    }

    static void begin(IdempotentCreate create) {
        ContextLocals.put(LOCAL, create);
    }

    static Optional<IdempotentCreate> current() {
        return ContextLocals.get(LOCAL);
    }

    String caller() {
        return caller;
    }

    String key() {
        return key;
    }

    String fingerprint() {
        return fingerprint;
    }

    void markReplayed() {
        replayed = true;
    }

    public boolean replayed() {
        return replayed;
    }
}

package city.myriad.platform.db;

import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import java.util.function.Supplier;

/**
 * Between reactive and blocking code. {@link #await}: for the service's own worker threads (never an event loop),
 * runs reactive work on a Vert.x context and waits. {@link #offload}: for a request, runs a blocking client (Keycloak's
 * admin client, stripe-java) on a worker thread and answers back on the caller's Vert.x context.
 */
public final class Blocking {

    private Blocking() {}

    /**
     * {@code call} on a worker thread, its item (or failure) emitted on the caller's Vert.x context, so that the
     * reactive work chained after it (a Hibernate Reactive session, the SQL client) runs where it must.
     */
    public static <T> Uni<T> offload(Supplier<T> call) {
        io.vertx.core.Context caller = io.vertx.core.Vertx.currentContext();
        Uni<T> result = Uni.createFrom().item(call)
                .runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool());
        return caller == null ? result : result.emitOn(task -> caller.runOnContext(ignored -> task.run()));
    }

    public static <T> T await(Supplier<Uni<T>> work) {
        try {
            return VertxContextSupport.subscribeAndAwait(work);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}

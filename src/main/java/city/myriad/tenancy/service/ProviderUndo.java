package city.myriad.tenancy.service;

import io.smallrye.mutiny.Uni;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The identity provider is not in the database's transaction: what a change made there before its rows failed to
 * commit (or half-way, when the provider's own call failed) stays unless it is undone. A change arms this just before
 * it asks the provider to make something; if the change then fails, the undo runs once, after the rollback, and the
 * change's own failure is what the caller sees. An undo that fails is logged with what is left behind, never thrown.
 */
final class ProviderUndo {

    private static final Logger LOG = Logger.getLogger(ProviderUndo.class);

    private final String what;
    private final AtomicReference<Supplier<Uni<Void>>> undo = new AtomicReference<>();

    /** {@code what}: what would be left behind if the undo failed, for the log. */
    ProviderUndo(String what) {
        this.what = what;
    }

    /** From now on, a failure of the change undoes this. */
    void arm(Supplier<Uni<Void>> action) {
        undo.set(action);
    }

    /** The change, undone in the provider if it fails after {@link #arm}. */
    <T> Uni<T> around(Uni<T> change) {
        return change.onFailure().call(failure -> {
            Supplier<Uni<Void>> action = undo.getAndSet(null);
            if (action == null) {
                return Uni.createFrom().voidItem();
            }
            return Uni.createFrom().<Void>deferred(action::get).onFailure().invoke(e -> LOG.errorf(
                    "A change failed (%s) and undoing it in the identity provider failed too (%s): %s",
                    failure.toString(), e.toString(), what)).onFailure().recoverWithNull();
        });
    }
}

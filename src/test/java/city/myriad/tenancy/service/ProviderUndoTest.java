package city.myriad.tenancy.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.smallrye.mutiny.Uni;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ProviderUndoTest {

    private final AtomicInteger undone = new AtomicInteger();

    private Uni<Void> undoIt() {
        return Uni.createFrom().item(() -> {
            undone.incrementAndGet();
            return null;
        });
    }

    @Test
    void a_change_that_fails_after_arming_is_undone_once_and_its_own_failure_is_what_the_caller_sees() {
        ProviderUndo undo = new ProviderUndo("test");
        IllegalStateException commit = new IllegalStateException("commit refused");
        Uni<String> change = undo.around(Uni.createFrom().item("made").invoke(() -> undo.arm(this::undoIt))
                .chain(made -> Uni.createFrom().failure(commit)));
        assertSame(commit, assertThrows(IllegalStateException.class, () -> change.await().indefinitely()));
        assertEquals(1, undone.get());
    }

    @Test
    void a_change_that_fails_before_arming_or_succeeds_undoes_nothing() {
        ProviderUndo before = new ProviderUndo("test");
        assertThrows(IllegalStateException.class, () -> before.around(Uni.createFrom()
                .failure(new IllegalStateException("unique violation"))).await().indefinitely());
        ProviderUndo after = new ProviderUndo("test");
        assertEquals("made", after.around(Uni.createFrom().item("made").invoke(() -> after.arm(this::undoIt)))
                .await().indefinitely());
        assertEquals(0, undone.get());
    }

    @Test
    void an_undo_that_fails_is_logged_and_the_change_s_failure_still_reaches_the_caller() {
        ProviderUndo undo = new ProviderUndo("test");
        IllegalStateException commit = new IllegalStateException("commit refused");
        Uni<Object> change = undo.around(Uni.createFrom().voidItem()
                .invoke(() -> undo.arm(() -> Uni.createFrom().failure(new RuntimeException("Keycloak down"))))
                .chain(ignored -> Uni.createFrom().failure(commit)));
        assertSame(commit, assertThrows(IllegalStateException.class, () -> change.await().indefinitely()));
    }
}

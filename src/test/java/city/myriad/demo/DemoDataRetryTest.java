package city.myriad.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.inject.Vetoed;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo load at start-up survives an identity provider or database that stumbles, and no more than that. */
class DemoDataRetryTest {

    private static final Duration QUICK = Duration.ofMillis(5);

    /** A demo world whose load fails as scripted, then succeeds. Not a bean: the scope is inherited. */
    @Vetoed
    private static final class Scripted extends DemoData {
        final Deque<Throwable> failures;
        int loads;

        Scripted(Throwable... failures) {
            super(null, null, null, null, null, null, null, null, new DemoConfig() {
                @Override
                public boolean enabled() {
                    return true;
                }

                @Override
                public boolean historyEnabled() {
                    return false;
                }
            });
            this.failures = new ArrayDeque<>(List.of(failures));
        }

        @Override
        public Uni<Void> load() {
            loads++;
            Throwable next = failures.poll();
            return next == null ? Uni.createFrom().voidItem() : Uni.createFrom().failure(next);
        }
    }

    @Test
    void an_identity_provider_that_fails_twice_is_waited_for() {
        Scripted demo = new Scripted(upstream(), new ConnectException("Connection refused"));

        demo.loadRetryingTransientFailures(5, QUICK).await().atMost(Duration.ofSeconds(10));

        assertEquals(3, demo.loads);
    }

    @Test
    void a_rule_refusing_the_demo_world_fails_at_once() {
        Scripted demo = new Scripted(new MyriadProblem.Conflict(ProblemCode.USERNAME_TAKEN, "taken"));

        assertThrows(MyriadProblem.Conflict.class,
                () -> demo.loadRetryingTransientFailures(5, QUICK).await().atMost(Duration.ofSeconds(10)));
        assertEquals(1, demo.loads);
    }

    @Test
    void a_provider_that_stays_down_ends_the_start_after_the_last_attempt() {
        Scripted demo = new Scripted(upstream(), upstream(), upstream(), upstream(), upstream(), upstream());

        assertThrows(MyriadProblem.Upstream.class,
                () -> demo.loadRetryingTransientFailures(5, QUICK).await().atMost(Duration.ofSeconds(10)));
        assertEquals(5, demo.loads);
    }

    private static MyriadProblem upstream() {
        return new MyriadProblem.Upstream(ProblemCode.IDENTITY_PROVIDER_FAILED, "Keycloak said 503");
    }
}

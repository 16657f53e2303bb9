package city.myriad.market.service;

import city.myriad.market.repository.ReservationRepository;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.work.Rounds;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Tells a tenant that a reservation's window ends soon: once per end, {@code myriad.market.reservation-ending-notice}
 * (an hour) before it, while the window is open, the {@code reservation.ending} event (with the jobs still running in
 * it, which stop at the end unless it is extended), so that there is time to extend it or to checkpoint. An
 * extension moves the end, and the new end is told again when it comes near. A round every
 * {@code myriad.market.reservation-notice-interval} (30 s): one statement, safe on every replica at once (a
 * reservation's row is marked once; the event is written by the marking's trigger, in its transaction).
 */
@ApplicationScoped
public class ReservationNotices {

    private static final Logger LOG = Logger.getLogger(ReservationNotices.class);

    private final Scoped scoped;
    private final ReservationRepository reservations;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Duration notice;
    private final Duration interval;
    private Rounds rounds;

    ReservationNotices(Scoped scoped, ReservationRepository reservations, Clock clock, MeterRegistry meters,
            @ConfigProperty(name = "myriad.market.reservation-ending-notice", defaultValue = "PT1H") Duration notice,
            @ConfigProperty(name = "myriad.market.reservation-notice-interval", defaultValue = "PT30S")
            Duration interval) {
        this.scoped = scoped;
        this.reservations = reservations;
        this.clock = clock;
        this.meters = meters;
        this.notice = notice;
        this.interval = interval;
    }

    void start(@Observes StartupEvent event) {
        rounds = Rounds.start("myriad-reservation-notices", interval, this::round, LOG, meters);
    }

    void stop(@Observes ShutdownEvent event) {
        if (rounds != null) {
            rounds.stop();
        }
    }

    /** One round: the reservations whose end came within the notice are told; how many. */
    public long round() {
        long told = Blocking.await(() -> scoped.asPlatform(() -> reservations.noticeEnding(clock.instant(), notice)));
        if (told > 0) {
            LOG.debugf("Told %d reservations' tenants that their windows end within %s", told, notice);
        }
        return told;
    }
}

package city.myriad.jobs.service;

import city.myriad.jobs.repository.JobRepository;
import city.myriad.market.service.ReservationRuns;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** {@link ReservationRuns} from the jobs' ended runs ({@code job_segments}) and their runs under way. */
@ApplicationScoped
public class JobReservationRuns implements ReservationRuns {

    private final JobRepository jobs;

    JobReservationRuns(JobRepository jobs) {
        this.jobs = jobs;
    }

    @Override
    public Uni<List<Run>> of(UUID tenantId, UUID reservationId, Instant from, Instant upto) {
        return jobs.reservationRuns(tenantId, reservationId, from, upto).map(rows -> rows.stream()
                .map(r -> new Run((UUID) r[0], ((Number) r[1]).longValue(),
                        city.myriad.platform.db.SqlTimes.instant(r[2]),
                        r[3] == null ? null : city.myriad.platform.db.SqlTimes.instant(r[3])))
                .toList());
    }
}

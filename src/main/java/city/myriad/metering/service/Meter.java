package city.myriad.metering.service;

import city.myriad.metering.model.HourSlices;
import city.myriad.metering.model.HourSlices.Slice;
import city.myriad.platform.time.Period;
import city.myriad.metering.repository.RollupRepository;
import city.myriad.metering.repository.RollupRepository.PendingEvent;
import city.myriad.metering.repository.RollupRepository.PendingSegment;
import city.myriad.platform.db.Scoped;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Rolls usage up, exactly once: closed runs (from the job lifecycle, what bills) and accepted usage events (what
 * the agents measured) are split into the UTC hours they cover and added to the hourly rollups, and in the same
 * transaction the runs are marked metered and the events' batches leave the pending list. A failure rolls all of
 * it back, to be taken again; two replicas never take the same rows (advisory turn, rows locked).
 * <p>
 * Usage is billed in the period of its hour unless that period is closed: then in the first later period still
 * open (an adjustment, visible as an hour before its period's start). Periods are read FOR SHARE while written
 * to, so a close and a roll-up never cross.
 * <p>
 * After each roll-up the jobs it touched that have ended are reconciled: lifecycle against measured card-seconds.
 */
@ApplicationScoped
public class Meter {

    /** What one turn did: {@code ran} false if another meter had the turn. */
    public record Turn(boolean ran, int segments, int events) {
        public boolean busy() {
            return segments > 0 || events > 0;
        }
    }

    static final int SEGMENTS_PER_TURN = 2000;
    static final int BATCHES_PER_TURN = 50;

    private final Scoped scoped;
    private final RollupRepository rollups;
    private final ObjectMapper json;
    private final Clock clock;
    private final double tolerance;
    private final long toleranceCardSeconds;

    Meter(Scoped scoped, RollupRepository rollups, ObjectMapper json, Clock clock,
            @ConfigProperty(name = "myriad.metering.reconcile.tolerance", defaultValue = "0.01") double tolerance,
            @ConfigProperty(name = "myriad.metering.reconcile.tolerance-card-seconds", defaultValue = "60")
            long toleranceCardSeconds) {
        this.scoped = scoped;
        this.rollups = rollups;
        this.json = json;
        this.clock = clock;
        this.tolerance = tolerance;
        this.toleranceCardSeconds = toleranceCardSeconds;
    }

    /** One turn: rolls up what is pending (up to a bound), in one transaction. */
    public Uni<Turn> turn() {
        Instant now = clock.instant();
        return scoped.asPlatform(() -> rollups.tryTurn().chain(mine -> !mine
                ? Uni.createFrom().item(new Turn(false, 0, 0))
                : rollups.pendingSegments(SEGMENTS_PER_TURN).chain(segments -> rollups.takeBatches(BATCHES_PER_TURN)
                        .chain(events -> apply(segments, events, now)))));
    }

    /** A rollup row's key, ordered as the table's primary key. */
    private record Key(UUID tenant, String period, Instant hour, UUID project, UUID cluster, String model,
            String priceClass, String currency) implements Comparable<Key> {

        @Override
        public int compareTo(Key o) {
            int c = tenant.compareTo(o.tenant);
            c = c != 0 ? c : period.compareTo(o.period);
            c = c != 0 ? c : hour.compareTo(o.hour);
            c = c != 0 ? c : project.compareTo(o.project);
            c = c != 0 ? c : cluster.compareTo(o.cluster);
            c = c != 0 ? c : model.compareTo(o.model);
            c = c != 0 ? c : priceClass.compareTo(o.priceClass);
            return c != 0 ? c : currency.compareTo(o.currency);
        }
    }

    /**
     * What one row gains: card-milli-seconds, cost, credit, measured card-milli-seconds, events; and of the events'
     * measures (V70), utilization in thousandths × card-milli-seconds over the card-milli-seconds that reported one,
     * and energy in milli-watt-hours (null: none reported).
     */
    private static final class Delta {
        long cms;
        long cost;
        long credit;
        long measured;
        long events;
        long utilized;
        long utilizationCms;
        Long energy;

        void energy(long milliWh) {
            energy = energy == null ? milliWh : energy + milliWh;
        }
    }

    private Uni<Turn> apply(List<PendingSegment> segments, List<PendingEvent> events, Instant now) {
        if (segments.isEmpty() && events.isEmpty()) {
            return Uni.createFrom().item(new Turn(true, 0, 0));
        }
        Set<Period> periods = new TreeSet<>();
        // Lists, not maps: two events may be equal in every field but their ids, and each counts.
        List<List<Slice>> runSlices = new java.util.ArrayList<>(segments.size());
        for (PendingSegment g : segments) {
            List<Slice> slices = charged(g);
            runSlices.add(slices);
            slices.forEach(s -> periods.add(Period.of(s.hour())));
        }
        List<List<Slice>> eventSlices = new java.util.ArrayList<>(events.size());
        for (PendingEvent e : events) {
            // Summed by the database inside one hour: one slice of that hour. Else split here.
            List<Slice> slices = e.summed() ? List.of(new Slice(e.hour(), 0, e.cardMilliSeconds(), 0))
                    : HourSlices.of(e.startAt(), e.endAt(), e.cardsMilli(), 0);
            eventSlices.add(slices);
            periods.add(Period.of(e.summed() ? e.hour() : e.startAt()));
            slices.forEach(s -> periods.add(Period.of(s.hour())));
        }
        if (!periods.isEmpty()) {
            for (Period p = ((TreeSet<Period>) periods).first(); p.compareTo(Period.of(now)) <= 0; p = p.next()) {
                periods.add(p);
            }
        }
        return rollups.lockPeriods(periods.stream().map(Period::toString).toList()).chain(states -> {
            Map<Key, Delta> deltas = new TreeMap<>();
            ArrayNode charges = json.createArrayNode();
            Set<UUID> touched = new HashSet<>();
            for (int r = 0; r < segments.size(); r++) {
                PendingSegment g = segments.get(r);
                List<Slice> slices = runSlices.get(r);
                touched.add(g.jobId());
                boolean credited = g.creditMinor() > 0 && g.creditMinor() == g.chargeMinor();
                for (int i = 0; i < slices.size(); i++) {
                    Slice s = slices.get(i);
                    Key k = key(g.tenantId(), states, s.hour(), g.projectId(), g.clusterId(), g.model(),
                            g.priceClass(), g.currency());
                    Delta d = deltas.computeIfAbsent(k, x -> new Delta());
                    // A run is credited whole (preemption, node failure) or not at all; any other credit is
                    // kept in the run's last hour.
                    long credit = credited ? s.costMinor() : (i == slices.size() - 1 ? g.creditMinor() : 0);
                    d.cms += s.cardMilliSeconds();
                    d.cost += s.costMinor();
                    d.credit += credit;
                    charges.add(charge(g, k, s, credit));
                }
                if (slices.isEmpty() && g.creditMinor() > 0) {
                    throw new IllegalStateException("A run of no whole second credited " + g.creditMinor());
                }
            }
            for (int v = 0; v < events.size(); v++) {
                PendingEvent e = events.get(v);
                List<Slice> slices = eventSlices.get(v);
                touched.add(e.jobId());
                RollupRepository.Measures m = e.measures();
                if (slices.isEmpty()) { // crossing an hour in under a second: no card-second, but it counts
                    Delta d = deltas.computeIfAbsent(key(e.tenantId(), states, e.startAt().truncatedTo(
                            java.time.temporal.ChronoUnit.HOURS), e.projectId(), e.clusterId(), e.model(),
                            e.priceClass(), e.currency()), k -> new Delta());
                    d.events += 1;
                    if (m.energyMilliWh() != null) {
                        d.energy(m.energyMilliWh());
                    }
                }
                long[] energy = m.energyMilliWh() == null ? null : EnergySlices.split(m.energyMilliWh(), slices);
                for (int i = 0; i < slices.size(); i++) {
                    Slice s = slices.get(i);
                    Delta d = deltas.computeIfAbsent(key(e.tenantId(), states, s.hour(), e.projectId(), e.clusterId(),
                            e.model(), e.priceClass(), e.currency()), k -> new Delta());
                    d.measured += s.cardMilliSeconds();
                    d.events += i == 0 ? e.count() : 0; // an event counts once, in its first hour
                    if (e.summed()) {  // the database summed the hour's events: their sums, in the one slice
                        d.utilized += m.utilizedMilliCms();
                        d.utilizationCms += m.utilizationCms();
                    } else if (m.utilizationMilli() != null) {
                        d.utilized += (long) m.utilizationMilli() * s.cardMilliSeconds();
                        d.utilizationCms += s.cardMilliSeconds();
                    }
                    if (energy != null) {
                        d.energy(energy[i]);
                    }
                }
            }
            Uni<Void> work = deltas.isEmpty() ? Uni.createFrom().voidItem() : rollups.add(rows(deltas));
            if (!charges.isEmpty()) {
                work = work.chain(() -> rollups.addCharges(charges.toString()));
            }
            if (!segments.isEmpty()) {
                work = work.chain(() -> rollups.markMetered(keys(segments), now).replaceWithVoid());
            }
            return work.chain(() -> rollups.reconcile(touched, tolerance, toleranceCardSeconds * 1000, now))
                    .replaceWith(new Turn(true, segments.size(), events.size()));
        });
    }

    /** The run's hours, their costs summing to the run's recorded charge exactly. */
    static List<Slice> charged(PendingSegment g) {
        List<Slice> slices = HourSlices.of(g.startedAt(), g.endedAt(), g.cardsMilli(), g.unitPriceMinor());
        long sum = slices.stream().mapToLong(Slice::costMinor).sum();
        if (sum != g.chargeMinor()) {
            throw new IllegalStateException("Run " + g.jobId() + "/" + g.attempt() + " was charged " + g.chargeMinor()
                    + " but its hours cost " + sum);
        }
        return slices;
    }

    /** The row an hour's usage goes to: its own period, or the first later one still open. */
    private static Key key(UUID tenant, Map<String, String> states, Instant hour, UUID project, UUID cluster,
            String model, String priceClass, String currency) {
        Period p = Period.of(hour);
        while ("CLOSED".equals(states.get(p.toString()))) {
            p = p.next();
        }
        return new Key(tenant, p.toString(), hour, project, cluster, model, priceClass, currency);
    }

    private String rows(Map<Key, Delta> deltas) {
        ArrayNode rows = json.createArrayNode();
        deltas.forEach((k, d) -> {
            ObjectNode r = rows.addObject();
            r.put("tenant_id", k.tenant().toString());
            r.put("period", k.period());
            r.put("hour", k.hour().toString());
            r.put("project_id", k.project().toString());
            r.put("cluster_id", k.cluster().toString());
            r.put("model", k.model());
            r.put("price_class", k.priceClass());
            r.put("currency", k.currency());
            r.put("cms", d.cms);
            r.put("cost", d.cost);
            r.put("credit", d.credit);
            r.put("measured", d.measured);
            r.put("events", d.events);
            r.put("utilized", d.utilized);
            r.put("ucms", d.utilizationCms);
            if (d.energy == null) {
                r.putNull("energy");
            } else {
                r.put("energy", d.energy);
            }
        });
        return rows.toString();
    }

    private ObjectNode charge(PendingSegment g, Key k, Slice s, long credit) {
        ObjectNode r = json.createObjectNode();
        r.put("job_id", g.jobId().toString());
        r.put("attempt", g.attempt());
        r.put("hour", s.hour().toString());
        r.put("period", k.period());
        r.put("tenant_id", g.tenantId().toString());
        r.put("project_id", g.projectId().toString());
        r.put("cluster_id", g.clusterId().toString());
        r.put("model", g.model());
        r.put("price_class", g.priceClass());
        r.put("currency", g.currency());
        r.put("reservation_id", g.reservationId() == null ? null : g.reservationId().toString());
        r.put("unit_price_minor", g.unitPriceMinor());
        r.put("cms", s.cardMilliSeconds());
        r.put("cost", s.costMinor());
        r.put("credit", credit);
        return r;
    }

    private String keys(List<PendingSegment> segments) {
        ArrayNode rows = json.createArrayNode();
        segments.forEach(g -> rows.addObject().put("job_id", g.jobId().toString()).put("attempt", g.attempt()));
        return rows.toString();
    }
}

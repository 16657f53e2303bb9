package city.myriad.jobs.model;

/**
 * How a job buys its cards: ON_DEMAND (per card-second used, never preempted), SPOT (cheaper, preemptible: its
 * cards are reclaimed first) and RESERVED (inside a reservation the tenant paid for: no further charge).
 */
public enum JobClass {
    ON_DEMAND, SPOT, RESERVED;

    public boolean preemptible() {
        return this == SPOT;
    }
}

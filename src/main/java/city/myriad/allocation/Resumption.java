package city.myriad.allocation;

/** What became of a running job handed back to the scheduler after a restart ({@link Scheduler#resume}). */
public sealed interface Resumption {

    Resumption RESUMED = new Resumed();

    /** It holds its cards, CPU and memory again and ends as any running job does. */
    record Resumed() implements Resumption {}

    /**
     * It holds its cards again, but its node has less CPU or memory free than it took ({@code why}): it holds what is
     * free, and the node takes nothing more that asks CPU or memory until it frees.
     */
    record Squeezed(String why) implements Resumption {}

    /** Its placement does not fit the nodes as they are now; nothing changed. */
    record Refused(String why) implements Resumption {}
}

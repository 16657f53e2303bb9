package city.myriad.allocation;

/**
 * The sum-of-squares rule of online bin packing (Csirik, Johnson, Kenyon, Orlin, Shor and Weber, "On the
 * Sum-of-Squares Algorithm for Bin Packing", J. ACM 53(1), 2006) for slices of shared cards. Let N(g) be how many
 * cards of a model have exactly g milli-cards free, 0 &lt; g &lt; 1000 (neither full nor whole). The rule puts an
 * item where Σ N(g)² grows least: a new card with the free share g competes with the N(g) cards already left that
 * way for the same later slices (those that fill g, or pair up within it), so the more there are, the less likely
 * one more is ever filled. Best fit alone can pile up cards of one leftover share that the slices to come do not
 * fill (700s on whole cards leaving 300s where 150s are few); the rule spreads the leftovers over the shares that
 * the stream of slices fills. For item sizes drawn from a fixed discrete distribution that can be packed
 * perfectly its expected waste grows like √n, where best fit's grows like n for some such distributions (the
 * paper's results).
 *
 * <p>The fragmentation measure ({@link FragmentationAwarePolicy}) sees each node alone and counts a leftover share
 * as usable when some expected shape fits it, however many such shares there already are; this term sees the
 * model's cards together. It is priced in the measure's unit: the change of Σ N(g)², over the model's cards, in
 * milli-cards (about 2,000 × the change in the share of the model's cards left with the slice's leftover, minus
 * that of the share it fills), times {@link #WEIGHT}. Counted per model: a job of one model fills only that model's
 * shares.
 *
 * <p>Where the slices cannot be packed without waste (an 850 leaves a 150 that only rare 50s fill), the plain rule
 * keeps pricing the leftovers an optimal packing leaves empty too, and spreads the slices against them. The paper's
 * remedy for such distributions: imaginary items, at the rate of the optimal packing's waste, packed by the rule
 * and dropped. Here, after each slice placed where work never ends, {@link #planWaste} counts that rate's worth of
 * milli-cards, in the slices' common unit, as planned waste on the cards where the rule would put such an item;
 * the counts the rule reads are of the shares free beyond it ({@link ClusterState#cardsWithUnplannedFree}). The
 * rate is first-fit-decreasing's waste on a sample of the profile's slices ({@link DemandProfile#plannedWaste}):
 * 0 where they pack perfectly, and then the rule is the plain one.
 */
final class SumOfSquares {

    /**
     * The term's weight against the fragmentation measure. Chosen on the 97 static workloads and the second random
     * draw of docs/allocation.md (2026-12-04; with 2 and 5 the sums rose on every set too) and checked on the first
     * draw, which no choice was made on: design/sum-of-squares.md.
     */
    static final double WEIGHT = 3;

    private SumOfSquares() {
    }

    /**
     * The change of Σ N(g)² over the shares free beyond the planned waste, when a slice of {@code milli} goes on a
     * card with {@code unplanned} of them ({@link ClusterState#unplannedFreeOn}): a slice larger than that share
     * takes planned waste too and leaves the card with none unplanned. Without planned waste the shares are the
     * free shares: a card leaves N(free) unless it was whole, and joins N(free - milli) unless the slice fills it.
     */
    static long change(ClusterState s, int model, int unplanned, int milli) {
        long d = 0;
        if (unplanned > 0 && unplanned < Topology.MILLI_PER_CARD) {
            d -= 2L * s.cardsWithUnplannedFree(model, unplanned) - 1;
        }
        int left = Math.max(0, unplanned - milli);
        if (left > 0) {
            d += 2L * s.cardsWithUnplannedFree(model, left) + 1;
        }
        return d;
    }

    /** The change, as a share of the model's cards, in milli-cards and weighted: what a score adds for it. */
    static double price(ClusterState s, int model, int unplanned, int milli) {
        return WEIGHT * change(s, model, unplanned, milli) * Topology.MILLI_PER_CARD
                / Math.max(1, s.topology().cardsOfModel[model]);
    }

    /**
     * One imaginary item of {@code unit} milli-cards, put where the rule would put it among the model's cards with
     * some unplanned share, and counted there as planned waste (it opens no whole card: whole cards are for the
     * work to come). False if no card has room for it.
     */
    static boolean planWaste(ClusterState s, int model, int unit) {
        int best = -1;
        long bestChange = Long.MAX_VALUE;
        for (int g = unit; g < Topology.MILLI_PER_CARD; g++) {
            if (s.cardsWithUnplannedFree(model, g) == 0) {
                continue;
            }
            long d = change(s, model, g, unit);
            if (d < bestChange) {  // ties: the smallest share, best fit
                bestChange = d;
                best = g;
            }
        }
        return best > 0 && s.planWaste(model, best, unit);
    }
}

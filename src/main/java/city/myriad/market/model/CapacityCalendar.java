package city.myriad.market.model;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The reserved cards of one card model of one cluster over time, and whether one more reservation fits. A hold
 * either sits anywhere in the cluster ({@code block} null) or inside one block (a same-block reservation). A
 * set of holds fits when, at every instant, all holds together need no more than the model's cards and the
 * holds of each block no more than that block's cards: then the anywhere-holds can always take the rest.
 */
public final class CapacityCalendar {

    /** Cards held from {@code start} (inclusive) to {@code end} (exclusive). */
    public record Hold(Instant start, Instant end, int cards, String block) {}

    /** Where a new reservation goes: {@code block} null for anywhere in the cluster. */
    public record Placement(String block) {}

    private final Map<String, Integer> cardsByBlock;
    private final int total;
    private final List<Hold> holds;

    public CapacityCalendar(Map<String, Integer> cardsByBlock, List<Hold> holds) {
        this.cardsByBlock = new TreeMap<>(cardsByBlock);
        this.total = cardsByBlock.values().stream().mapToInt(Integer::intValue).sum();
        this.holds = List.copyOf(holds);
    }

    public int totalCards() {
        return total;
    }

    /** The most cards one reservation can ever get: the whole model, or the largest block. */
    public int mostCards(boolean sameBlock) {
        return sameBlock ? cardsByBlock.values().stream().mapToInt(Integer::intValue).max().orElse(0) : total;
    }

    /** Where {@code cards} held from {@code start} to {@code end} fit, if they do (first block by name). */
    public Optional<Placement> fit(Instant start, Instant end, int cards, boolean sameBlock) {
        if (peak(start, end, null) + cards > total) {
            return Optional.empty();
        }
        if (!sameBlock) {
            return Optional.of(new Placement(null));
        }
        for (Map.Entry<String, Integer> b : cardsByBlock.entrySet()) {
            if (peak(start, end, b.getKey()) + cards <= b.getValue()) {
                return Optional.of(new Placement(b.getKey()));
            }
        }
        return Optional.empty();
    }

    /**
     * The earliest start at or after {@code from} at which the reservation fits for its whole length: only
     * {@code from} and the ends of holds can be such a start. Empty if it never fits (more cards than exist).
     */
    public Optional<Instant> earliestStart(Instant from, Duration length, int cards, boolean sameBlock) {
        if (cards > mostCards(sameBlock)) {
            return Optional.empty();
        }
        TreeSet<Instant> candidates = new TreeSet<>();
        candidates.add(from);
        holds.stream().map(Hold::end).filter(e -> e.isAfter(from)).forEach(candidates::add);
        for (Instant s : candidates) {
            if (fit(s, s.plus(length), cards, sameBlock).isPresent()) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /**
     * How far {@code cards} held from {@code from} can go, up to {@code to}: the latest end in (from, to] such that
     * they fit at every instant before it, with the model's cards and, for {@code block} not null, that block's
     * (what an extension of a reservation holding them until {@code from} can buy). Empty if they do not fit at
     * {@code from} itself. Only {@code from} and the starts of holds can be where they stop fitting.
     */
    public Optional<Instant> latestEnd(Instant from, Instant to, int cards, String block) {
        int blockCards = block == null ? 0 : cardsByBlock.getOrDefault(block, 0);
        TreeSet<Instant> instants = new TreeSet<>();
        instants.add(from);
        holds.stream().map(Hold::start).filter(s -> s.isAfter(from) && s.isBefore(to)).forEach(instants::add);
        for (Instant t : instants) {
            int all = 0;
            int inBlock = 0;
            for (Hold h : holds) {
                if (!h.start().isAfter(t) && h.end().isAfter(t)) {
                    all += h.cards();
                    inBlock += block != null && block.equals(h.block()) ? h.cards() : 0;
                }
            }
            if (all + cards > total || block != null && inBlock + cards > blockCards) {
                return t.equals(from) ? Optional.empty() : Optional.of(t);
            }
        }
        return Optional.of(to);
    }

    /**
     * Why the holds do not all fit the cards, or null if they do: at some instant from {@code from} on, all of them
     * together hold more than the model's cards, or a block's same-block holds more than that block's cards (a block
     * no longer in the calendar has none). What a removal of cards is checked with: it must leave what was sold.
     */
    public String overbooked(Instant from) {
        Instant until = holds.stream().map(Hold::end).max(Instant::compareTo).orElse(from);
        if (!until.isAfter(from)) {
            return null;
        }
        int all = peak(from, until, null);
        if (all > total) {
            return "reservations hold up to " + all + " cards at once, " + total + " would be left";
        }
        for (String block : holds.stream().map(Hold::block).filter(java.util.Objects::nonNull).distinct().sorted()
                .toList()) {
            int inBlock = peak(from, until, block);
            int cards = cardsByBlock.getOrDefault(block, 0);
            if (inBlock > cards) {
                return "same-block reservations hold up to " + inBlock + " cards of block " + block + " at once, "
                        + cards + " would be left";
            }
        }
        return null;
    }

    /** The most cards held at any instant of [start, end), by all holds (block null) or one block's. */
    int peak(Instant start, Instant end, String block) {
        return peakHeld(block == null ? holds : holds.stream().filter(h -> block.equals(h.block())).toList(), start,
                end);
    }

    /** The most cards {@code holds} hold together at any instant of [start, end), wherever they are. */
    public static int peakHeld(List<Hold> holds, Instant start, Instant end) {
        TreeSet<Instant> instants = new TreeSet<>();
        instants.add(start);
        holds.stream().map(Hold::start).filter(s -> !s.isBefore(start) && s.isBefore(end)).forEach(instants::add);
        int peak = 0;
        for (Instant t : instants) {
            int held = 0;
            for (Hold h : holds) {
                if (!h.start().isAfter(t) && h.end().isAfter(t)) {
                    held += h.cards();
                }
            }
            peak = Math.max(peak, held);
        }
        return peak;
    }
}

package city.myriad.catalog.service;

import city.myriad.catalog.mapping.CatalogApi.CardOutageView;
import city.myriad.catalog.mapping.CatalogApi.CardState;
import city.myriad.catalog.mapping.CatalogApi.NodeView;
import city.myriad.catalog.model.Node;
import city.myriad.catalog.repository.NodeRepository;
import city.myriad.platform.audit.AuditTrail;
import city.myriad.platform.audit.AuditTrail.Target;
import city.myriad.platform.db.Scoped;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.http.Preconditions;
import city.myriad.platform.paging.Page;
import city.myriad.platform.paging.PageRequest;
import city.myriad.platform.security.Caller;
import city.myriad.platform.validation.Fields;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Cards out of service on nodes that stay in service (docs/catalog.md, "A card out of service"). At 10,000 cards one
 * fails every few days; taking its node DOWN for it idles the node's other cards, and re-importing the node with one
 * card fewer renumbers the others under the jobs placed on them. A card out keeps its index: the scheduling loop gives
 * the core the node's cards in service and maps the core's card numbers back to the node's, what runs on the card ends
 * as on a node down (credited; SPOT requeued), and the calendar sells the node's other cards only. Rules:
 * <ul>
 *   <li>the card must be one of the node's (0 to gpus - 1): 404 {@code CARD_NOT_FOUND} otherwise;</li>
 *   <li>taking out needs a reason; a card out already stays as it was taken out (its reason and time kept);</li>
 *   <li>each change is written with the node's row locked, compared with {@code If-Match} (getNode's tag) as a state
 *       change is, and audited ({@code setCardState}); a repeat changes and records nothing.</li>
 * </ul>
 */
@ApplicationScoped
public class CardHealth {

    /** Who an agent's card event is recorded as having set the card. */
    public static final String AGENT = "agent";

    private final Scoped scoped;
    private final ClusterSupply supply;
    private final NodeRepository nodes;
    private final Preconditions preconditions;
    private final AuditTrail audit;
    private final Clock clock;

    CardHealth(Scoped scoped, ClusterSupply supply, NodeRepository nodes, Preconditions preconditions,
            AuditTrail audit, Clock clock) {
        this.scoped = scoped;
        this.supply = supply;
        this.nodes = nodes;
        this.preconditions = preconditions;
        this.audit = audit;
        this.clock = clock;
    }

    /** An operator's (or platform admin's) change of one card: the node as it is after it. */
    public Uni<NodeView> set(Caller caller, UUID clusterId, String nodeName, int card, CardState state, String reason,
            String ifMatch) {
        String why = reason == null ? null : reason.strip();
        return supply.managed(caller, clusterId).chain(c -> scoped.unscoped(() -> nodes.lockByName(c.id(), nodeName)
                .chain(n -> {
                    if (state == CardState.DOWN && (why == null || why.isEmpty())) {
                        throw new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED,
                                "A card is taken out of service with a reason",
                                List.of(MyriadProblem.Violation.field("reason", "required to take a card out")));
                    }
                    if (n == null) {
                        throw new MyriadProblem.NotFound(ProblemCode.NODE_NOT_FOUND, "No node '" + nodeName
                                + "' in cluster " + clusterId);
                    }
                    checkCard(n, card);
                    return nodes.cardsOut(List.of(n.id)).chain(before -> {
                        preconditions.check(ifMatch, NodeView.of(n, before));
                        return change(n, card, state, why, caller.username()).chain(changed -> {
                            if (!changed) {
                                return Uni.createFrom().item(NodeView.of(n, before));
                            }
                            Map<String, Object> details = new LinkedHashMap<>();
                            details.put("clusterId", c.id());
                            details.put("node", n.name);
                            details.put("card", card);
                            details.put("state", state.name());
                            if (state == CardState.DOWN) {
                                details.put("reason", why);
                            }
                            return audit.recordForOperator(caller, c.operatorId(), "setCardState",
                                            Target.of("NODE", c.id() + "/" + n.name), details)
                                    .chain(() -> nodes.cardsOut(List.of(n.id)))
                                    .map(after -> NodeView.of(n, after));
                        });
                    });
                }))).invoke(supply::nodesChanged);
    }

    /**
     * The cluster's card outages overlapping [from, to) (bounds optional), newest first, paged: which cards failed over
     * a month and for how long (what a vendor's RMA asks). The cluster's operator and platform admins.
     */
    public Uni<Page<CardOutageView>> outages(Caller caller, UUID clusterId, Fields.Span span, PageRequest page) {
        Long before = page.afterLong();
        java.time.Instant now = clock.instant();
        return supply.managed(caller, clusterId)
                .chain(c -> scoped.unscoped(() -> nodes.outages(c.id(), span.from(), span.to(), before,
                        page.limit() + 1)))
                .map(rows -> page.page(rows, o -> Long.toString(o.id())).map(o -> new CardOutageView(o.node(),
                        o.card(), o.reason(), o.since(), o.setBy(), o.backAt(), o.backBy(),
                        java.time.Duration.between(o.since(), o.backAt() == null ? now : o.backAt()).getSeconds())));
    }

    /**
     * A card event of the cluster's agent ({@code CARD_DOWN}, {@code CARD_UP}): whether it changed the card. 400
     * {@code UNKNOWN_NODE} for a node the cluster lacks, 400 naming {@code card} for a card the node lacks.
     */
    public Uni<Boolean> report(UUID clusterId, String nodeName, int card, boolean down, String detail) {
        return scoped.unscoped(() -> nodes.lockByName(clusterId, nodeName).chain(n -> {
            if (n == null) {
                throw new MyriadProblem.Validation(ProblemCode.UNKNOWN_NODE, "No node '" + nodeName + "' in cluster "
                        + clusterId, List.of(MyriadProblem.Violation.field("node", "not a node of the cluster")));
            }
            if (card < 0 || card >= n.gpus) {
                throw new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "Node '" + nodeName + "' has "
                        + n.gpus + " cards; no card " + card, List.of(MyriadProblem.Violation.field("card",
                                "not a card of the node (0 to " + (n.gpus - 1) + ")")));
            }
            String why = detail == null || detail.isBlank() ? "reported down by the cluster's agent" : detail.strip();
            return change(n, card, down ? CardState.DOWN : CardState.AVAILABLE,
                    why.length() > 500 ? why.substring(0, 500) : why, AGENT);
        })).invoke(changed -> {
            if (changed) {
                supply.nodesChanged();
            }
        });
    }

    private Uni<Boolean> change(Node n, int card, CardState state, String reason, String by) {
        java.time.Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);  // as stored
        Uni<Boolean> changed = state == CardState.DOWN ? nodes.takeCardOut(n.id, card, reason, now, by)
                : nodes.putCardBack(n.id, card, now, by);
        return changed.invoke(c -> {
            if (c) {
                n.updatedAt = now;  // flushed with the transaction, as a state change is
            }
        });
    }

    private static void checkCard(Node n, int card) {
        if (card < 0 || card >= n.gpus) {
            throw new MyriadProblem.NotFound(ProblemCode.CARD_NOT_FOUND, "Node '" + n.name + "' has " + n.gpus
                    + (n.gpus == 1 ? " card" : " cards") + "; no card " + card + " (cards are numbered from 0)");
        }
    }
}

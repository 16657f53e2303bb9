package city.myriad.demo;

import city.myriad.catalog.model.Cluster;
import city.myriad.market.mapping.MarketApi.PriceEntry;
import city.myriad.market.mapping.MarketApi.SetPrices;
import city.myriad.market.model.PriceClass;
import city.myriad.market.service.PriceBookService;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.money.Money;
import city.myriad.platform.security.Caller;
import java.util.Optional;
import city.myriad.catalog.model.Operator;
import city.myriad.catalog.repository.ClusterRepository;
import city.myriad.catalog.repository.InventoryWriter;
import city.myriad.catalog.repository.OperatorRepository;
import city.myriad.catalog.model.NodeSpec;
import city.myriad.platform.db.Scoped;
import city.myriad.tenancy.model.Member;
import city.myriad.tenancy.model.Project;
import city.myriad.tenancy.model.Tenant;
import city.myriad.tenancy.repository.MemberRepository;
import city.myriad.tenancy.repository.ProjectRepository;
import city.myriad.tenancy.repository.TenantRepository;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The demo world of the dev start and the end-to-end tests, loaded once when {@code myriad.demo.enabled}: the
 * Hangzhou city cluster (1,250 nodes of 8 ASCEND-910B = 10,000 cards, 16 nodes a rack, 8 racks a block) run by
 * operator {@code hangzhou}, and tenants {@code acme} and {@code globex} with a project each and the members
 * of the demo realm. The identities themselves come with the realm export, so nothing is provisioned here.
 */
@ApplicationScoped
public class DemoData {

    private static final Logger LOG = Logger.getLogger(DemoData.class);

    public static final UUID HANGZHOU = UUID.fromString("01930000-0000-7000-8000-00000000a001");
    public static final UUID HANGZHOU_CLUSTER = UUID.fromString("01930000-0000-7000-8000-00000000c001");
    public static final UUID ACME = UUID.fromString("01930000-0000-7000-8000-00000000e001");
    public static final UUID GLOBEX = UUID.fromString("01930000-0000-7000-8000-00000000e002");
    static final int NODES = 1250;
    static final int CARDS_PER_NODE = 8;
    static final int NODES_PER_RACK = 16;
    static final int RACKS_PER_BLOCK = 8;

    private final Scoped scoped;
    private final OperatorRepository operators;
    private final ClusterRepository clusters;
    private final InventoryWriter inventory;
    private final TenantRepository tenants;
    private final ProjectRepository projects;
    private final MemberRepository members;
    private final Clock clock;
    private final PriceBookService priceBooks;
    private final boolean enabled;

    DemoData(Scoped scoped, OperatorRepository operators, ClusterRepository clusters, InventoryWriter inventory,
            TenantRepository tenants, ProjectRepository projects, MemberRepository members, Clock clock,
            PriceBookService priceBooks, DemoConfig config) {
        this.priceBooks = priceBooks;
        this.scoped = scoped;
        this.operators = operators;
        this.clusters = clusters;
        this.inventory = inventory;
        this.tenants = tenants;
        this.projects = projects;
        this.members = members;
        this.clock = clock;
        this.enabled = config.enabled();
    }

    void onStart(@Observes StartupEvent start) throws Throwable {
        if (enabled) {
            // Hibernate Reactive needs a Vert.x context; start-up observers run without one.
            VertxContextSupport.subscribeAndAwait(this::load);
        }
    }

    /** Loads the demo world unless it is there already. */
    public Uni<Void> load() {
        Instant now = clock.instant();
        return scoped.asPlatform(() -> tenants.findById(ACME)).chain(existing -> {
            if (existing != null) {
                LOG.info("Demo data present");
                return Uni.createFrom().voidItem();
            }
            long started = System.nanoTime();
            return scoped.asPlatform(() -> operators.persist(operator(now))
                            .chain(() -> clusters.persist(cluster(now)))
                            .chain(() -> tenants.persist(Tenant.create(ACME, "acme", "ACME Robotics", now)))
                            .chain(() -> tenants.persist(Tenant.create(GLOBEX, "globex", "Globex Corporation", now)))
                            .chain(() -> tenants.flush())
                            .chain(() -> projects.persist(Project.create(id("e101"), ACME, "vision", "Vision models",
                                    "Perception training for the warehouse fleet", now)))
                            .chain(() -> projects.persist(Project.create(id("e201"), GLOBEX, "llm", "LLM pre-training",
                                    "Foundation model pre-training", now)))
                            .chain(() -> members.persist(member("e111", ACME, "alice", "tenant-admin", now)))
                            .chain(() -> members.persist(member("e112", ACME, "amy", "tenant-member", now)))
                            .chain(() -> members.persist(member("e211", GLOBEX, "bob", "tenant-admin", now)))
                            .chain(() -> members.flush()))
                    .chain(() -> inventory.write(HANGZHOU_CLUSTER, hangzhouNodes(), OffsetDateTime.now(clock)))
                    .invoke(o -> LOG.infof("Demo data loaded in %d ms: Hangzhou city cluster with %d nodes, %d cards;"
                            + " tenants acme and globex", (System.nanoTime() - started) / 1_000_000, o.created(),
                            o.created() * CARDS_PER_NODE))
                    .replaceWithVoid();
        }).chain(this::priceBook);
    }

    /** The Hangzhou cluster's prices, set through the use case as its operator would, unless it has a book. */
    private Uni<Void> priceBook() {
        Caller demo = new Caller("demo-data", "demo-data", Set.of(Caller.PLATFORM_ADMIN), Optional.empty(),
                Optional.empty());
        SetPrices prices = new SetPrices(List.of(
                new PriceEntry("ASCEND-910B", PriceClass.RESERVED, Money.of(900, "CNY"), null, null),
                new PriceEntry("ASCEND-910B", PriceClass.ON_DEMAND, Money.of(1200, "CNY"), null, null),
                new PriceEntry("ASCEND-910B", PriceClass.SPOT, Money.of(600, "CNY"), Money.of(400, "CNY"),
                        Money.of(1000, "CNY"))), 10);
        return priceBooks.get(HANGZHOU_CLUSTER).replaceWithVoid()
                .onFailure(MyriadProblem.NotFound.class).recoverWithUni(() -> priceBooks.set(demo, HANGZHOU_CLUSTER,
                        prices).invoke(b -> LOG.infof("Demo price book set: version %d", b.version())).replaceWithVoid());
    }

    /** The Hangzhou inventory, as the operator's import file would give it. */
    public static List<NodeSpec> hangzhouNodes() {
        List<NodeSpec> rows = new ArrayList<>(NODES);
        for (int n = 0; n < NODES; n++) {
            int rack = n / NODES_PER_RACK;
            int block = rack / RACKS_PER_BLOCK;
            rows.add(new NodeSpec("hz-n%04d".formatted(n + 1), "ASCEND-910B", CARDS_PER_NODE, 192_000, 1_572_864,
                    "hz-r%03d".formatted(rack + 1), "hz-b%02d".formatted(block + 1)));
        }
        return rows;
    }

    private static Operator operator(Instant now) {
        Operator o = new Operator();
        o.id = HANGZHOU;
        o.slug = "hangzhou";
        o.name = "Hangzhou Municipal AI Computing Center";
        o.createdAt = now;
        return o;
    }

    private static Cluster cluster(Instant now) {
        Cluster c = new Cluster();
        c.id = HANGZHOU_CLUSTER;
        c.operatorId = HANGZHOU;
        c.slug = "hangzhou-city";
        c.name = "Hangzhou City Cluster";
        c.region = "cn-east-hangzhou";
        c.createdAt = now;
        return c;
    }

    private static Member member(String suffix, UUID tenant, String username, String role, Instant now) {
        Member m = new Member();
        m.id = id(suffix);
        m.tenantId = tenant;
        m.username = username;
        m.email = username + "@" + (tenant.equals(ACME) ? "acme" : "globex") + ".example";
        m.firstName = Character.toUpperCase(username.charAt(0)) + username.substring(1);
        m.lastName = tenant.equals(ACME) ? "Acme" : "Globex";
        m.assignRoles(Set.of(role));
        m.createdAt = now;
        return m;
    }

    private static UUID id(String suffix) {
        return UUID.fromString("01930000-0000-7000-8000-00000000" + suffix);
    }
}

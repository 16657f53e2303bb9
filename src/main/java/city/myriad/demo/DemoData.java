package city.myriad.demo;

import city.myriad.catalog.mapping.CatalogApi.CreateCluster;
import city.myriad.catalog.mapping.CatalogApi.CreateOperator;
import city.myriad.billing.mapping.BillingApi.BillingAddress;
import city.myriad.billing.mapping.BillingApi.BillingTaxId;
import city.myriad.billing.mapping.BillingApi.SetBillingProfile;
import city.myriad.billing.mapping.BillingApi.SetPaymentTerms;
import city.myriad.billing.model.CollectionMethod;
import city.myriad.billing.service.BillingProfiles;
import city.myriad.billing.service.PaymentTerms;
import city.myriad.catalog.service.ClusterService;
import city.myriad.catalog.service.OperatorService;
import city.myriad.market.mapping.MarketApi.PriceEntry;
import city.myriad.market.mapping.MarketApi.SetPrices;
import city.myriad.market.model.PriceClass;
import city.myriad.market.service.PriceBookService;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.money.Money;
import city.myriad.platform.security.Caller;
import city.myriad.tenancy.mapping.TenancyApi.AddMember;
import city.myriad.tenancy.mapping.TenancyApi.CreateProject;
import city.myriad.tenancy.mapping.TenancyApi.CreateTenant;
import city.myriad.tenancy.service.MemberService;
import city.myriad.tenancy.service.ProjectService;
import city.myriad.tenancy.service.TenantService;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The demo world of the dev start and the end-to-end tests, loaded when {@code myriad.demo.enabled}: the
 * Hangzhou city cluster (1,250 nodes of 8 ASCEND-910B = 10,000 cards, 16 nodes a rack, 8 racks a block) run by
 * operator {@code hangzhou}, with a price book, and tenants {@code acme} and {@code globex} with a project each
 * and the members of the demo realm.
 *
 * <p>Everything goes through the use cases, as a platform admin would do it through the API, so the demo world
 * obeys every rule a real one does. Two things differ from the API: the rows get the well-known ids that the README
 * and the end-to-end tests use, and the members are linked to the realm's existing accounts (which keep the demo
 * passwords) rather than created. Each step is skipped when what it makes is there, so a start after a crash
 * half-way through the load completes it.
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

    /** Who loads the demo world: a platform admin, as the person setting up a city would be. */
    private static final Caller LOADER = new Caller("demo-data", "demo-data", Set.of(Caller.PLATFORM_ADMIN),
            Optional.empty(), Optional.empty());

    private final OperatorService operators;
    private final ClusterService clusters;
    private final TenantService tenants;
    private final ProjectService projects;
    private final MemberService members;
    private final PriceBookService priceBooks;
    private final BillingProfiles billing;
    private final PaymentTerms terms;
    private final boolean enabled;

    DemoData(OperatorService operators, ClusterService clusters, TenantService tenants, ProjectService projects,
            MemberService members, PriceBookService priceBooks, BillingProfiles billing, PaymentTerms terms, DemoConfig config) {
        this.billing = billing;
        this.terms = terms;
        this.operators = operators;
        this.clusters = clusters;
        this.tenants = tenants;
        this.projects = projects;
        this.members = members;
        this.priceBooks = priceBooks;
        this.enabled = config.enabled();
    }

    void onStart(@Observes StartupEvent start) throws Throwable {
        if (enabled) {
            // Hibernate Reactive needs a Vert.x context; start-up observers run without one.
            VertxContextSupport.subscribeAndAwait(() -> loadRetryingTransientFailures(LOAD_ATTEMPTS, FIRST_BACKOFF));
        }
    }

    /** Attempts of the load at start-up: an identity provider that stumbles once does not end the start. */
    static final int LOAD_ATTEMPTS = 5;
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

    /**
     * Loads the demo world, again after a transient failure: the identity provider or the database failing or
     * unreachable for a moment (an {@code Upstream} problem, or anything that is not a problem of Myriad's own rules).
     * The load may start over because each step is skipped when what it makes is there. A rule refusing the demo
     * world (any other problem) is a defect and fails at once.
     */
    Uni<Void> loadRetryingTransientFailures(int attempts, Duration firstBackoff) {
        return Uni.createFrom().deferred(this::load)
                .onFailure(DemoData::transientFailure).invoke(e -> LOG.warnf("Demo data not loaded yet (%s); retrying",
                        e.toString()))
                .onFailure(DemoData::transientFailure).retry().withBackOff(firstBackoff, firstBackoff.multipliedBy(8))
                .atMost(attempts - 1);
    }

    static boolean transientFailure(Throwable e) {
        return e instanceof MyriadProblem.Upstream || !(e instanceof MyriadProblem);
    }

    /** Loads the demo world unless it is there already; the price book is its last step. */
    public Uni<Void> load() {
        return priceBooks.get(HANGZHOU_CLUSTER).map(book -> true)
                .onFailure(MyriadProblem.NotFound.class).recoverWithItem(false)
                .chain(present -> {
                    if (present) {
                        LOG.info("Demo data present");
                        return Uni.createFrom().voidItem();
                    }
                    long started = System.nanoTime();
                    return world().invoke(() -> LOG.infof("Demo data loaded in %d ms: Hangzhou city cluster with %d"
                            + " nodes, %d cards, and its price book; tenants acme and globex",
                            (System.nanoTime() - started) / 1_000_000, NODES, NODES * CARDS_PER_NODE));
                });
    }

    private Uni<Void> world() {
        return unlessPresent("operator hangzhou", () -> operators.create(LOADER, new CreateOperator("hangzhou",
                        "Hangzhou Municipal AI Computing Center"), HANGZHOU))
                .chain(() -> unlessPresent("cluster hangzhou-city", () -> clusters.create(LOADER,
                        new CreateCluster("hangzhou-city", "Hangzhou City Cluster", "cn-east-hangzhou", HANGZHOU),
                        HANGZHOU_CLUSTER)))
                // Re-importing the same file changes nothing, so this step needs no presence check.
                .chain(() -> clusters.importInventory(LOADER, HANGZHOU_CLUSTER,
                        hangzhouInventory().getBytes(StandardCharsets.UTF_8)))
                .chain(() -> unlessPresent("tenant acme", () -> tenants.create(LOADER,
                        new CreateTenant("acme", "ACME Robotics"), ACME)))
                .chain(() -> unlessPresent("tenant globex", () -> tenants.create(LOADER,
                        new CreateTenant("globex", "Globex Corporation"), GLOBEX)))
                .chain(() -> unlessPresent("project vision", () -> projects.create(LOADER, ACME,
                        new CreateProject("vision", "Vision models", "Perception training for the warehouse fleet"),
                        id("e101"))))
                .chain(() -> unlessPresent("project llm", () -> projects.create(LOADER, GLOBEX,
                        new CreateProject("llm", "LLM pre-training", "Foundation model pre-training"), id("e201"))))
                .chain(() -> member("e111", ACME, "alice", Caller.TENANT_ADMIN))
                .chain(() -> member("e112", ACME, "amy", Caller.TENANT_MEMBER))
                .chain(() -> member("e211", GLOBEX, "bob", Caller.TENANT_ADMIN))
                .chain(this::billingContacts)
                .chain(this::priceBook);
    }

    /** A member linked to the demo realm's account of that name, which keeps its demo password. */
    private Uni<Void> member(String suffix, UUID tenant, String username, String role) {
        String domain = tenant.equals(ACME) ? "acme" : "globex";
        String first = Character.toUpperCase(username.charAt(0)) + username.substring(1);
        String last = tenant.equals(ACME) ? "Acme" : "Globex";
        return unlessPresent("member " + username, () -> members.link(LOADER, tenant, id(suffix),
                new AddMember(username, username + "@" + domain + ".example", first, last, Set.of(role))));
    }

    /** Runs a creating step; a conflict means that a start before this one made it already. */
    private static Uni<Void> unlessPresent(String what, Supplier<Uni<?>> create) {
        return create.get().replaceWithVoid().onFailure(MyriadProblem.Conflict.class).recoverWithUni(e -> {
            LOG.infof("Demo %s present (%s)", what, ((MyriadProblem) e).code());
            return Uni.createFrom().voidItem();
        });
    }

    /**
     * Where the demo tenants' invoices go (docs/billing.md, "Billing contact and payment methods"), and how: acme is
     * charged automatically, globex has net 30 terms ("Payment terms").
     */
    private Uni<Void> billingContacts() {
        return billing.set(LOADER, ACME, new SetBillingProfile("finance@acme.example", "ACME Robotics Co., Ltd.",
                        new BillingAddress("1 Science Avenue", null, "Hangzhou", "310000", "Zhejiang", "CN"),
                        List.of(new BillingTaxId("cn_tin", "91330100MA2H123456"))), null)
                .chain(() -> billing.set(LOADER, GLOBEX, new SetBillingProfile("ap@globex.example", null, null,
                        null), null))
                .chain(() -> terms.set(LOADER, GLOBEX, new SetPaymentTerms(CollectionMethod.SEND_INVOICE, 30, null, null), null))
                .replaceWithVoid();
    }

    /** The Hangzhou cluster's prices, set through the use case as its operator would. */
    private Uni<Void> priceBook() {
        SetPrices prices = new SetPrices(List.of(
                new PriceEntry("ASCEND-910B", PriceClass.RESERVED, Money.of(900, "CNY"), null, null),
                new PriceEntry("ASCEND-910B", PriceClass.ON_DEMAND, Money.of(1200, "CNY"), null, null),
                new PriceEntry("ASCEND-910B", PriceClass.SPOT, Money.of(600, "CNY"), Money.of(400, "CNY"),
                        Money.of(1000, "CNY"))), 10, null);
        return priceBooks.set(LOADER, HANGZHOU_CLUSTER, prices, null)
                .invoke(b -> LOG.infof("Demo price book set: version %d", b.version())).replaceWithVoid();
    }

    /** The Hangzhou inventory as its operator's import file (docs/catalog.md) gives it. */
    public static String hangzhouInventory() {
        StringBuilder csv = new StringBuilder("node_id,gpu_model,gpus,cpu_milli,memory_mib,rack,block\n");
        for (int n = 0; n < NODES; n++) {
            int rack = n / NODES_PER_RACK;
            int block = rack / RACKS_PER_BLOCK;
            csv.append("hz-n%04d,ASCEND-910B,%d,192000,1572864,hz-r%03d,hz-b%02d\n".formatted(n + 1, CARDS_PER_NODE,
                    rack + 1, block + 1));
        }
        return csv.toString();
    }

    private static UUID id(String suffix) {
        return UUID.fromString("01930000-0000-7000-8000-00000000" + suffix);
    }
}

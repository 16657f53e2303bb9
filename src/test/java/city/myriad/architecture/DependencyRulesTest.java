package city.myriad.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The dependency table of the code base, in one place. The allocation core and its simulator are pure Java so
 * that they run anywhere (the simulator compiles them with plain javac) and can be reasoned about alone; Stripe
 * is reached from one package only; HTTP resources go through services.
 */
class DependencyRulesTest {

    static final JavaClasses MYRIAD = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("city.myriad");

    static final ArchRule allocation_core_imports_only_the_jdk = classes()
            .that().resideInAPackage("city.myriad.allocation..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "city.myriad.allocation..", "")
            .because("the allocation core is pure: whatever it needs from outside is an interface declared inside it");

    static final ArchRule simulator_uses_only_the_jdk_and_the_core = classes()
            .that().resideInAPackage("city.myriad.simulator..")
            .should().onlyDependOnClassesThat()
            .resideInAnyPackage("java..", "city.myriad.allocation..", "city.myriad.simulator..", "")
            .because("bin/myriad-sim compiles the core and the simulator with plain javac");

    static final ArchRule only_billing_stripe_talks_to_stripe = noClasses()
            .that().resideOutsideOfPackage("city.myriad.billing.stripe..")
            .should().dependOnClassesThat().resideInAPackage("com.stripe..")
            .because("one adapter owns the Stripe client, its keys and its idempotency keys");

    static final ArchRule resources_never_touch_repositories = noClasses()
            .that().resideInAPackage("..rest..")
            .should().dependOnClassesThat().resideInAPackage("..repository..")
            .because("resources stay thin: use cases and their rules live in services");

    static final ArchRule resources_never_touch_entities = noClasses()
            .that().resideInAPackage("..rest..")
            .should().dependOnClassesThat().resideInAPackage("..model..")
            .because("entities are not API models; resources speak in mapping types");

    static final ArchRule nothing_outside_the_web_layer_depends_on_resources = noClasses()
            .that().resideOutsideOfPackage("..rest..")
            .should().dependOnClassesThat().resideInAPackage("..rest..")
            .because("the HTTP layer is the outermost ring");

    static final ArchRule core_never_reads_the_wall_clock = noClasses()
            .that().resideInAPackage("city.myriad.allocation..")
            .should().callMethod(java.time.Instant.class, "now")
            .orShould().callMethod(System.class, "currentTimeMillis")
            .orShould().callConstructor(java.util.Random.class)
            .because("time and randomness are injected into the core (Clock, seeded RandomGenerator)");

    /** The business domains; each may use another one only through that one's declared ports (its services). */
    static final String[] DOMAINS = {"tenancy", "catalog", "market", "jobs", "quota", "metering", "billing"};

    static final ArchRule platform_depends_on_no_domain = noClasses()
            .that().resideInAPackage("city.myriad.platform..")
            .should().dependOnClassesThat().resideInAnyPackage(domainPackages("city.myriad.demo.."))
            .because("platform is what every domain shares; it knows none of them (docs/architecture.md)");

    static final ArchRule catalog_uses_only_the_platform = classes()
            .that().resideInAPackage("city.myriad.catalog..")
            .should().onlyDependOnClassesThat().resideOutsideOfPackages(without("catalog", domainPackages(
                    "city.myriad.demo..", "city.myriad.simulator..", "city.myriad.allocation..")))
            .because("the catalog is the bottom domain: tenancy and the marketplace build on it, not the reverse");

    static final ArchRule repositories_never_use_services = noClasses()
            .that().resideInAPackage("..repository..")
            .should().dependOnClassesThat().resideInAPackage("..service..")
            .because("a repository stores what a use case decided; the types they share live in model/");

    static final ArchRule demo_goes_through_the_use_cases = noClasses()
            .that().resideInAPackage("city.myriad.demo..")
            .should().dependOnClassesThat().resideInAnyPackage("..repository..", "..identity..", "..rest..",
                    "city.myriad.platform.db..")
            .orShould().dependOnClassesThat().areAnnotatedWith(jakarta.persistence.Entity.class)
            .because("the demo world is made as a platform admin would make it, so it obeys every rule a real one"
                    + " does");

    static ArchRule onlyThroughPorts(String domain) {
        String[] inner = Stream.of(DOMAINS).filter(d -> !d.equals(domain))
                .flatMap(d -> Stream.of("city.myriad." + d + ".repository..", "city.myriad." + d + ".model..",
                        "city.myriad." + d + ".rest..", "city.myriad." + d + ".mapping..",
                        "city.myriad." + d + ".identity.."))
                .toArray(String[]::new);
        return noClasses().that().resideInAPackage("city.myriad." + domain + "..")
                .should().dependOnClassesThat().resideInAnyPackage(inner)
                .allowEmptyShould(true)
                .because("domains talk through declared ports (another domain's service types), never its tables, "
                        + "entities or HTTP");
    }

    static String[] domainPackages(String... more) {
        return Stream.concat(Stream.of(DOMAINS).map(d -> "city.myriad." + d + ".."), Stream.of(more))
                .toArray(String[]::new);
    }

    static String[] without(String domain, String[] packages) {
        return Stream.of(packages).filter(p -> !p.equals("city.myriad." + domain + "..")).toArray(String[]::new);
    }

    static Stream<ArchRule> rules() {
        return Stream.concat(Stream.of(allocation_core_imports_only_the_jdk, simulator_uses_only_the_jdk_and_the_core,
                only_billing_stripe_talks_to_stripe, resources_never_touch_repositories, resources_never_touch_entities,
                nothing_outside_the_web_layer_depends_on_resources, core_never_reads_the_wall_clock,
                platform_depends_on_no_domain, catalog_uses_only_the_platform, repositories_never_use_services,
                demo_goes_through_the_use_cases),
                Stream.of(DOMAINS).map(DependencyRulesTest::onlyThroughPorts));
    }

    @ParameterizedTest
    @MethodSource("rules")
    void holds(ArchRule rule) {
        rule.check(MYRIAD);
    }
}

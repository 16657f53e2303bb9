package city.myriad.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import city.myriad.catalog.repository.NodeRepository;
import city.myriad.demo.DemoData;
import city.myriad.jobs.repository.JobRepository;
import city.myriad.market.repository.PriceBookRepository;
import city.myriad.platform.db.Scoped;
import io.quarkus.arc.ClientProxy;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.lang.reflect.Field;
import java.util.UUID;
import java.util.function.Supplier;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.reactive.mutiny.Mutiny;
import org.junit.jupiter.api.Test;

/**
 * Why the repositories read through {@code SessionSql}: Hibernate Reactive (3.2) stores one more plan for every
 * execution of a native select, and our reads must not (docs/design/native-selects.md).
 */
@QuarkusTest
@QuarkusTestResource(OidcWiremockTestResource.class)
class NativeSelectPlanCacheTest {

    @Inject
    Mutiny.SessionFactory sessions;

    @Inject
    Scoped scoped;

    @Inject
    JobRepository jobs;

    @Inject
    NodeRepository nodes;

    @Inject
    PriceBookRepository prices;

    @Test
    void hibernates_native_select_stores_a_plan_at_every_execution() throws Throwable {
        int before = plans();
        for (int i = 0; i < 50; i++) {
            run(() -> Panache.getSession().chain(s -> s.createNativeQuery("select 41 as a, 'x' as b", Object[].class)
                    .getResultList()));
        }
        // The day this fails, Hibernate Reactive keeps one plan per native select and SessionSql can go.
        assertTrue(plans() - before >= 45, "plans " + before + " -> " + plans());
    }

    @Test
    void the_repositories_reads_leave_the_plan_cache_as_it_was() throws Throwable {
        UUID missing = UUID.randomUUID();
        Supplier<Uni<?>> reads = () -> scoped.asPlatform(() -> jobs.read(missing)
                .chain(() -> jobs.history(missing))
                .chain(() -> jobs.runs(DemoData.HANGZHOU_CLUSTER))
                .chain(() -> jobs.projected(DemoData.ACME, null, null))
                .chain(() -> nodes.models(DemoData.HANGZHOU_CLUSTER))
                .chain(() -> nodes.capacity(DemoData.HANGZHOU_CLUSTER))
                .chain(() -> prices.current(DemoData.HANGZHOU_CLUSTER, java.time.Instant.now()))
                .chain(() -> prices.scheduled(DemoData.HANGZHOU_CLUSTER, java.time.Instant.now())));
        run(reads);
        int before = plans();
        for (int i = 0; i < 50; i++) {
            run(reads);
        }
        assertEquals(before, plans(), "50 rounds of eight reads stored plans");
    }

    private static void run(Supplier<Uni<?>> work) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() -> work.get()));
    }

    private int plans() throws ReflectiveOperationException {
        Object factory = ClientProxy.unwrap(sessions);
        for (Class<?> c = factory.getClass(); c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (SessionFactoryImplementor.class.isAssignableFrom(f.getType())) {
                    f.setAccessible(true);
                    SessionFactoryImplementor impl = (SessionFactoryImplementor) f.get(factory);
                    return impl.getQueryEngine().getInterpretationCache().getNumberOfCachedQueryPlans();
                }
            }
        }
        throw new IllegalStateException("No session factory inside " + factory.getClass());
    }
}

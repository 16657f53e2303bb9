package city.myriad.platform.tracing;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The tests' span exporter: spans kept in memory, where {@code TracingTest} reads them. Every test application has it;
 * only one with the SDK on ({@code TracingTest.On}) gives it spans.
 */
@ApplicationScoped
public class SpansInMemory {

    @Produces
    @Singleton
    InMemorySpanExporter spans() {
        return InMemorySpanExporter.create();
    }
}

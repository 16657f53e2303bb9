package city.myriad.platform.tracing;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.quarkus.arc.Unremovable;
import jakarta.inject.Singleton;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Which traces are kept: those of requests to the API. A trace begins with a request (a SERVER span), kept at the
 * configured ratio ({@code quarkus.otel.traces.sampler.arg}), or continues a caller's trace as the caller sampled it
 * ({@code traceparent}'s flag). A span with no parent that is not a request, the SQL and the outgoing calls of the
 * work in the background (the scheduling loops' cycles, the meter, the webhook outbox, billing's runs, every second on
 * every replica), starts no trace: kept, each statement would be a trace of its own, thousands a minute, burying the
 * requests an operator looks for. Their cost is watched in the metrics (docs/deployment.md).
 */
@Singleton
@Unremovable
public class RequestTraces implements Sampler {

    private final Sampler requests;

    RequestTraces(@ConfigProperty(name = "quarkus.otel.traces.sampler.arg", defaultValue = "1.0") double ratio) {
        this.requests = Sampler.parentBased(Sampler.traceIdRatioBased(ratio));
    }

    @Override
    public SamplingResult shouldSample(Context parent, String traceId, String name, SpanKind kind,
            Attributes attributes, List<LinkData> links) {
        if (kind != SpanKind.SERVER && !Span.fromContext(parent).getSpanContext().isValid()) {
            return SamplingResult.drop();
        }
        return requests.shouldSample(parent, traceId, name, kind, attributes, links);
    }

    @Override
    public String getDescription() {
        return "RequestTraces{" + requests.getDescription() + "}";
    }
}

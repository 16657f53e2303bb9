package city.myriad.platform.http;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;

/**
 * The request metrics of OPTIONS answers name the route template, never the path. Those answers come before any
 * route is matched ({@link OptionsAnswer}, and the portal's preflights in {@link PortalCors}), so the HTTP metrics
 * would tag them with the raw path: ids in a metric, and a new series per id.
 */
class OptionsUriTags {

    @Produces
    @Singleton
    static MeterFilter optionsByTemplate(Routes routes) {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (!id.getName().startsWith("http.server") || !"OPTIONS".equals(id.getTag("method"))) {
                    return id;
                }
                String uri = id.getTag("uri");
                String template = uri == null ? null : routes.template(uri);
                List<Tag> tags = new ArrayList<>();
                for (Tag t : id.getTagsAsIterable()) {
                    tags.add(t.getKey().equals("uri") ? Tag.of("uri", template != null ? template : "UNKNOWN") : t);
                }
                return id.replaceTags(tags);
            }
        };
    }
}

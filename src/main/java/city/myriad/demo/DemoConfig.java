package city.myriad.demo;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The demo world. */
@ConfigMapping(prefix = "myriad.demo")
public interface DemoConfig {

    /** Load the demo operator, cluster, tenants and members at start-up if absent. Default {@code false}; on in dev and tests. */
    @WithDefault("false")
    boolean enabled();
}

package city.myriad.demo;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** The demo world. */
@ConfigMapping(prefix = "myriad.demo")
public interface DemoConfig {

    /** Load the demo operator, cluster, tenants and members at start-up if absent. Default {@code false}; on in dev and tests. */
    @WithDefault("false")
    boolean enabled();

    /** Record last month's runs of the demo tenants and invoice them at start-up (DemoHistory). On in dev only. */
    @WithName("history.enabled")
    @WithDefault("false")
    boolean historyEnabled();
}

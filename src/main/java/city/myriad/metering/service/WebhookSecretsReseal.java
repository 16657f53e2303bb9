package city.myriad.metering.service;

import city.myriad.metering.repository.AlertRepository;
import city.myriad.platform.crypto.SecretSeal;
import city.myriad.platform.db.Blocking;
import city.myriad.platform.db.Scoped;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * After the sealing key is rotated ({@link SecretSeal}: the new key in {@code myriad.secrets.key}, the old one in
 * {@code myriad.secrets.previous-keys}), seals every tenant's webhook secrets again under the new key once, at start,
 * so that the old key can be dropped from the configuration after one start of the new one. Several replicas
 * starting at once each try; a webhook is sealed again once (the update is conditional on the stored values).
 */
@ApplicationScoped
public class WebhookSecretsReseal {

    private static final Logger LOG = Logger.getLogger(WebhookSecretsReseal.class);

    private final Scoped scoped;
    private final AlertRepository alerts;
    private final SecretSeal seal;

    WebhookSecretsReseal(Scoped scoped, AlertRepository alerts, SecretSeal seal) {
        this.scoped = scoped;
        this.alerts = alerts;
        this.seal = seal;
    }

    void start(@Observes StartupEvent event) {
        if (!seal.sealing()) {
            return;
        }
        try {
            reseal();
        } catch (RuntimeException e) {
            // Not a reason to stay down: values under a configured previous key still open; the next start tries again.
            LOG.errorf(e, "Webhook secrets not sealed again under the current key at this start");
        }
    }

    /** Seals again what is not sealed under the current key; the tenants whose webhooks changed. */
    public List<UUID> reseal() {
        List<UUID> tenants = Blocking.await(() -> scoped.asPlatform(alerts::resealWebhooks));
        if (!tenants.isEmpty()) {
            LOG.infof("Sealed the webhook secrets of %d tenants again under the current key", tenants.size());
        }
        return tenants;
    }
}

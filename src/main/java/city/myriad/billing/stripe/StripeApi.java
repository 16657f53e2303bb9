package city.myriad.billing.stripe;

import city.myriad.billing.service.BillingConfig;
import com.stripe.StripeClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * The one stripe-java client of this replica, or none when no API key is configured (invoices then stay in Myriad).
 * stripe-java retries nothing by itself here: every caller keeps its own steps and retries with its own idempotency
 * keys.
 */
@ApplicationScoped
public class StripeApi {

    private final Optional<StripeClient> client;

    StripeApi(BillingConfig config) {
        this.client = config.stripe().apiKey().filter(k -> !k.isBlank()).map(k -> StripeClient.builder()
                .setApiKey(k).setApiBase(config.stripe().apiBase()).setMaxNetworkRetries(0)
                .setConnectTimeout(5_000).setReadTimeout(20_000).build());
    }

    public Optional<StripeClient> client() {
        return client;
    }

    public boolean configured() {
        return client.isPresent();
    }
}

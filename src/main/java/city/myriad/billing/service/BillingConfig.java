package city.myriad.billing.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;

/** Billing's settings (application.properties, prefix {@code myriad.billing}). */
@ConfigMapping(prefix = "myriad.billing")
public interface BillingConfig {

    /** The marketplace's share of each cluster's revenue; the operator is payable the rest. */
    @WithDefault("10")
    BigDecimal marketplaceFeePercent();

    /** Days from issue to due. */
    @WithDefault("14")
    int paymentTermsDays();

    /** How long after a failed payment the tenant may still start new work. */
    @WithDefault("P7D")
    Duration paymentGrace();

    /** Rows read per chunk of a FOCUS export (each chunk one short transaction). */
    @WithDefault("10000")
    int exportChunk();

    /** Whether this replica runs the billing worker. */
    @WithName("worker.enabled")
    @WithDefault("true")
    boolean workerEnabled();

    /** How often the billing worker pushes to Stripe and applies suspensions. */
    @WithDefault("2s")
    Duration workerInterval();

    Stripe stripe();

    Tax tax();

    Seller seller();

    /** Who sells on the invoices: the marketplace's legal identity, kept on each invoice at its issue. */
    interface Seller {
        /** Its legal name. */
        @WithDefault("Myriad")
        String name();

        /** Its registered address, one line. */
        Optional<String> address();

        /** Its tax registration number (a VAT number, a unified social credit code). */
        Optional<String> taxId();
    }

    /**
     * The platform's tax on what it sells (docs/billing.md, "Tax"): the rate of a tenant whose payment terms name none.
     * 0 charges no tax (no TAX line).
     */
    interface Tax {
        /** In percent, up to four decimals (6 for China's VAT on computing services, 20 for the UK's). */
        @WithDefault("0")
        java.math.BigDecimal ratePercent();

        /** Its name on invoices: VAT, GST, Sales tax. */
        @WithDefault("VAT")
        String name();
    }

    interface Stripe {
        /** A secret key (sk_...): with none, invoices stay in Myriad and nothing is pushed. */
        Optional<String> apiKey();

        /** Stripe's API base; tests point it at WireMock. */
        @WithDefault("https://api.stripe.com")
        String apiBase();

        /** The signing secret of the webhook endpoint (whsec_...): with none, every webhook is refused. */
        Optional<String> webhookSecret();

        /** How old a signed webhook may be. */
        @WithDefault("300")
        long webhookToleranceSeconds();

        /** Backoff of a failed push: base times 2^attempts, capped at one hour. */
        @WithDefault("10s")
        Duration retryBase();
    }
}

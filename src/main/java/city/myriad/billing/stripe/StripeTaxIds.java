package city.myriad.billing.stripe;

import com.stripe.param.CustomerTaxIdCreateParams;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** The tax ID types Stripe takes, from the stripe-java this service is built with. */
public final class StripeTaxIds {

    private static final Set<String> TYPES = Arrays.stream(CustomerTaxIdCreateParams.Type.values())
            .map(CustomerTaxIdCreateParams.Type::getValue).collect(Collectors.toUnmodifiableSet());

    private StripeTaxIds() {}

    /** Whether Stripe has a tax ID of this type ({@code eu_vat}, {@code cn_tin}, ...). */
    public static boolean knownType(String type) {
        return TYPES.contains(type);
    }

    static CustomerTaxIdCreateParams.Type type(String type) {
        return Arrays.stream(CustomerTaxIdCreateParams.Type.values()).filter(t -> t.getValue().equals(type))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("not a Stripe tax ID type: " + type));
    }
}

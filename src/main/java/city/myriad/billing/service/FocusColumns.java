package city.myriad.billing.service;

import java.util.List;

/**
 * The columns of Myriad's FOCUS export, in order: the FOCUS 1.2 columns Myriad has something to say in (all 21
 * mandatory ones among them), FOCUS 1.3's additions, then Myriad's own (prefixed {@code x_}, as FOCUS requires).
 * Left out, and why (docs/billing.md): the PricingCurrency* columns (Myriad prices and bills in one currency), and
 * the CommitmentDiscount* columns (a committed-use discount is a Credit row of its own, not a property of usage
 * rows).
 */
public final class FocusColumns {

    private FocusColumns() {}

    /** Columns whose values are JSON objects (written as objects in JSON, as text in CSV). */
    public static final List<String> JSON = List.of("SkuPriceDetails", "Tags", "ContractApplied",
            "AllocatedMethodDetails", "AllocatedTags");

    /** Columns whose values are decimals (written as numbers in JSON). */
    public static final List<String> DECIMAL = List.of("BilledCost", "ConsumedQuantity", "ContractedCost",
            "ContractedUnitPrice", "EffectiveCost", "ListCost", "ListUnitPrice", "PricingQuantity");

    public static final List<String> ALL = List.of(
            "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType", "BillingCurrency",
            "BillingPeriodEnd", "BillingPeriodStart", "CapacityReservationId", "CapacityReservationStatus",
            "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
            "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
            "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
            "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName",
            "AvailabilityZone", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName",
            "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId",
            "SubAccountName", "SubAccountType", "Tags",
            // FOCUS 1.3
            "ServiceProviderName", "HostProviderName", "ContractApplied", "AllocatedMethodId",
            "AllocatedMethodDetails", "AllocatedResourceId", "AllocatedResourceName", "AllocatedTags",
            // Myriad's own
            "x_PriceClass", "x_Model", "x_JobAttempt", "x_CardSeconds", "x_InvoiceLineKind");

    private static final java.util.Map<String, Integer> INDEX = new java.util.HashMap<>();

    static {
        for (int i = 0; i < ALL.size(); i++) {
            INDEX.put(ALL.get(i), i);
        }
    }

    /** The column's position (a hash look-up: the export sets some forty columns per row). */
    static int index(String column) {
        Integer i = INDEX.get(column);
        if (i == null) {
            throw new IllegalArgumentException(column);
        }
        return i;
    }
}

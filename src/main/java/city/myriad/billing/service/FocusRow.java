package city.myriad.billing.service;

import city.myriad.platform.money.MinorUnits;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * A FOCUS row as Myriad writes it: an array of the columns of {@link FocusColumns}, by index. Rules every row keeps:
 * <ul>
 *   <li>who is billed, in which billing period and invoice, and where the cards were are the same columns on every
 *       row ({@link #base}); the provider, publisher, invoice issuer and service provider are Myriad, the host
 *       provider the cluster's operator;</li>
 *   <li>the four cost columns are equal ({@link #COSTS}): no amortization, no list or contract difference;</li>
 *   <li>money is plain decimal in the currency's minor digits; times are UTC to the second, with a {@code Z};
 *       billing periods are calendar months in UTC.</li>
 * </ul>
 */
final class FocusRow {

    static final String PROVIDER = "Myriad";
    static final String SERVICE = "Myriad GPU Compute";
    private static final DateTimeFormatter FOCUS_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    private FocusRow() {}

    static final int C_AvailabilityZone = FocusColumns.index("AvailabilityZone");
    static final int C_BilledCost = FocusColumns.index("BilledCost");
    static final int C_BillingAccountId = FocusColumns.index("BillingAccountId");
    static final int C_BillingAccountName = FocusColumns.index("BillingAccountName");
    static final int C_BillingAccountType = FocusColumns.index("BillingAccountType");
    static final int C_BillingCurrency = FocusColumns.index("BillingCurrency");
    static final int C_BillingPeriodEnd = FocusColumns.index("BillingPeriodEnd");
    static final int C_BillingPeriodStart = FocusColumns.index("BillingPeriodStart");
    static final int C_CapacityReservationId = FocusColumns.index("CapacityReservationId");
    static final int C_CapacityReservationStatus = FocusColumns.index("CapacityReservationStatus");
    static final int C_ChargeCategory = FocusColumns.index("ChargeCategory");
    static final int C_ChargeClass = FocusColumns.index("ChargeClass");
    static final int C_ChargeDescription = FocusColumns.index("ChargeDescription");
    static final int C_ChargeFrequency = FocusColumns.index("ChargeFrequency");
    static final int C_ChargePeriodEnd = FocusColumns.index("ChargePeriodEnd");
    static final int C_ChargePeriodStart = FocusColumns.index("ChargePeriodStart");
    static final int C_ConsumedQuantity = FocusColumns.index("ConsumedQuantity");
    static final int C_ConsumedUnit = FocusColumns.index("ConsumedUnit");
    static final int C_ContractedCost = FocusColumns.index("ContractedCost");
    static final int C_ContractedUnitPrice = FocusColumns.index("ContractedUnitPrice");
    static final int C_EffectiveCost = FocusColumns.index("EffectiveCost");
    static final int C_HostProviderName = FocusColumns.index("HostProviderName");
    static final int C_InvoiceId = FocusColumns.index("InvoiceId");
    static final int C_InvoiceIssuerName = FocusColumns.index("InvoiceIssuerName");
    static final int C_ListCost = FocusColumns.index("ListCost");
    static final int C_ListUnitPrice = FocusColumns.index("ListUnitPrice");
    static final int C_PricingCategory = FocusColumns.index("PricingCategory");
    static final int C_PricingQuantity = FocusColumns.index("PricingQuantity");
    static final int C_PricingUnit = FocusColumns.index("PricingUnit");
    static final int C_ProviderName = FocusColumns.index("ProviderName");
    static final int C_PublisherName = FocusColumns.index("PublisherName");
    static final int C_RegionId = FocusColumns.index("RegionId");
    static final int C_RegionName = FocusColumns.index("RegionName");
    static final int C_ResourceId = FocusColumns.index("ResourceId");
    static final int C_ResourceName = FocusColumns.index("ResourceName");
    static final int C_ResourceType = FocusColumns.index("ResourceType");
    static final int C_ServiceCategory = FocusColumns.index("ServiceCategory");
    static final int C_ServiceName = FocusColumns.index("ServiceName");
    static final int C_ServiceProviderName = FocusColumns.index("ServiceProviderName");
    static final int C_ServiceSubcategory = FocusColumns.index("ServiceSubcategory");
    static final int C_SkuId = FocusColumns.index("SkuId");
    static final int C_SkuMeter = FocusColumns.index("SkuMeter");
    static final int C_SkuPriceDetails = FocusColumns.index("SkuPriceDetails");
    static final int C_SkuPriceId = FocusColumns.index("SkuPriceId");
    static final int C_SubAccountId = FocusColumns.index("SubAccountId");
    static final int C_SubAccountName = FocusColumns.index("SubAccountName");
    static final int C_SubAccountType = FocusColumns.index("SubAccountType");
    static final int C_Tags = FocusColumns.index("Tags");
    static final int C_x_CardSeconds = FocusColumns.index("x_CardSeconds");
    static final int C_x_InvoiceLineKind = FocusColumns.index("x_InvoiceLineKind");
    static final int C_x_JobAttempt = FocusColumns.index("x_JobAttempt");
    static final int C_x_Model = FocusColumns.index("x_Model");
    static final int C_x_PriceClass = FocusColumns.index("x_PriceClass");
    /** The four cost columns, equal on every row Myriad writes (no amortization, no list/contract difference). */
    static final int[] COSTS = {C_BilledCost, C_ListCost, C_ContractedCost, C_EffectiveCost};
    /** Columns of a priced usage row that a credit beside it leaves empty. */
    static final int[] PRICED_ONLY = {C_PricingQuantity, C_PricingUnit, C_ConsumedQuantity, C_ConsumedUnit,
            C_ListUnitPrice, C_ContractedUnitPrice, C_PricingCategory, C_CapacityReservationId,
            C_CapacityReservationStatus, C_SkuPriceId, C_SkuPriceDetails};

    /** Billing periods' bounds, formatted once (a handful of months per export; safe to share). */
    static final java.util.Map<String, String[]> PERIODS = new java.util.concurrent.ConcurrentHashMap<>();
    /** Parsed once per period, not once per row (parsing was a fifth of the rendering). */
    static final java.util.Map<String, Instant> PERIOD_STARTS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The columns every row shares: who is billed, in which period and invoice, where the cards were. */
    static String[] base(UUID tenant, String tenantName, String currency, String period, UUID invoice,
            UUID project, String projectName, String projectSlug, String region, String clusterSlug,
            String operatorName) {
        String[] v = new String[FocusColumns.ALL.size()];
        set(v, C_BillingAccountId, tenant.toString());
        set(v, C_BillingAccountName, tenantName);
        set(v, C_BillingAccountType, "Tenant");
        set(v, C_BillingCurrency, currency);
        String[] bounds = PERIODS.computeIfAbsent(period, p -> new String[] {time(periodStart(p)),
                time(periodStart(next(p)))});
        set(v, C_BillingPeriodStart, bounds[0]);
        set(v, C_BillingPeriodEnd, bounds[1]);
        set(v, C_InvoiceId, invoice == null ? null : invoice.toString());
        set(v, C_InvoiceIssuerName, PROVIDER);
        set(v, C_ProviderName, PROVIDER);
        set(v, C_PublisherName, PROVIDER);
        set(v, C_ServiceProviderName, PROVIDER);
        set(v, C_HostProviderName, operatorName == null ? "Not Applicable" : operatorName);
        set(v, C_ServiceCategory, "AI and Machine Learning");
        set(v, C_ServiceSubcategory, "AI Platforms");
        set(v, C_ServiceName, SERVICE);
        set(v, C_RegionId, region);
        set(v, C_RegionName, region);
        set(v, C_AvailabilityZone, clusterSlug);
        if (project != null) {
            set(v, C_SubAccountId, project.toString());
            set(v, C_SubAccountName, projectName);
            set(v, C_SubAccountType, "Project");
            set(v, C_Tags, "{\"myriad/project\":" + FocusRendering.jsonString(projectSlug) + "}");
        }
        return v;
    }

    /**
     * The provider's tags of a row ({@code myriad/project}) with the job's own (a JSON object with sorted keys, "" or
     * null for none). No key is in both: a job's keys may not begin {@code myriad/} (FOCUS: user-defined keys in one
     * scheme, unprefixed; the provider's prefixed).
     */
    static String withJobTags(String provider, String job) {
        if (job == null || job.isEmpty() || job.equals("{}")) {
            return provider;
        }
        return provider == null ? job : provider.substring(0, provider.length() - 1) + "," + job.substring(1);
    }

    static void set(String[] row, int column, String value) {
        row[column] = value;
    }

    static int digits(String currency) {
        return MinorUnits.digits(currency);
    }

    static String money(long minor, int digits) {
        return BigDecimal.valueOf(minor, digits).toPlainString();
    }

    static String plain(BigDecimal v) {
        BigDecimal s = v.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }

    static String time(Instant t) {
        return FOCUS_TIME.format(t);
    }

    static Instant periodStart(String period) {
        return Instant.parse(period + "-01T00:00:00Z");
    }

    static String next(String period) {
        return java.time.YearMonth.parse(period).plusMonths(1).toString();
    }
}

package city.myriad.billing.service;

import static city.myriad.billing.service.FocusRow.*;

import city.myriad.billing.service.FocusExport.Cursor;
import city.myriad.billing.service.FocusExport.JobLabels;
import city.myriad.billing.service.FocusExport.Out;
import city.myriad.billing.service.FocusExport.UsageChunk;
import io.vertx.mutiny.sqlclient.Row;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The FOCUS rows of rated usage: one Usage row per job, run and hour (ResourceId the job; the hour's GPU-hours at
 * the run's unit price; a row metered after its period closed is a Correction of that period), and beside it a
 * Credit row with the opposite sign when the run was credited (preemption or a node's failure), its priced columns
 * empty.
 */
final class FocusUsageRows {

    private FocusUsageRows() {}

    static List<Out> of(UsageChunk chunk, FocusDimensions dims) {
        List<Row> rows = chunk.rows();
        List<Out> out = new ArrayList<>(rows.size());
        java.util.Map<Instant, String[]> hours = new java.util.HashMap<>(); // the chunk's hours, formatted once
        for (Row x : rows) {
            Instant hour = x.getOffsetDateTime(0).toInstant();
            UUID job = x.getUUID(1);
            int attempt = x.getInteger(2);
            String period = x.getString(3);
            UUID tenant = x.getUUID(4);
            UUID project = x.getUUID(5);
            String model = x.getString(7);
            String priceClass = x.getString(8);
            String currency = x.getString(9);
            UUID reservation = x.getUUID(10);
            int digits = digits(currency);
            long cms = x.getLong(12);
            long cost = x.getLong(13);
            long credit = x.getLong(14);
            String[] project3 = dims.projects.get(project);
            String[] cluster = dims.clusters.get(x.getUUID(6));
            String clusterSlug = cluster[0];
            UUID invoice = dims.invoices.get(new FocusDimensions.InvoiceKey(tenant, period, currency));
            BigDecimal gpuHours = BigDecimal.valueOf(cms).divide(BigDecimal.valueOf(3_600_000L), 6,
                    RoundingMode.HALF_EVEN);
            String unitPrice = money(x.getLong(11), digits);
            String quantity = plain(gpuHours);
            boolean correction = hour.isBefore(PERIOD_STARTS.computeIfAbsent(period, FocusRow::periodStart));
            String[] v = base(tenant, dims.tenants.get(tenant), currency, period, invoice, project, project3[1],
                    project3[0], cluster[1], clusterSlug, cluster[2]);
            JobLabels labels = chunk.jobLabels().get(job);
            set(v, C_Tags, withJobTags(v[C_Tags], labels == null ? null : labels.tags()));
            String costText = money(cost, digits);
            set(v, C_BilledCost, costText);
            set(v, C_ListCost, costText);
            set(v, C_ContractedCost, costText);
            set(v, C_EffectiveCost, costText);
            set(v, C_ChargeCategory, "Usage");
            set(v, C_ChargeClass, correction ? "Correction" : null);
            set(v, C_ChargeFrequency, "Usage-Based");
            String[] bounds = hours.computeIfAbsent(hour, h -> new String[] {time(h), time(h.plusSeconds(3600))});
            set(v, C_ChargePeriodStart, bounds[0]);
            set(v, C_ChargePeriodEnd, bounds[1]);
            set(v, C_ChargeDescription, model + " " + priceClass + " on " + clusterSlug + ": job " + job + ", "
                    + quantity + " GPU-hours in this hour"
                    + (correction ? " (metered after its period closed)" : ""));
            set(v, C_PricingQuantity, quantity);
            set(v, C_PricingUnit, "GPU-Hours");
            set(v, C_ConsumedQuantity, quantity);
            set(v, C_ConsumedUnit, "GPU-Hours");
            set(v, C_ListUnitPrice, unitPrice);
            set(v, C_ContractedUnitPrice, unitPrice);
            set(v, C_PricingCategory, priceClass.equals("SPOT") ? "Dynamic" : "Standard");
            set(v, C_CapacityReservationId, reservation == null ? null : reservation.toString());
            set(v, C_CapacityReservationStatus, reservation == null ? null : "Used");
            set(v, C_ResourceId, job.toString());
            // The tenant's name for the job when it gave one; else the id's words, as before names.
            set(v, C_ResourceName, labels != null && labels.name() != null ? labels.name() : "job " + job);
            set(v, C_ResourceType, "GPU Job");
            set(v, C_SkuId, model + "/" + priceClass);
            set(v, C_SkuMeter, "Card time");
            set(v, C_SkuPriceId, clusterSlug + "/" + model + "/" + priceClass + "@" + unitPrice);
            set(v, C_SkuPriceDetails, "{\"x_CardHourPrice\":" + unitPrice + ",\"x_Currency\":\"" + currency + "\"}");
            set(v, C_x_PriceClass, priceClass);
            set(v, C_x_Model, model);
            set(v, C_x_JobAttempt, Integer.toString(attempt));
            set(v, C_x_CardSeconds, plain(BigDecimal.valueOf(cms, 3)));
            Out o = new Out();
            o.rows.add(v);
            if (credit > 0) {
                String[] c = v.clone();
                String amount = money(-credit, digits);
                for (int col : COSTS) {
                    set(c, col, amount);
                }
                for (int col : PRICED_ONLY) {
                    set(c, col, null);
                }
                set(c, C_ChargeCategory, "Credit");
                set(c, C_ChargeFrequency, "One-Time");
                set(c, C_ChargeDescription, "Credit for job " + job + " run " + attempt
                        + ", interrupted by preemption or node failure");
                o.rows.add(c);
            }
            o.cursor = new Cursor(hour, job, attempt, false);
            out.add(o);
        }
        return out;
    }
}

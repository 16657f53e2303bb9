package city.myriad.billing.service;

import static city.myriad.billing.service.FocusRow.*;

import city.myriad.billing.service.FocusExport.LineCursor;
import city.myriad.billing.service.FocusExport.Out;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The FOCUS rows of issued invoices' own lines (usage is exported hour by hour instead): a reservation bought or
 * extended is a Purchase with its CapacityReservationId and card-hours; a cancellation's refund, a reservation's
 * shortfall, a committed-use discount and prepaid credit are Credits; a commitment's shortfall a recurring Purchase;
 * tax a Tax row without SKU, quantity or unit price; credit carried to the wallet an Adjustment. One row per line;
 * {@code x_InvoiceLineKind} names the line's kind.
 */
final class FocusLineRows {

    private FocusLineRows() {}

    static List<Out> of(RowSet<Row> rows) {
        List<Out> out = new ArrayList<>(rows.size());
        for (Row x : rows) {
            UUID invoice = x.getUUID(0);
            int lineNo = x.getInteger(1);
            String kind = x.getString(2);
            String period = x.getString(5);
            String currency = x.getString(6);
            int digits = digits(currency);
            long amount = x.getLong(19);
            UUID reservation = x.getUUID(20);
            UUID commitment = x.getUUID(21);
            String clusterSlug = x.getString(11);
            String model = x.getString(14);
            String[] v = base(x.getUUID(3), x.getString(4), currency, period, invoice, x.getUUID(7), x.getString(8),
                    x.getString(9), x.getString(12), clusterSlug, x.getString(13));
            String money = money(amount, digits);
            for (int col : COSTS) {
                set(v, col, money);
            }
            Instant ps = periodStart(period);
            Instant from = x.getValue(16) == null ? ps : x.getOffsetDateTime(16).toInstant();
            Instant to = x.getValue(17) == null ? periodStart(next(period)) : x.getOffsetDateTime(17).toInstant();
            set(v, C_ChargePeriodStart, time(from));
            set(v, C_ChargePeriodEnd, time(to));
            set(v, C_ChargeFrequency, "One-Time");
            set(v, C_x_InvoiceLineKind, kind);
            set(v, C_x_Model, model);
            set(v, C_x_PriceClass, x.getString(15));
            switch (kind) {
                case "RESERVATION", "RESERVATION_EXTENSION" -> {
                    BigDecimal hours = BigDecimal.valueOf(x.getLong(18)).divide(BigDecimal.valueOf(3_600_000L), 6,
                            RoundingMode.HALF_EVEN);
                    String unit = BigDecimal.valueOf(amount).movePointLeft(digits)
                            .divide(hours, 6, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
                    set(v, C_ChargeCategory, "Purchase");
                    set(v, C_ChargeDescription, "Reservation " + reservation
                            + (kind.equals("RESERVATION") ? ": " : " extended: ") + plain(hours) + " card-hours of "
                            + model + " on " + clusterSlug + ", paid whether used or not");
                    set(v, C_PricingQuantity, plain(hours));
                    set(v, C_PricingUnit, "GPU-Hours");
                    set(v, C_ListUnitPrice, unit);
                    set(v, C_ContractedUnitPrice, unit);
                    set(v, C_PricingCategory, "Standard");
                    set(v, C_CapacityReservationId, reservation.toString());
                    set(v, C_SkuId, model + "/RESERVED");
                    set(v, C_SkuMeter, "Reserved card time");
                }
                case "RESERVATION_CANCELLATION" -> {
                    set(v, C_ChargeCategory, "Credit");
                    set(v, C_ChargeDescription, "Reservation " + reservation + " cancelled: its price less the fee");
                    set(v, C_CapacityReservationId, reservation.toString());
                }
                case "RESERVATION_SHORTFALL_CREDIT" -> {
                    BigDecimal hours = BigDecimal.valueOf(x.getLong(18)).divide(BigDecimal.valueOf(3_600_000L), 6,
                            RoundingMode.HALF_EVEN);
                    set(v, C_ChargeCategory, "Credit");
                    set(v, C_ChargeDescription, "Reservation " + reservation + ": " + plain(hours) + " reserved "
                            + model + " card-hours on " + clusterSlug + " not delivered (nodes out of service)");
                    set(v, C_CapacityReservationId, reservation.toString());
                }
                case "COMMITMENT_DISCOUNT" -> {
                    set(v, C_ChargeCategory, "Credit");
                    set(v, C_ChargeDescription, "Committed-use discount (commitment " + commitment + ") on "
                            + model + " ON_DEMAND on " + clusterSlug);
                }
                case "COMMITMENT_SHORTFALL" -> {
                    set(v, C_ChargeCategory, "Purchase");
                    set(v, C_ChargeFrequency, "Recurring");
                    set(v, C_ChargeDescription, "Commitment " + commitment + ": spend below the period's minimum");
                    set(v, C_PricingQuantity, "1");
                    set(v, C_PricingUnit, "Months");
                    set(v, C_ListUnitPrice, money);
                    set(v, C_ContractedUnitPrice, money);
                    set(v, C_PricingCategory, "Committed");
                }
                case "TAX" -> {
                    // FOCUS: a Tax charge has no SKU, quantity or unit price; its costs are the invoice's TAX line.
                    set(v, C_ChargeCategory, "Tax");
                    set(v, C_ChargeDescription, x.getString(23) + " at " + plain(x.getBigDecimal(22))
                            + "% on the invoice's subtotal");
                }
                case "PREPAID_CREDIT" -> {
                    set(v, C_ChargeCategory, "Credit");
                    set(v, C_ChargeDescription, "Prepaid credit applied");
                }
                default -> {
                    set(v, C_ChargeCategory, "Adjustment");
                    set(v, C_ChargeDescription, "Credit above the period's charges, carried to the prepaid wallet");
                }
            }
            Out o = new Out();
            o.rows.add(v);
            o.lineCursor = new LineCursor(invoice, lineNo);
            out.add(o);
        }
        return out;
    }
}

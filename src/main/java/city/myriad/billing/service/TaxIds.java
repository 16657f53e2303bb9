package city.myriad.billing.service;

import city.myriad.billing.mapping.BillingApi.BillingTaxId;
import city.myriad.billing.stripe.StripeTaxIds;
import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.MyriadProblem.Violation;
import city.myriad.platform.error.ProblemCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A billing contact's tax IDs: checked as Stripe types them, and kept as a JSON array of {type, value}. */
public final class TaxIds {

    private TaxIds() {}

    /**
     * The tax IDs of a contact being set, values stripped: 400 on a type Stripe does not have, or one given twice.
     * Rule: the format of a value is Stripe's to check (it knows each country's); Myriad checks the characters.
     */
    public static List<BillingTaxId> checked(List<BillingTaxId> taxIds) {
        if (taxIds == null) {
            return List.of();
        }
        List<BillingTaxId> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < taxIds.size(); i++) {
            BillingTaxId t = taxIds.get(i);
            if (!StripeTaxIds.knownType(t.type())) {
                throw invalid("taxIds[" + i + "].type", "a tax ID type Stripe has (eu_vat, gb_vat, cn_tin, us_ein, "
                        + "...); '" + t.type() + "' is none");
            }
            BillingTaxId stripped = new BillingTaxId(t.type(), t.value().strip());
            if (!seen.add(stripped.type() + ":" + stripped.value())) {
                throw invalid("taxIds[" + i + "]", "given twice");
            }
            out.add(stripped);
        }
        return out;
    }

    /** As stored: a JSON array (bound as one, so the database takes it as an array, not a JSON string). */
    static JsonArray json(List<BillingTaxId> taxIds) {
        JsonArray a = new JsonArray();
        taxIds.forEach(t -> a.add(new JsonObject().put("type", t.type()).put("value", t.value())));
        return a;
    }

    /** The tax IDs of a stored JSON array; none for null. */
    public static List<BillingTaxId> of(JsonArray a) {
        if (a == null) {
            return List.of();
        }
        List<BillingTaxId> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            JsonObject o = a.getJsonObject(i);
            out.add(new BillingTaxId(o.getString("type"), o.getString("value")));
        }
        return out;
    }

    private static MyriadProblem invalid(String field, String reason) {
        return new MyriadProblem.Validation(ProblemCode.VALIDATION_FAILED, "The tax IDs cannot be used: " + field + " "
                + reason, List.of(Violation.field(field, reason)));
    }
}

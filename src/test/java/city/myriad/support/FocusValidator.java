package city.myriad.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks FOCUS rows against the column rules of FOCUS 1.2 (src/test/resources/focus/focus-1.2-columns.csv: feature
 * level, type, nullability, value format) and the MUST requirements that one row can be held to (allowed values,
 * null-when and not-null-when rules, quantity times unit price against cost), plus FOCUS 1.3's additions:
 * ServiceProviderName and HostProviderName (mandatory, not null), ContractApplied and AllocatedMethodDetails /
 * AllocatedTags (JSON objects when not null), AllocatedMethodId, AllocatedResourceId and AllocatedResourceName
 * (strings). Custom columns must start with {@code x_}. Returns every violation found, "row n, Column: why".
 */
public final class FocusValidator {

    /** One column's rules from the specification's table. */
    record Column(String id, String featureLevel, String dataType, boolean nullable, String format) {}

    static final Set<String> CHARGE_CATEGORIES = Set.of("Usage", "Purchase", "Tax", "Credit", "Adjustment");
    static final Set<String> CHARGE_FREQUENCIES = Set.of("One-Time", "Recurring", "Usage-Based");
    static final Set<String> PRICING_CATEGORIES = Set.of("Standard", "Dynamic", "Committed", "Other");
    static final Set<String> SERVICE_CATEGORIES = Set.of("AI and Machine Learning", "Analytics",
            "Business Applications", "Compute", "Databases", "Developer Tools", "Multicloud", "Identity",
            "Integration", "Internet of Things", "Management and Governance", "Media", "Migration", "Mobile",
            "Networking", "Security", "Storage", "Web", "Other");
    static final Map<String, String> AI_SUBCATEGORIES = Map.of("AI Platforms", "AI and Machine Learning",
            "Bots", "AI and Machine Learning", "Generative AI", "AI and Machine Learning", "Machine Learning",
            "AI and Machine Learning", "Natural Language Processing", "AI and Machine Learning",
            "Other (AI and Machine Learning)", "AI and Machine Learning");
    static final Pattern DATE_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
    static final Pattern NUMERIC = Pattern.compile("-?\\d+(\\.\\d+)?");
    static final Set<String> V13_MANDATORY = Set.of("ServiceProviderName", "HostProviderName");
    static final Set<String> V13_COLUMNS = Set.of("ServiceProviderName", "HostProviderName", "ContractApplied",
            "AllocatedMethodId", "AllocatedMethodDetails", "AllocatedResourceId", "AllocatedResourceName",
            "AllocatedTags");
    static final Set<String> V13_JSON = Set.of("ContractApplied", "AllocatedMethodDetails", "AllocatedTags");

    private final Map<String, Column> columns = new LinkedHashMap<>();
    private final ObjectMapper json = new ObjectMapper();

    public FocusValidator() {
        try (InputStream in = FocusValidator.class.getResourceAsStream("/focus/focus-1.2-columns.csv");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            r.readLine();
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                List<String> f = Csv.parse(line);
                columns.put(f.get(0), new Column(f.get(0), f.get(1), f.get(3), f.get(4).equals("True"), f.get(5)));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int columnCount() {
        return columns.size();
    }

    /** Every violation of the header (which columns are there) and of each row. */
    public List<String> validate(List<String> header, List<Map<String, String>> rows) {
        List<String> bad = new ArrayList<>();
        for (Column c : columns.values()) {
            if (c.featureLevel().equals("Mandatory") && !header.contains(c.id())) {
                bad.add("header: mandatory column " + c.id() + " missing");
            }
        }
        for (String c : V13_MANDATORY) {
            if (!header.contains(c)) {
                bad.add("header: FOCUS 1.3 mandatory column " + c + " missing");
            }
        }
        for (String h : header) {
            if (!columns.containsKey(h) && !V13_COLUMNS.contains(h) && !h.startsWith("x_")) {
                bad.add("header: " + h + " is neither a FOCUS column nor prefixed x_");
            }
        }
        for (int i = 0; i < rows.size(); i++) {
            row(i + 1, rows.get(i), bad);
        }
        return bad;
    }

    private void row(int n, Map<String, String> r, List<String> bad) {
        for (Map.Entry<String, String> e : r.entrySet()) {
            Column c = columns.get(e.getKey());
            String v = e.getValue();
            if (c == null) {
                if (V13_MANDATORY.contains(e.getKey()) && v == null) {
                    bad.add(at(n, e.getKey(), "must not be null (FOCUS 1.3)"));
                }
                if (V13_JSON.contains(e.getKey()) && v != null && !isJsonObject(v)) {
                    bad.add(at(n, e.getKey(), "must be a JSON object"));
                }
                continue;
            }
            if (v == null) {
                if (!c.nullable()) {
                    bad.add(at(n, c.id(), "must not be null"));
                }
                continue;
            }
            switch (c.dataType()) {
                case "Decimal" -> {
                    if (!NUMERIC.matcher(v).matches()) {
                        bad.add(at(n, c.id(), "'" + v + "' is not a decimal in NumericFormat"));
                    }
                }
                case "Date/Time" -> {
                    if (!DATE_TIME.matcher(v).matches()) {
                        bad.add(at(n, c.id(), "'" + v + "' is not YYYY-MM-DDTHH:mm:ssZ"));
                    }
                }
                case "JSON" -> {
                    if (!isJsonObject(v)) {
                        bad.add(at(n, c.id(), "'" + v + "' is not a JSON object"));
                    }
                }
                default -> {
                    if (v.isEmpty()) {
                        bad.add(at(n, c.id(), "an empty string; absent values are null"));
                    }
                }
            }
            if (c.format().startsWith("Currency")) {
                try {
                    Currency.getInstance(v);
                } catch (IllegalArgumentException x) {
                    bad.add(at(n, c.id(), "'" + v + "' is not an ISO 4217 code"));
                }
            }
        }
        rules(n, r, bad);
    }

    /** The MUST requirements that hold within one row. */
    private void rules(int n, Map<String, String> r, List<String> bad) {
        String category = r.get("ChargeCategory");
        oneOf(n, r, "ChargeCategory", CHARGE_CATEGORIES, bad);
        oneOf(n, r, "ChargeFrequency", CHARGE_FREQUENCIES, bad);
        oneOf(n, r, "PricingCategory", PRICING_CATEGORIES, bad);
        oneOf(n, r, "ServiceCategory", SERVICE_CATEGORIES, bad);
        oneOf(n, r, "CapacityReservationStatus", Set.of("Used", "Unused"), bad);
        if (r.get("ChargeClass") != null && !"Correction".equals(r.get("ChargeClass"))) {
            bad.add(at(n, "ChargeClass", "must be null or Correction"));
        }
        String sub = r.get("ServiceSubcategory");
        if (sub != null && AI_SUBCATEGORIES.containsKey(sub)
                && !AI_SUBCATEGORIES.get(sub).equals(r.get("ServiceCategory"))) {
            bad.add(at(n, "ServiceSubcategory", sub + " is not a subcategory of " + r.get("ServiceCategory")));
        }
        if ("Purchase".equals(category) && "Usage-Based".equals(r.get("ChargeFrequency"))) {
            bad.add(at(n, "ChargeFrequency", "must not be Usage-Based for a Purchase"));
        }
        boolean correction = "Correction".equals(r.get("ChargeClass"));
        boolean usageOrPurchase = "Usage".equals(category) || "Purchase".equals(category);
        if (usageOrPurchase && !correction) {
            for (String c : List.of("PricingQuantity", "PricingUnit", "ListUnitPrice", "ContractedUnitPrice",
                    "PricingCategory")) {
                if (r.containsKey(c) && r.get(c) == null) {
                    bad.add(at(n, c, "must not be null for " + category));
                }
            }
        }
        pair(n, r, "PricingUnit", "PricingQuantity", bad);
        pair(n, r, "ConsumedUnit", "ConsumedQuantity", bad);
        nullWhen(n, r, "CapacityReservationStatus", "CapacityReservationId", bad);
        nullWhen(n, r, "SkuPriceDetails", "SkuPriceId", bad);
        pair(n, r, "ResourceType", "ResourceId", bad);
        pair(n, r, "SubAccountType", "SubAccountId", bad);
        if (r.get("ConsumedQuantity") != null && !"Usage".equals(category)) {
            bad.add(at(n, "ConsumedQuantity", "must be null when ChargeCategory is not Usage"));
        }
        if ("Usage".equals(category) && !correction && r.containsKey("ConsumedQuantity")
                && r.get("ConsumedQuantity") == null) {
            bad.add(at(n, "ConsumedQuantity", "must not be null for Usage"));
        }
        if ("Usage".equals(category) && r.get("CapacityReservationId") != null
                && r.get("CapacityReservationStatus") == null) {
            bad.add(at(n, "CapacityReservationStatus", "must not be null for Usage in a reservation"));
        }
        if ("Credit".equals(category)) {
            for (String c : List.of("ListCost", "ContractedCost", "EffectiveCost")) {
                if (!same(r.get(c), r.get("BilledCost"))) {
                    bad.add(at(n, c, "must match BilledCost for a Credit"));
                }
            }
        }
        for (String c : List.of("ListUnitPrice", "ContractedUnitPrice")) {
            if (r.get(c) != null && NUMERIC.matcher(r.get(c)).matches() && new BigDecimal(r.get(c)).signum() < 0) {
                bad.add(at(n, c, "must not be negative"));
            }
        }
        // Unit price times quantity against cost: within one minor unit (costs are rounded to minor units once per
        // hour, prices are per card-hour), when neither is null and the row is not a correction.
        if (!correction) {
            product(n, r, "ListUnitPrice", "ListCost", bad);
            product(n, r, "ContractedUnitPrice", "ContractedCost", bad);
        }
        // Tags (KeyValueFormat): a JSON object of scalar values. Myriad's own keys carry its prefix (myriad/); the
        // tenants' keys, its one user-defined scheme, carry none (FOCUS: not prefixed when there is one scheme), and
        // admission refuses a tenant's key beginning with the prefix (JobsTest), so no unprefixed key is Myriad's.
        if (r.containsKey("Tags") && r.get("Tags") != null) {
            try {
                JsonNode t = json.readTree(r.get("Tags"));
                if (!t.isObject()) {
                    bad.add(at(n, "Tags", "not a JSON object"));
                }
                t.fields().forEachRemaining(e -> {
                    if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                        bad.add(at(n, "Tags", "the value of " + e.getKey() + " is not a string, number or boolean"));
                    }
                });
            } catch (IOException e) {
                bad.add(at(n, "Tags", "not JSON"));
            }
        }
    }

    private void product(int n, Map<String, String> r, String price, String cost, List<String> bad) {
        String p = r.get(price);
        String q = r.get("PricingQuantity");
        String c = r.get(cost);
        if (p == null || q == null || c == null) {
            return;
        }
        BigDecimal diff = new BigDecimal(p).multiply(new BigDecimal(q)).subtract(new BigDecimal(c)).abs();
        BigDecimal minor = BigDecimal.ONE.movePointLeft(Math.max(0, Currency.getInstance(r.get("BillingCurrency"))
                .getDefaultFractionDigits()));
        if (diff.compareTo(minor) > 0) {
            bad.add(at(n, cost, price + " x PricingQuantity = " + new BigDecimal(p).multiply(new BigDecimal(q))
                    + " but " + cost + " = " + c));
        }
    }

    private static void pair(int n, Map<String, String> r, String dependent, String on, List<String> bad) {
        if (!r.containsKey(dependent)) {
            return;
        }
        if ((r.get(dependent) == null) != (r.get(on) == null)) {
            bad.add(at(n, dependent, "must be null exactly when " + on + " is null"));
        }
    }

    private static void nullWhen(int n, Map<String, String> r, String dependent, String on, List<String> bad) {
        if (r.get(dependent) != null && r.get(on) == null) {
            bad.add(at(n, dependent, "must be null when " + on + " is null"));
        }
    }

    private static void oneOf(int n, Map<String, String> r, String c, Set<String> allowed, List<String> bad) {
        if (r.get(c) != null && !allowed.contains(r.get(c))) {
            bad.add(at(n, c, "'" + r.get(c) + "' is not an allowed value"));
        }
    }

    private static boolean same(String a, String b) {
        return a != null && b != null && new BigDecimal(a).compareTo(new BigDecimal(b)) == 0;
    }

    private boolean isJsonObject(String v) {
        try {
            return json.readTree(v).isObject();
        } catch (IOException e) {
            return false;
        }
    }

    private static String at(int row, String column, String why) {
        return "row " + row + ", " + column + ": " + why;
    }

    /** RFC 4180 CSV: the export's text back into a header and rows (empty field: null). */
    public static final class Csv {

        private Csv() {}

        public static List<String> parse(String line) {
            List<String> out = new ArrayList<>();
            StringBuilder f = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char ch = line.charAt(i);
                if (quoted) {
                    if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        f.append('"');
                        i++;
                    } else if (ch == '"') {
                        quoted = false;
                    } else {
                        f.append(ch);
                    }
                } else if (ch == '"') {
                    quoted = true;
                } else if (ch == ',') {
                    out.add(f.toString());
                    f.setLength(0);
                } else {
                    f.append(ch);
                }
            }
            out.add(f.toString());
            return out;
        }

        /** Rows of a whole CSV document whose fields hold no line breaks. */
        public static List<Map<String, String>> rows(String text, List<String> headerOut) {
            String[] lines = text.split("\r?\n");
            List<String> header = parse(lines[0]);
            headerOut.addAll(header);
            List<Map<String, String>> rows = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                if (lines[i].isEmpty()) {
                    continue;
                }
                List<String> f = parse(lines[i]);
                Map<String, String> row = new LinkedHashMap<>();
                for (int k = 0; k < header.size(); k++) {
                    String v = k < f.size() ? f.get(k) : "";
                    row.put(header.get(k), v.isEmpty() ? null : v);
                }
                rows.add(row);
            }
            return rows;
        }
    }
}

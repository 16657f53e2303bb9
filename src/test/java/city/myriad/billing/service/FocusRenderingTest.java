package city.myriad.billing.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class FocusRenderingTest {

    static String[] row(String name, String cost, String tags) {
        String[] row = new String[FocusColumns.ALL.size()];
        row[FocusColumns.index("BillingAccountName")] = name;
        row[FocusColumns.index("BilledCost")] = cost;
        row[FocusColumns.index("Tags")] = tags;
        return row;
    }

    @Test
    void csv_quotes_only_fields_with_a_comma_quote_or_line_break_and_leaves_null_empty() {
        String[] plain = row("acme", "12.50", null);
        String[] awkward = row("Acme, \"Ltd\"\nZhejiang", "0", "{\"myriad/project\":\"p\"}");
        String text = FocusRendering.render(List.of(plain, awkward), true, new AtomicBoolean(true)).toString();
        String[] lines = text.split("\n(?=[^\"]*(\"[^\"]*\"[^\"]*)*$)", -1);  // line breaks outside quotes
        assertEquals(2, lines.length, text);
        int name = FocusColumns.index("BillingAccountName");
        assertEquals("acme", lines[0].split(",", -1)[name]);
        assertTrue(text.contains("\"Acme, \"\"Ltd\"\"\nZhejiang\""), text);
        assertTrue(text.contains("\"{\"\"myriad/project\"\":\"\"p\"\"}\""), text);
        assertEquals(FocusColumns.ALL.size() - 1, lines[0].chars().filter(c -> c == ',').count(),
                "one field per column, nulls empty");
    }

    /**
     * A name a tenant, project or job chose that a spreadsheet would run as a formula is written as text in CSV
     * (OWASP CSV injection); a negative decimal stays a number, and JSON keeps the text as it is.
     */
    @Test
    void csv_keeps_a_name_that_looks_like_a_formula_as_text_and_leaves_negative_amounts_numbers() {
        int name = FocusColumns.index("BillingAccountName");
        int cost = FocusColumns.index("BilledCost");
        for (String formula : List.of("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)")) {
            String[] r = row(formula, "-12.00", null);
            String text = FocusRendering.render(List.<String[]>of(r), true, new AtomicBoolean(true)).toString();
            String[] cells = text.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1);  // commas outside quotes
            String written = cells[name].startsWith("\"") ? cells[name].substring(1, cells[name].length() - 1)
                    .replace("\"\"", "\"") : cells[name];
            assertEquals("'" + formula, written, text);
            assertEquals("-12.00", cells[cost], "a credit stays a number");
            assertEquals(formula, r[name], "the row itself is not changed");
            String json = FocusRendering.render(List.<String[]>of(r), false, new AtomicBoolean(true)).toString();
            assertTrue(json.contains("\"BillingAccountName\":" + FocusRendering.jsonString(formula)), json);
        }
        String[] plain = row("acme", "-1.00", null);
        assertTrue(FocusRendering.spreadsheetSafe(plain) == plain, "a row with nothing to change is not copied");
    }

    @Test
    void json_writes_decimals_and_tags_raw_and_every_other_value_as_a_string() throws Exception {
        AtomicBoolean first = new AtomicBoolean(true);
        String a = FocusRendering.render(List.<String[]>of(row("acme \"x\"", "12.50", "{\"myriad/project\":\"p\"}")),
                false, first).toString();
        String b = FocusRendering.render(List.<String[]>of(row("globex", null, null)), false, first).toString();
        JsonNode array = new ObjectMapper().readTree("[" + a + "\n" + b + "]");
        assertEquals(2, array.size(), "the second chunk starts with the comma between rows");
        assertTrue(array.get(0).get("BilledCost").isNumber());
        assertTrue(a.contains("\"BilledCost\":12.50,"), "a decimal is written as the text it has: " + a);
        assertEquals("p", array.get(0).get("Tags").get("myriad/project").asText());
        assertEquals("acme \"x\"", array.get(0).get("BillingAccountName").asText());
        assertTrue(array.get(1).get("BilledCost").isNull());
        assertEquals(FocusColumns.ALL.size(), array.get(1).size(), "every column, null or not");
    }

    @Test
    void a_jobs_own_tags_join_the_providers_in_one_object() {
        assertEquals("{\"myriad/project\":\"p\",\"team\":\"vision\"}",
                FocusRow.withJobTags("{\"myriad/project\":\"p\"}", "{\"team\":\"vision\"}"));
        assertEquals("{\"team\":\"vision\"}", FocusRow.withJobTags(null, "{\"team\":\"vision\"}"));
        for (String none : new String[] {null, "", "{}"}) {
            assertEquals("{\"myriad/project\":\"p\"}", FocusRow.withJobTags("{\"myriad/project\":\"p\"}", none));
        }
    }
}

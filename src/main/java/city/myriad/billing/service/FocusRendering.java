package city.myriad.billing.service;

import city.myriad.platform.TextRules;
import city.myriad.platform.csv.CsvRows;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * FOCUS rows as text: CSV (RFC 4180, LF line ends, an empty field for null, text cells kept from formula evaluation)
 * or JSON objects keyed by column name, with the JSON and decimal columns written raw (a decimal stays a number, Tags
 * stays an object) and every other value a JSON string.
 */
final class FocusRendering {

    private FocusRendering() {
    }

    /** A chunk of rows: whole lines, the last one without its line break (see {@link #stream}). */
    static Buffer render(List<String[]> rows, boolean csv, java.util.concurrent.atomic.AtomicBoolean first) {
        StringBuilder b = new StringBuilder(rows.size() * 1000);  // a usage row is about 850 characters
        for (String[] row : rows) {
            if (b.length() > 0) {
                b.append('\n');
            }
            if (csv) {
                CsvRows.append(b, spreadsheetSafe(row));
            } else {
                b.append(first.get() ? "" : ",");
                jsonRow(b, row);
            }
            first.set(false);
        }
        return Buffer.buffer(b.toString());
    }

    /**
     * The row with every text cell that a spreadsheet would evaluate as a formula (a tenant's, project's or job's
     * name, a tag: {@code =HYPERLINK(...)}) kept as text by a leading apostrophe ({@link TextRules#csvSafe}); decimal
     * and JSON cells are left as they are (a credit's {@code -12.00} stays a number). The row is copied only if a
     * cell changes.
     */
    static String[] spreadsheetSafe(String[] row) {
        String[] out = row;
        for (int i = 0; i < row.length && i < RAW.length; i++) {
            String v = row[i];
            if (v != null && !RAW[i] && TextRules.looksLikeFormula(v)) {
                if (out == row) {
                    out = row.clone();
                }
                out[i] = TextRules.csvSafe(v);
            }
        }
        return out;
    }

    private static final boolean[] RAW = new boolean[FocusColumns.ALL.size()];

    static {
        for (String c : FocusColumns.JSON) {
            RAW[FocusColumns.index(c)] = true;
        }
        for (String c : FocusColumns.DECIMAL) {
            RAW[FocusColumns.index(c)] = true;
        }
    }

    private static void jsonRow(StringBuilder b, String[] row) {
        b.append('{');
        for (int i = 0; i < row.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append('"').append(FocusColumns.ALL.get(i)).append("\":");
            String v = row[i];
            if (v == null) {
                b.append("null");
            } else if (RAW[i]) {
                b.append(v);
            } else {
                b.append(jsonString(v));
            }
        }
        b.append('}');
    }

    static String jsonString(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }
}

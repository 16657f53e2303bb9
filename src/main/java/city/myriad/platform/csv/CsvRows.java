package city.myriad.platform.csv;

/**
 * CSV rows as RFC 4180 writes them: fields separated by commas, a field with a quote, a comma or a line break quoted
 * (its quotes doubled), an empty field for null. Line ends are the caller's (the exports use LF). Cells a
 * spreadsheet would evaluate are the caller's to pass through {@code TextRules.csvSafe} first.
 */
public final class CsvRows {

    private CsvRows() {
    }

    /** Appends one row, without a line end. */
    public static void append(StringBuilder b, String[] row) {
        for (int i = 0; i < row.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            String v = row[i];
            if (v == null) {
                continue;
            }
            if (!needsQuotes(v)) {
                b.append(v);
                continue;
            }
            b.append('"');
            for (int k = 0; k < v.length(); k++) {
                char ch = v.charAt(k);
                if (ch == '"') {
                    b.append('"');
                }
                b.append(ch);
            }
            b.append('"');
        }
    }

    /** RFC 4180: a field with a quote, a comma or a line break is quoted (and its quotes doubled). */
    static boolean needsQuotes(String v) {
        // indexOf is a vectorised intrinsic: four scans are faster than one loop over the characters.
        return v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0;
    }
}

package city.myriad.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The data rows of a trace file (data/traces/FORMAT.md: a header line, then comma-separated fields), read as the
 * reference checker's {@code csv.DictReader} reads them, one row at a time. A plain row (no quote, as many fields as
 * the header) is read without splitting it into strings: a replay's start is mostly reading its jobs file, before the
 * JIT has compiled anything, so the fewer calls and copies per field the better. Any other row takes a slower path
 * with the checker's rules:
 * <ul>
 *   <li>a field may be quoted ({@code "a,b"}; a quote inside one doubled: {@code "say ""hi"""}), and a quoted field
 *       may hold a comma or a line break; a quote inside an unquoted field is an ordinary character;</li>
 *   <li>a row with fewer fields than the header has the missing ones empty (the checker's defaults then apply, or a
 *       required number is missing); fields beyond the header's are ignored.</li>
 * </ul>
 * Lines end with LF, CR or CR LF; blank lines are skipped; a byte order mark before the header is ignored. Numbers
 * parse as {@link Integer#parseInt}, {@link Long#parseLong} and {@link Double#parseDouble} parse the field's text
 * with the blanks around it removed, as Python's {@code int} and {@code float} ignore them (a field of plain digits
 * takes a shorter path to the same value); a field that is no number is named by its line and column.
 */
final class CsvRows {

    private final Path file;
    private final String text;
    private final int columns;
    /** Where each field of a plain row starts, and one past the end of the last ({@code starts[columns]}). */
    private final int[] starts;
    /** The fields of a row read by the slow path (quoted, short or long); null for a plain row. */
    private String[] fields;
    private int next;
    /** The number of the last line read (1 is the header). */
    private int lineNo;
    /** The line the current row starts on (a quoted field may span lines). */
    private int rowLine;

    /** The header's column names, in file order. */
    private final List<String> names;

    /**
     * Opens a file whose header names at least the {@code required} columns, in any order (as the reference checker
     * reads them, by name).
     */
    CsvRows(Path file, String... required) {
        this.file = file;
        try {
            this.text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int from = text.startsWith("\uFEFF") ? 1 : 0;
        List<String> header = new ArrayList<>();
        this.next = split(from, header);
        this.lineNo = rowLine;
        List<String> trimmed = new ArrayList<>();
        for (String name : header) {
            trimmed.add(name.strip());
        }
        this.names = List.copyOf(trimmed);
        List<String> missing = new ArrayList<>();
        for (String r : required) {
            if (!names.contains(r)) {
                missing.add(r);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(file + ": missing columns " + missing + " (header: " + names + ")");
        }
        this.columns = names.size();
        this.starts = new int[columns + 1];
    }

    /** The header's column names, blanks around them removed. */
    List<String> names() {
        return names;
    }

    /** The index of a column by its header name; -1 if the file has none of that name. */
    int column(String name) {
        return names.indexOf(name);
    }

    /** Moves to the next data row; false at the end of the file. */
    boolean next() {
        while (next < text.length()) {
            int start = next;
            int end = lineEnd(start);
            if (blank(start, end)) {
                lineNo++;
                next = skipTerminator(end);
                continue;
            }
            int field = 0;
            starts[0] = start;
            boolean plain = true;
            for (int i = start; i < end && plain; i++) {
                char c = text.charAt(i);
                if (c == ',') {
                    if (++field == columns) {
                        plain = false;
                    } else {
                        starts[field] = i + 1;
                    }
                } else if (c == '"') {
                    plain = false;
                }
            }
            if (plain && field == columns - 1) {
                lineNo++;
                rowLine = lineNo;
                starts[columns] = end + 1;
                fields = null;
                next = skipTerminator(end);
                return true;
            }
            List<String> row = new ArrayList<>(columns + 1);
            next = split(start, row);
            String[] f = row.toArray(new String[Math.max(columns, row.size())]);
            Arrays.fill(f, row.size(), f.length, "");
            fields = f;
            return true;
        }
        return false;
    }

    Path file() {
        return file;
    }

    /** The line the current row starts on (1 is the header). */
    int line() {
        return rowLine;
    }

    /** The field's text as it stands in the file (without the quotes around it, if quoted). */
    String text(int field) {
        return fields != null ? fields[field] : text.substring(starts[field], end(field));
    }

    /** Whether the field is empty or blank. */
    boolean isEmpty(int field) {
        if (fields != null) {
            return fields[field].isBlank();
        }
        return blank(starts[field], end(field));
    }

    int parseInt(int field) {
        if (fields == null) {
            try {
                return Integer.parseInt(text, starts[field], end(field), 10);
            } catch (NumberFormatException e) {
                // blanks around the digits, or no number: the slow path below says which
            }
        }
        try {
            return Integer.parseInt(text(field).strip());
        } catch (NumberFormatException e) {
            throw bad(field);
        }
    }

    long parseLong(int field) {
        if (fields == null) {
            try {
                return Long.parseLong(text, starts[field], end(field), 10);
            } catch (NumberFormatException e) {
                // as in parseInt
            }
        }
        try {
            return Long.parseLong(text(field).strip());
        } catch (NumberFormatException e) {
            throw bad(field);
        }
    }

    double parseDouble(int field) {
        if (fields == null) {
            int from = starts[field];
            int to = end(field);
            if (to > from && to - from <= 15) {
                long v = 0;
                int i = from;
                for (; i < to; i++) {
                    char c = text.charAt(i);
                    if (c < '0' || c > '9') {
                        break;
                    }
                    v = v * 10 + (c - '0');
                }
                if (i == to) {
                    return v;  // under 10^15: exact as a double, the value parseDouble gives
                }
            }
        }
        try {
            return Double.parseDouble(text(field).strip());
        } catch (NumberFormatException e) {
            throw bad(field);
        }
    }

    private IllegalArgumentException bad(int field) {
        return new IllegalArgumentException(file + " line " + rowLine + ": " + names.get(field) + " is not a number: '"
                + text(field) + "'");
    }

    private int end(int field) {
        return starts[field + 1] - 1;
    }

    /**
     * Reads one row from {@code from} by the checker's rules into {@code out} (quoted fields unquoted) and returns where
     * the next row starts; sets {@link #rowLine} and counts the lines it spans.
     */
    private int split(int from, List<String> out) {
        rowLine = lineNo + 1;
        StringBuilder field = new StringBuilder();
        int i = from;
        boolean quoted = false;      // inside a quoted field
        boolean fieldStart = true;   // at the first character of a field
        while (i < text.length()) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i += 2;
                        continue;
                    }
                    quoted = false;
                } else {
                    if (c == '\n' || (c == '\r' && !(i + 1 < text.length() && text.charAt(i + 1) == '\n'))) {
                        lineNo++;
                    }
                    field.append(c);
                }
                i++;
                continue;
            }
            if (c == '\n' || c == '\r') {
                break;
            }
            if (c == ',') {
                out.add(field.toString());
                field.setLength(0);
                fieldStart = true;
            } else if (c == '"' && fieldStart) {
                quoted = true;
                fieldStart = false;
            } else {
                field.append(c);
                fieldStart = false;
            }
            i++;
        }
        if (quoted) {
            throw new IllegalArgumentException(file + " line " + rowLine + ": a quoted field is not closed");
        }
        out.add(field.toString());
        lineNo++;
        return skipTerminator(i);
    }

    private int lineEnd(int from) {
        int i = from;
        while (i < text.length() && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
            i++;
        }
        return i;
    }

    private int skipTerminator(int end) {
        if (end < text.length() && text.charAt(end) == '\r') {
            end++;
            if (end < text.length() && text.charAt(end) == '\n') {
                end++;
            }
        } else if (end < text.length() && text.charAt(end) == '\n') {
            end++;
        }
        return end;
    }

    private boolean blank(int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Character.isWhitespace(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}

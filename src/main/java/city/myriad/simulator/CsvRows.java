package city.myriad.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The data rows of a trace file (data/traces/FORMAT.md: a header line, then comma-separated fields without quoting),
 * read one at a time without splitting each line into strings: a replay's start is mostly reading its jobs file,
 * before the JIT has compiled anything, so the fewer calls and copies per field the better. Lines end with LF, CR
 * or CR LF; blank lines are skipped. Numbers parse as {@link Integer#parseInt}, {@link Long#parseLong} and
 * {@link Double#parseDouble} would parse the field's text (a field of plain digits takes a shorter path to the same
 * value).
 */
final class CsvRows {

    private final Path file;
    private final String text;
    private final int columns;
    /** Where each field of the current row starts, and one past the end of the last ({@code starts[columns]}). */
    private final int[] starts;
    private int next;
    private int lineNo;

    /** The header's column names, in file order. */
    private final List<String> names;

    /**
     * Opens a file whose header names at least the {@code required} columns, in any order (as the reference checker
     * reads them, by name); every row must have as many fields as the header.
     */
    CsvRows(Path file, String... required) {
        this.file = file;
        try {
            this.text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int headerEnd = lineEnd(0);
        List<String> header = new ArrayList<>();
        for (String name : text.substring(0, headerEnd).split(",", -1)) {
            header.add(name.replace("\uFEFF", "").trim());
        }
        this.names = List.copyOf(header);
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
        this.next = skipTerminator(headerEnd);
        this.lineNo = 1;
    }

    /** The index of a column by its header name; -1 if the file has none of that name. */
    int column(String name) {
        return names.indexOf(name);
    }

    /** Moves to the next data row; false at the end of the file. Throws if the row has another count of fields. */
    boolean next() {
        while (next < text.length()) {
            int start = next;
            int end = lineEnd(start);
            next = skipTerminator(end);
            lineNo++;
            if (blank(start, end)) {
                continue;
            }
            int field = 0;
            starts[0] = start;
            for (int i = start; i < end; i++) {
                if (text.charAt(i) == ',') {
                    if (++field == columns) {
                        break;
                    }
                    starts[field] = i + 1;
                }
            }
            if (field != columns - 1) {
                throw new IllegalArgumentException(file + " line " + lineNo + ": expected " + columns + " fields");
            }
            starts[columns] = end + 1;
            return true;
        }
        return false;
    }

    String text(int field) {
        return text.substring(starts[field], end(field));
    }

    boolean isEmpty(int field) {
        return starts[field] == end(field);
    }

    int parseInt(int field) {
        return Integer.parseInt(text, starts[field], end(field), 10);
    }

    long parseLong(int field) {
        return Long.parseLong(text, starts[field], end(field), 10);
    }

    double parseDouble(int field) {
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
        return Double.parseDouble(text.substring(from, to));
    }

    private int end(int field) {
        return starts[field + 1] - 1;
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

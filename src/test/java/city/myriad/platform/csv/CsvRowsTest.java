package city.myriad.platform.csv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CsvRowsTest {

    private static String row(String... cells) {
        StringBuilder b = new StringBuilder();
        CsvRows.append(b, cells);
        return b.toString();
    }

    @Test
    void plain_fields_are_written_as_they_are_and_null_as_an_empty_field() {
        assertEquals("a,1200.50,,z", row("a", "1200.50", null, "z"));
        assertEquals("", row(""));
    }

    @Test
    void a_field_with_a_comma_quote_or_line_break_is_quoted_with_its_quotes_doubled() {
        assertEquals("\"Acme, Inc.\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\"",
                row("Acme, Inc.", "say \"hi\"", "two\nlines", "cr\rhere"));
    }
}

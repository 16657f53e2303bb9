package city.myriad.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The text rules every input passes and every CSV output is made safe by. */
class TextRulesTest {

    @ParameterizedTest(name = "{0} is written as {1}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
            "=cmd|' /C calc'!A0 => '=cmd|' /C calc'!A0",
            "=HYPERLINK(\"http://x\") => '=HYPERLINK(\"http://x\")",
            "+SUM(1;2) => '+SUM(1;2)",
            "-2+3 => '-2+3",
            "@x => '@x",
            "ASCEND-910B => ASCEND-910B",
            "hz-n0001 => hz-n0001"})
    void a_csv_cell_that_a_spreadsheet_would_evaluate_is_neutralised(String value, String written) {
        assertEquals(written, TextRules.csvSafe(value));
    }

    @Test
    void tabs_and_carriage_returns_at_the_start_are_neutralised_too() {
        assertEquals("'\t=1", TextRules.csvSafe("\t=1"));
        assertEquals("'\r=1", TextRules.csvSafe("\r=1"));
        assertNull(TextRules.csvSafe(null));
    }

    @Test
    void nul_controls_and_lone_surrogates_are_refused_line_breaks_only_where_allowed() {
        assertNotNull(TextRules.problem("a\u0000b", true));
        assertNotNull(TextRules.problem("a\u0007b", true));
        assertNotNull(TextRules.problem("a\ud800b", true));
        assertNotNull(TextRules.problem("a\udc00", true));
        assertNotNull(TextRules.problem("line\nbreak", false));
        assertNull(TextRules.problem("line\nbreak\ttab", true));
        assertNull(TextRules.problem("rocket \uD83D\uDE80 and 北京", false));
    }

    @Test
    void length_counts_code_points() {
        assertEquals(1, TextRules.length("\uD83D\uDE80"));
        assertEquals(2, TextRules.length("北京"));
    }
}

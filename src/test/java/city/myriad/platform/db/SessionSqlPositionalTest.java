package city.myriad.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How a select's named parameters become PostgreSQL's positional ones. */
class SessionSqlPositionalTest {

    @Test
    void each_distinct_name_takes_one_position_in_order_of_first_use() {
        SessionSql.Positional p = SessionSql.positional(
                "select 1 from jobs where (created_at, id) < (:before, :id) and id <> :id and cluster_id = :cluster");
        assertEquals("select 1 from jobs where (created_at, id) < ($1, $2) and id <> $2 and cluster_id = $3", p.sql());
        assertEquals(List.of("before", "id", "cluster"), p.names());
    }

    @Test
    void casts_quoted_text_and_quoted_identifiers_are_left_alone() {
        String sql = "select cast(:ids as text)::uuid[], to_char(hour, 'YYYY-MM-DD\"T\"HH24:00:00'), \"a:b\" from t"
                + " where x = :x";
        SessionSql.Positional p = SessionSql.positional(sql);
        assertEquals("select cast($1 as text)::uuid[], to_char(hour, 'YYYY-MM-DD\"T\"HH24:00:00'), \"a:b\" from t"
                + " where x = $2", p.sql());
        assertEquals(List.of("ids", "x"), p.names());
    }

    @Test
    void a_statement_without_names_is_sent_as_written() {
        SessionSql.Positional p = SessionSql.positional("select pg_try_advisory_xact_lock(hashtextextended('a:b', 0))");
        assertEquals("select pg_try_advisory_xact_lock(hashtextextended('a:b', 0))", p.sql());
        assertTrue(p.names().isEmpty());
    }

    @Test
    void a_name_left_unbound_is_refused_before_anything_is_sent() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> SessionSql.select("select 1 where :a = :b").setParameter("a", 1).getResultList());
        assertTrue(refused.getMessage().contains(":b"), refused.getMessage());
    }

    @Test
    void a_positional_select_takes_no_names() {
        assertThrows(IllegalStateException.class, () -> SessionSql.selectPositional("select $1", 1).setParameter("a", 1));
    }
}

package city.myriad.platform.db;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.sqlclient.data.Numeric;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.hibernate.reactive.pool.ReactiveConnection;
import org.hibernate.reactive.mutiny.impl.MutinySessionImpl;

/**
 * A select in the caller's Hibernate Reactive transaction, sent as written on the session's own connection: the
 * way every repository reads with SQL. Named parameters ({@code :name}) as in Hibernate's native queries.
 *
 * <p>Rule: never {@code createNativeQuery(sql, type)} for a select. Hibernate Reactive 3.2 wraps a native select's
 * result mapping in an object that equals only itself, so its plan cache never finds the plan it stored and stores
 * one more at every execution, all under the hash of the same SQL: lookups walk the growing chain and the copies
 * push the HQL plans out (docs/design/native-selects.md). Updates and inserts without {@code returning} are keyed by
 * their SQL alone and stay on {@code createNativeQuery}.
 *
 * <p>Values are bound as given: UUID, String, Integer, Long, Double, Boolean, BigDecimal, OffsetDateTime
 * ({@link SqlTimes#utc}), arrays (for {@code = any(:list)}) or null. Columns come back as the PostgreSQL client reads
 * them: numbers as {@link Number}s, timestamptz as OffsetDateTime ({@link SqlTimes#instant}), text as String. Pending
 * entity changes are flushed first, as Hibernate does before a native query.
 */
public final class SessionSql {

    /** SQL with named parameters, as PostgreSQL's positional SQL and the name of each position. */
    record Positional(String sql, List<String> names) {}

    /** One entry per distinct statement text of the code base (a finite set), so it needs no bound. */
    private static final Map<String, Positional> PARSED = new ConcurrentHashMap<>();

    private final String sql;
    private final Map<String, Object> values = new HashMap<>();
    private final Object[] positional;

    private SessionSql(String sql, Object[] positional) {
        this.sql = sql;
        this.positional = positional;
    }

    /** A select with named parameters, bound by {@link #setParameter}. */
    public static SessionSql select(String sql) {
        return new SessionSql(sql, null);
    }

    /**
     * Waits for, then holds until the caller's transaction ends, the advisory lock named {@code key} (across
     * replicas): what serialises the writers of one thing that may have no row to lock yet (a calendar, a budget, a
     * quota document, a webhook).
     */
    public static io.smallrye.mutiny.Uni<Void> lockUntilCommit(String key) {
        return select("select cast(pg_advisory_xact_lock(hashtextextended(:key, 0)) as text)")
                .setParameter("key", key).single().replaceWithVoid();
    }

    /**
     * Takes the advisory lock named {@code key} until the caller's transaction ends if no one holds it, without
     * waiting: whether it was taken (work one replica does per round, the others skip).
     */
    public static io.smallrye.mutiny.Uni<Boolean> tryLockUntilCommit(String key) {
        return select("select pg_try_advisory_xact_lock(hashtextextended(:key, 0))")
                .setParameter("key", key).singleValue(Boolean.class);
    }

    /** A select written with PostgreSQL's positional parameters ({@code $1, $2, …}), bound to {@code values}. */
    public static SessionSql selectPositional(String sql, Object... values) {
        return new SessionSql(sql, values.clone());
    }

    public SessionSql setParameter(String name, Object value) {
        if (positional != null) {
            throw new IllegalStateException("A positional select takes its values when made: " + sql);
        }
        values.put(name, value);
        return this;
    }

    /** Every row, each as its columns. */
    public Uni<List<Object[]>> getResultList() {
        String statement;
        Object[] params;
        if (positional != null) {
            statement = sql;
            params = positional;
        } else {
            Positional p = PARSED.computeIfAbsent(sql, SessionSql::positional);
            statement = p.sql();
            params = new Object[p.names().size()];
            for (int i = 0; i < params.length; i++) {
                String name = p.names().get(i);
                if (!values.containsKey(name)) {
                    throw new IllegalArgumentException("No value bound for :" + name + " in: " + sql);
                }
                params[i] = values.get(name);
            }
        }
        return Panache.getSession().chain(s -> s.flush().chain(() -> {
            ReactiveConnection connection = ((MutinySessionImpl) s).getReactiveConnection();
            return Uni.createFrom().completionStage(() -> connection.select(statement, params));
        })).map(result -> {
            List<Object[]> rows = new ArrayList<>(result.size());
            result.forEachRemaining(rows::add);
            return rows;
        });
    }

    /** The first column of every row. */
    public <T> Uni<List<T>> column(Class<T> type) {
        return getResultList().map(rows -> rows.stream().map(r -> type.cast(r[0])).toList());
    }

    /** The first row, if any. */
    public Uni<Optional<Object[]>> first() {
        return getResultList().map(rows -> rows.stream().findFirst());
    }

    /** The one row of a select that always returns one (an aggregate, an insert's {@code returning}). */
    public Uni<Object[]> single() {
        return getResultList().map(rows -> {
            if (rows.size() != 1) {
                throw new IllegalStateException(rows.size() + " rows where one was expected: " + sql);
            }
            return rows.get(0);
        });
    }

    /** The first column of the one row. */
    public <T> Uni<T> singleValue(Class<T> type) {
        return single().map(r -> type.cast(r[0]));
    }

    /** A numeric column as a BigDecimal (the client reads numeric as its own Number type); null stays null. */
    public static BigDecimal decimal(Object value) {
        if (value == null || value instanceof BigDecimal) {
            return (BigDecimal) value;
        }
        return value instanceof Numeric n ? n.bigDecimalValue() : new BigDecimal(value.toString());
    }

    /**
     * Rewrites {@code :name} as {@code $n}, one position per distinct name; leaves {@code ::type} casts and quoted
     * text and identifiers alone.
     */
    static Positional positional(String sql) {
        StringBuilder out = new StringBuilder(sql.length());
        List<String> names = new ArrayList<>();
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"') {
                int end = sql.indexOf(c, i + 1);
                end = end < 0 ? sql.length() : end + 1;
                out.append(sql, i, end);
                i = end;
            } else if (c == ':' && i + 1 < sql.length() && sql.charAt(i + 1) == ':') {
                out.append("::");
                i += 2;
            } else if (c == ':' && i + 1 < sql.length() && Character.isJavaIdentifierStart(sql.charAt(i + 1))) {
                int end = i + 1;
                while (end < sql.length() && Character.isJavaIdentifierPart(sql.charAt(end))) {
                    end++;
                }
                String name = sql.substring(i + 1, end);
                int position = names.indexOf(name);
                if (position < 0) {
                    names.add(name);
                    position = names.size() - 1;
                }
                out.append('$').append(position + 1);
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return new Positional(out.toString(), List.copyOf(names));
    }
}

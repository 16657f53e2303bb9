package city.myriad.platform.db;

import io.vertx.pgclient.PgException;

/** Reads PostgreSQL's verdict out of a failed write. */
public final class Constraints {

    private static final String UNIQUE_VIOLATION = "23505";

    private Constraints() {}

    /** True if the failure, or any of its causes, is a violation of the unique constraint (or key) named. */
    public static boolean violates(Throwable failure, String constraint) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())
                    && constraint.equals(pg.getConstraint())) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** True if the failure, or any of its causes, is a unique-constraint violation (SQLSTATE 23505). */
    public static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())) {
                return true;
            }
            if (t instanceof java.sql.SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}

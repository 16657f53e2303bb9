package city.myriad.platform.http;

import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import jakarta.ws.rs.ext.ParamConverter;
import jakarta.ws.rs.ext.ParamConverterProvider;
import jakarta.ws.rs.ext.Provider;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Ids in paths and queries are accepted only in the canonical 36-character form (8-4-4-4-12 hex digits).
 * {@link UUID#fromString} alone reads {@code 1-1-1-1-1} as {@code 00000001-0001-…} and pads short groups, so one
 * resource would answer to many spellings; here any other form is a 400 {@code INVALID_ID}.
 */
@Provider
public class CanonicalUuids implements ParamConverterProvider {

    public static final Pattern CANONICAL = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    @Override
    @SuppressWarnings("unchecked")
    public <T> ParamConverter<T> getConverter(Class<T> rawType, Type genericType, Annotation[] annotations) {
        if (rawType != UUID.class) {
            return null;
        }
        String field = nameOf(annotations);
        return (ParamConverter<T>) new ParamConverter<UUID>() {
            @Override
            public UUID fromString(String value) {
                return parse(value, field);
            }

            @Override
            public String toString(UUID value) {
                return value.toString();
            }
        };
    }

    /** The parameter's name, as its {@code @PathParam} or {@code @QueryParam} gives it; {@code id} if neither does. */
    private static String nameOf(Annotation[] annotations) {
        for (Annotation a : annotations == null ? new Annotation[0] : annotations) {
            if (a instanceof jakarta.ws.rs.PathParam p) {
                return p.value();
            }
            if (a instanceof jakarta.ws.rs.QueryParam q) {
                return q.value();
            }
        }
        return "id";
    }

    public static UUID parse(String value) {
        return parse(value, "id");
    }

    /** The canonical UUID {@code value}; 400 INVALID_ID naming {@code field} for any other spelling. */
    public static UUID parse(String value, String field) {
        if (value == null) {
            return null;
        }
        if (!CANONICAL.matcher(value).matches()) {
            String shown = value.length() > 40 ? value.substring(0, 40) + "…" : value;
            throw new MyriadProblem.Validation(ProblemCode.INVALID_ID, "'" + shown
                    + "' is not an id: ids are UUIDs in the canonical form, 8-4-4-4-12 hex digits",
                    List.of(MyriadProblem.Violation.field(field, "not a canonical UUID")));
        }
        return UUID.fromString(value);
    }
}

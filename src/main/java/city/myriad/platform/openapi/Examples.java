package city.myriad.platform.openapi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.media.Schema;

/** Builds an example value for a schema from the examples of its properties, so every operation shows one. */
final class Examples {

    private static final int MAX_DEPTH = 16;

    private Examples() {}

    static Object of(OpenAPI api, Schema schema, int depth) {
        if (schema == null || depth > MAX_DEPTH) {
            return null;
        }
        if (schema.getRef() != null) {
            String name = schema.getRef().substring(schema.getRef().lastIndexOf('/') + 1);
            switch (name) {
                case "UUID":
                    return "01930000-0000-7000-8000-00000000e001";
                case "Instant":
                    return "2026-11-24T08:00:00Z";
                default:
                    Schema target = api.getComponents().getSchemas().get(name);
                    return of(api, target, depth + 1);
            }
        }
        if (schema.getExamples() != null && !schema.getExamples().isEmpty()) {
            return schema.getExamples().get(0);
        }
        if (schema.getEnumeration() != null && !schema.getEnumeration().isEmpty()) {
            return schema.getEnumeration().get(0);
        }
        List<Schema.SchemaType> types = schema.getType() == null ? List.of() : schema.getType();
        if (schema.getProperties() != null && !schema.getProperties().isEmpty()) {
            Map<String, Object> object = new LinkedHashMap<>();
            schema.getProperties().forEach((name, property) -> object.put(name, of(api, property, depth + 1)));
            return object;
        }
        if (types.contains(Schema.SchemaType.ARRAY)) {
            Object item = of(api, schema.getItems(), depth + 1);
            return item == null ? List.of() : List.of(item);
        }
        if (types.contains(Schema.SchemaType.INTEGER)) {
            return 8;
        }
        if (types.contains(Schema.SchemaType.NUMBER)) {
            return 1.0;
        }
        if (types.contains(Schema.SchemaType.BOOLEAN)) {
            return true;
        }
        if (types.contains(Schema.SchemaType.STRING)) {
            if ("uuid".equals(schema.getFormat())) {
                return "01930000-0000-7000-8000-00000000e001";
            }
            if ("date-time".equals(schema.getFormat())) {
                return "2026-11-24T08:00:00Z";
            }
            return "string";
        }
        return null;
    }
}

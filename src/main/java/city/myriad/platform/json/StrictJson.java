package city.myriad.platform.json;

import city.myriad.platform.TextRules;
import city.myriad.platform.http.CanonicalUuids;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.UUID;

/**
 * Makes request bodies strict about types and text, for every route at once: a JSON string is accepted only
 * where a string is expected ({@code "name": 123} is refused, not stored as "123"), numbers are not read from
 * strings or truncated from fractions, no object may name a field twice, and no string may hold a NUL, another control character than line
 * breaks and tabs, or a lone surrogate ({@link TextRules}). Such input is a 400, never a 500 from the database.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    @Override
    @SuppressWarnings("deprecation")
    public void customize(ObjectMapper mapper) {
        mapper.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        mapper.configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
        mapper.configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);
        // {"cards": 1, "cards": 64}: a proxy or a log may read the first, Jackson would keep the last. Refused.
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.registerModule(new SimpleModule("myriad-strict-text").addDeserializer(String.class, new Text())
                .addDeserializer(UUID.class, new CanonicalUuid()));
    }

    /** A string with a character no input may hold; the path says which field. */
    public static final class InvalidText extends JsonMappingException {
        private final String reason;

        InvalidText(JsonParser p, String reason) {
            super(p, reason);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** Ids in bodies as in paths: the canonical 36-character form only (Jackson alone also takes base64). */
    static final class CanonicalUuid extends StdScalarDeserializer<UUID> {
        CanonicalUuid() {
            super(UUID.class);
        }

        @Override
        public UUID deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (UUID) ctxt.handleUnexpectedToken(UUID.class, p);
            }
            String s = p.getText();
            if (!CanonicalUuids.CANONICAL.matcher(s).matches()) {
                throw ctxt.weirdStringException(s, UUID.class, "not a canonical UUID (8-4-4-4-12 hex digits)");
            }
            return UUID.fromString(s);
        }
    }

    static final class Text extends StdScalarDeserializer<String> {
        Text() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (String) ctxt.handleUnexpectedToken(String.class, p);
            }
            String s = p.getText();
            String problem = TextRules.problem(s, true);
            if (problem != null) {
                throw new InvalidText(p, problem);
            }
            return s;
        }
    }
}

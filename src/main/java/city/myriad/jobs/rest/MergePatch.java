package city.myriad.jobs.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.Set;

/**
 * A JSON merge patch (RFC 7396) as a route receives it: bound as its record (unknown fields and wrong types are the
 * 400s of every body), with the names of the fields sent, null or not, read from the tree (a record cannot tell a
 * field left out from one given null).
 */
record MergePatch<T>(T value, Set<String> given) {

    /** RFC 7396's media type; plain JSON is taken too. */
    static final String MEDIA_TYPE = "application/merge-patch+json";

    static <T> MergePatch<T> read(JsonNode body, Class<T> type, ObjectMapper json) throws JsonProcessingException {
        if (body == null || !body.isObject()) {
            throw com.fasterxml.jackson.databind.exc.MismatchedInputException.from(
                    (com.fasterxml.jackson.core.JsonParser) null, type, "a JSON object is expected");
        }
        Set<String> given = new HashSet<>();
        body.fieldNames().forEachRemaining(given::add);
        return new MergePatch<>(json.treeToValue(body, type), given);
    }
}

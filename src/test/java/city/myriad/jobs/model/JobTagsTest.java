package city.myriad.jobs.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JobTagsTest {

    @Test
    void tags_are_stored_with_their_keys_sorted_and_read_back_and_none_is_null() {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("team", "vision");
        tags.put("cost-centre", "42");
        tags.put("note", "a \"quoted\" value, with a comma");
        String json = JobTags.json(tags);
        assertEquals("{\"cost-centre\":\"42\",\"note\":\"a \\\"quoted\\\" value, with a comma\",\"team\":\"vision\"}",
                json);
        assertEquals(tags, JobTags.read(json));
        assertEquals(List.of("cost-centre", "note", "team"), List.copyOf(JobTags.read(json).keySet()));
        assertNull(JobTags.json(Map.of()));
        assertNull(JobTags.json(null));
        assertEquals(Map.of(), JobTags.read(null));
    }

    @Test
    void each_broken_rule_names_its_tag() {
        assertEquals(List.of(), JobTags.broken(Map.of("team", "vision", "a.b_c:d/e-f", "", "9lives", "x")));
        assertEquals(List.of(), JobTags.broken(null));
        assertEquals(List.of("myriad/project", "MYRIAD/x"), JobTags.broken(new java.util.TreeMap<>(Map.of(
                "myriad/project", "p", "MYRIAD/x", "y"))).stream().map(JobTags.Broken::key).sorted(
                java.util.Comparator.reverseOrder()).toList());
        for (String key : List.of("", "-lead", "with space", "k".repeat(64), "ünï")) {
            assertEquals(1, JobTags.broken(Map.of(key, "v")).size(), key);
        }
        assertEquals(1, JobTags.broken(Map.of("k", "v".repeat(257))).size());
        assertEquals(0, JobTags.broken(Map.of("k", "v".repeat(256))).size());
        assertEquals(1, JobTags.broken(Map.of("k", "line\nbreak")).size());
        Map<String, String> many = new java.util.HashMap<>();
        for (int i = 0; i < 21; i++) {
            many.put("k" + i, "v");
        }
        assertEquals(List.of(new JobTags.Broken(null, "at most 20 tags, got 21")), JobTags.broken(many));
        many.remove("k0");
        assertEquals(List.of(), JobTags.broken(many));
    }

    @Test
    void a_filter_is_key_equals_value_terms_with_each_key_once() {
        assertEquals(Optional.of("{\"note\":\"\",\"team\":\"vision\"}"), JobTags.filter(List.of("team=vision", "note=")));
        assertEquals(Optional.of("{\"url\":\"a=b\"}"), JobTags.filter(List.of("url=a=b")), "the first = ends the key");
        assertEquals(Optional.of("{\"team\":\"vision\"}"), JobTags.filter(List.of("team=vision", "team=vision")));
        assertEquals(Optional.empty(), JobTags.filter(List.of("team=vision", "team=nlp")));
        assertEquals(Optional.empty(), JobTags.filter(List.of("team")));
        assertEquals(Optional.empty(), JobTags.filter(List.of("=vision")));
    }
}

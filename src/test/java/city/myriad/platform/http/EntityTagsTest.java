package city.myriad.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Entity tags: one per body, and the two comparisons of RFC 9110 over the lists the headers carry. */
class EntityTagsTest {

    static final String TAG = EntityTags.of("{\"a\":1}".getBytes(StandardCharsets.UTF_8));

    @Test
    void a_tag_is_a_quoted_hash_of_the_exact_bytes() {
        assertTrue(TAG.matches("\"[A-Za-z0-9_-]{22}\""), TAG);
        assertEquals(TAG, EntityTags.of("{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
        assertNotEquals(TAG, EntityTags.of("{\"a\": 1}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void lists_match_any_member_and_star_matches_everything() {
        assertTrue(EntityTags.listMatches(TAG, TAG, false));
        assertTrue(EntityTags.listMatches("\"x\", " + TAG, TAG, false));
        assertTrue(EntityTags.listMatches("\"x\"," + TAG + " ,\"y\"", TAG, false));
        assertTrue(EntityTags.listMatches(" * ", TAG, false));
        assertFalse(EntityTags.listMatches("\"x\", \"y\"", TAG, true));
        assertFalse(EntityTags.listMatches(null, TAG, true));
        assertFalse(EntityTags.listMatches("", TAG, true));
    }

    @Test
    void a_weak_tag_matches_only_in_the_weak_comparison_of_if_none_match() {
        assertTrue(EntityTags.listMatches("W/" + TAG, TAG, true));
        assertFalse(EntityTags.listMatches("W/" + TAG, TAG, false));
    }

    @Test
    void what_is_not_a_list_of_tags_matches_nothing() {
        assertFalse(EntityTags.listMatches(TAG.substring(1, TAG.length() - 1), TAG, false));  // unquoted
        assertFalse(EntityTags.listMatches("\"unterminated", TAG, true));
        assertFalse(EntityTags.listMatches("garbage, " + TAG, TAG, true));  // garbage first: the list is broken
    }
}

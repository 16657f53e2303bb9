package city.myriad.platform.paging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import city.myriad.platform.error.MyriadProblem;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Cursors across a rotation of the secret: issued under the new key, still opened under the old ones listed. */
class PagingTest {

    static final String LIST = "/api/v1/jobs?{state=[QUEUED]}";
    static final String KEY = "01a2461a-f76f-7431-ae98-c20896043ec7";

    static Paging signedWith(String secret, String... before) {
        return new Paging(null, Optional.of(secret), before.length == 0 ? Optional.empty() : Optional.of(List.of(before)));
    }

    @Test
    void a_cursor_from_before_a_rotation_still_opens_and_new_ones_are_issued_under_the_new_key() {
        Paging old = signedWith("the-old-secret-of-this-deployment");
        Paging rotated = signedWith("the-new-secret-of-this-deployment", "the-old-secret-of-this-deployment");
        String held = old.issue(LIST, KEY);  // a client paging through the list while the rollout runs
        assertEquals(KEY, rotated.open(LIST, held));
        String issued = rotated.issue(LIST, KEY);
        assertNotEquals(held, issued, "new cursors carry the new key's tag");
        assertEquals(KEY, signedWith("the-new-secret-of-this-deployment").open(LIST, issued),
                "and open once the old secret is dropped");
        // Once dropped, the old secret's cursors are refused, as any foreign one; and a previous key opens only its
        // own list's cursors.
        assertThrows(MyriadProblem.Validation.class,
                () -> signedWith("the-new-secret-of-this-deployment").open(LIST, held));
        assertThrows(MyriadProblem.Validation.class, () -> rotated.open("/api/v1/jobs?{}", held));
        assertThrows(MyriadProblem.Validation.class,
                () -> rotated.open(LIST, signedWith("someone-elses-secret").issue(LIST, KEY)));
    }
}

package city.myriad.platform.http;

import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * {@code If-Match} on a replacing write (RFC 9110, section 13.1.1): the write goes ahead only if the resource is
 * still the representation the caller read, named by the {@code ETag} its GET answered ({@link ConditionalGet}). Two
 * admins who each read the quotas and each put back their edit no longer lose the first edit silently: the second
 * gets 412 {@code PRECONDITION_FAILED} with the current tag, and nothing changes. Without {@code If-Match} a write is
 * unconditional, as before. A service calls {@link #check} inside the write's transaction, after it has locked what
 * it replaces and read the current representation exactly as its GET renders it.
 */
@ApplicationScoped
public class Preconditions {

    private final ObjectMapper json;

    Preconditions(ObjectMapper json) {
        this.json = json;
    }

    /** The entity tag a GET of this representation answers with. */
    public String tagOf(Object representation) {
        try {
            return EntityTags.of(json.writeValueAsBytes(representation));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a representation that cannot be written as JSON", e);
        }
    }

    /** Throws 412 if {@code ifMatch} is present: there is no current representation for it to name, not even {@code *}. */
    public void checkAbsent(String ifMatch) {
        if (ifMatch != null) {
            throw new MyriadProblem.PreconditionFailed(ProblemCode.PRECONDITION_FAILED, "If-Match was given, but the "
                    + "resource does not exist (yet); nothing was changed", null);
        }
    }

    /**
     * Throws 412 unless {@code ifMatch} is absent or names the current representation's tag (strong comparison;
     * {@code *} matches, the resource being there).
     */
    public void check(String ifMatch, Object current) {
        if (ifMatch == null) {
            return;
        }
        String tag = tagOf(current);
        if (!EntityTags.listMatches(ifMatch, tag, false)) {
            throw new MyriadProblem.PreconditionFailed(ProblemCode.PRECONDITION_FAILED, "If-Match does not name the resource's tag, now "
                    + tag + ": it changed since it was read; nothing was changed", tag);
        }
    }
}

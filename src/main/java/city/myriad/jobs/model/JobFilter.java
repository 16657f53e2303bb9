package city.myriad.jobs.model;

import city.myriad.platform.validation.Fields;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What {@code listJobs} keeps: each filter given (null: any) holds; {@code tags} is {@link JobTags#filter}'s JSON;
 * {@code name} the job's exact name; {@code from} inclusive and {@code to} exclusive on the submission instant;
 * {@code dependsOn} a job the kept jobs named in their dependencies (list only); {@code array} the job array they
 * belong to; {@code newestFirst} the order; {@code model} the card model they ask; {@code reason} why they wait or
 * ended, its code (the part before a colon: {@code NEVER_FITS} keeps {@code NEVER_FITS: NO_ALLOWED_MODEL}; list only).
 */
public record JobFilter(UUID project, JobState state, UUID cluster, String tags, String submittedBy, String name,
        Instant from, Instant to, UUID dependsOn, UUID array, boolean newestFirst, String model, String reason) {

    /** The filters as the query gave them, checked: 400 VALIDATION_FAILED naming the first one wrong. */
    public static JobFilter parse(UUID project, String state, UUID cluster, List<String> tag, String submittedBy,
            String name, String fromText, String toText, String order, UUID dependsOn, UUID array, String model,
            String reason) {
        JobState s = Fields.oneOf("state", state, JobState.RESTING);
        String tags = tag == null || tag.isEmpty() ? null : JobTags.filter(tag).orElseThrow(() -> Fields.invalid("tag",
                "each is key=value (key= for an empty value), a key at most once"));
        Fields.Span span = Fields.span(fromText, toText);
        if (order != null && !order.equals("oldest") && !order.equals("newest")) {
            throw Fields.invalid("order", "oldest or newest");
        }
        return of(project, s, cluster, tags, submittedBy, name, span.from(), span.to(), "newest".equals(order))
                .dependingOn(dependsOn).inArray(array).about(model, reason);
    }

    /**
     * The filters as typed values (a JSON body's, or the query's once parsed), checked by the rules the list and the
     * bulk cancellation share: 400 VALIDATION_FAILED naming the first one wrong.
     */
    public static JobFilter of(UUID project, JobState state, UUID cluster, String tags, String submittedBy,
            String name, Instant from, Instant to, boolean newestFirst) {
        if (submittedBy != null && (submittedBy.isEmpty() || submittedBy.length() > 255)) {
            throw Fields.invalid("submittedBy", "a username of 1 to 255 characters");
        }
        if (name != null && (name.isBlank() || name.codePointCount(0, name.length()) > 128)) {
            throw Fields.invalid("name", "a job name of 1 to 128 characters, not blank");
        }
        if (from != null && to != null && !to.isAfter(from)) {
            throw Fields.invalid("to", "after from");
        }
        return new JobFilter(project, state, cluster, tags, submittedBy, name, from, to, null, null, newestFirst, null,
                null);
    }

    /** The same filter keeping only the jobs that depend on {@code job} (null: no such condition). */
    public JobFilter dependingOn(UUID job) {
        return new JobFilter(project, state, cluster, tags, submittedBy, name, from, to, job, array, newestFirst, model,
                reason);
    }

    /** The same filter keeping only the jobs of the job array {@code arrayId} (null: no such condition). */
    public JobFilter inArray(UUID arrayId) {
        return new JobFilter(project, state, cluster, tags, submittedBy, name, from, to, dependsOn, arrayId,
                newestFirst, model, reason);
    }

    /**
     * The same filter keeping only the jobs of card {@code model} and of wait or end {@code reason} (a code of capital
     * letters and underscores), each where not null: 400 VALIDATION_FAILED naming the one malformed.
     */
    public JobFilter about(String model, String reason) {
        if (model != null && (model.isBlank() || model.length() > 128)) {
            throw Fields.invalid("model", "a card model of 1 to 128 characters");
        }
        if (reason != null && !reason.matches("[A-Z][A-Z_]{0,63}")) {
            throw Fields.invalid("reason", "a reason code such as QUOTA or CAPACITY (capital letters and underscores)");
        }
        return new JobFilter(project, state, cluster, tags, submittedBy, name, from, to, dependsOn, array,
                newestFirst, model, reason);
    }
}

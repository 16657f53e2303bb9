package city.myriad.jobs.model;

import city.myriad.platform.validation.Fields;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What {@code listJobs} keeps: each filter given (null: any) holds; {@code tags} is {@link JobTags#filter}'s JSON;
 * {@code name} the job's exact name; {@code from} inclusive and {@code to} exclusive on the submission instant;
 * {@code dependsOn} a job the kept jobs named in their dependencies (list only); {@code array} the job array they
 * belong to; {@code newestFirst} the order.
 */
public record JobFilter(UUID project, JobState state, UUID cluster, String tags, String submittedBy, String name,
        Instant from, Instant to, UUID dependsOn, UUID array, boolean newestFirst) {

    /** The filters as the query gave them, checked: 400 VALIDATION_FAILED naming the first one wrong. */
    public static JobFilter parse(UUID project, String state, UUID cluster, List<String> tag, String submittedBy,
            String name, String fromText, String toText, String order, UUID dependsOn, UUID array) {
        JobState s = Fields.oneOf("state", state, JobState.RESTING);
        String tags = tag == null || tag.isEmpty() ? null : JobTags.filter(tag).orElseThrow(() -> Fields.invalid("tag",
                "each is key=value (key= for an empty value), a key at most once"));
        Fields.Span span = Fields.span(fromText, toText);
        if (order != null && !order.equals("oldest") && !order.equals("newest")) {
            throw Fields.invalid("order", "oldest or newest");
        }
        return of(project, s, cluster, tags, submittedBy, name, span.from(), span.to(), "newest".equals(order))
                .dependingOn(dependsOn).inArray(array);
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
        return new JobFilter(project, state, cluster, tags, submittedBy, name, from, to, null, null, newestFirst);
    }

    /** The same filter keeping only the jobs that depend on {@code job} (null: no such condition). */
    public JobFilter dependingOn(UUID job) {
        return new JobFilter(project, state, cluster, tags, submittedBy, name, from, to, job, array, newestFirst);
    }

    /** The same filter keeping only the jobs of the job array {@code arrayId} (null: no such condition). */
    public JobFilter inArray(UUID arrayId) {
        return new JobFilter(project, state, cluster, tags, submittedBy, name, from, to, dependsOn, arrayId,
                newestFirst);
    }
}

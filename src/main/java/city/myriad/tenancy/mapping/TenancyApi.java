package city.myriad.tenancy.mapping;

import city.myriad.platform.Identified;
import city.myriad.platform.Slugs;
import city.myriad.platform.validation.MaxChars;
import city.myriad.tenancy.model.ApiClient;
import city.myriad.tenancy.model.Member;
import city.myriad.tenancy.model.Project;
import city.myriad.tenancy.model.Tenant;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The tenancy domain's API models, kept apart from its entities. */
public final class TenancyApi {

    private TenancyApi() {}

    static final String SLUG = Slugs.PATTERN;
    static final String SLUG_RULE = Slugs.RULE;

    @Schema(name = "Tenant", description = "A customer organisation of the marketplace")
    public record TenantView(UUID id, @Schema(examples = "acme") String slug, @Schema(examples = "ACME Robotics") String name,
            @Schema(examples = "ACTIVE", enumeration = {"ACTIVE", "SUSPENDED"}) String status, Instant createdAt) implements Identified {
        public static TenantView of(Tenant t) {
            return new TenantView(t.id, t.slug, t.name, t.status, t.createdAt);
        }
    }

    @Schema(name = "CreateTenant")
    public record CreateTenant(
            @NotBlank @Pattern(regexp = SLUG, message = SLUG_RULE) @Schema(examples = "initech") String slug,
            @NotBlank @MaxChars(200) @Schema(maxLength = 200, examples = "Initech AI Lab") String name) {}

    @Schema(name = "Project", description = "A tenant's unit of work and accounting")
    public record ProjectView(UUID id, UUID tenantId, @Schema(examples = "vision") String slug,
            @Schema(examples = "Vision models") String name, @Schema(examples = "Perception training") String description,
            Instant createdAt,
            @Schema(enumeration = {"ACTIVE", "ARCHIVED"}, description = "ARCHIVED: takes no new jobs (RESERVED ones "
                    + "included) or reservations; what it runs and queues carries on", examples = "ACTIVE")
            String state,
            @Schema(description = "When it was archived; absent while active") Instant archivedAt,
            @Schema(description = "Who archived it; absent while active", examples = "alice") String archivedBy)
            implements Identified {
        public static ProjectView of(Project p) {
            return new ProjectView(p.id, p.tenantId, p.slug, p.name, p.description, p.createdAt,
                    p.archived() ? "ARCHIVED" : "ACTIVE", p.archivedAt, p.archivedBy);
        }
    }

    @Schema(name = "UpdateProject", description = "A project's name and description, replaced (its slug never "
            + "changes: it names the project in usage, invoices and exports)")
    public record UpdateProject(
            @NotBlank @MaxChars(200) @Schema(maxLength = 200, examples = "LLM pre-training") String name,
            @MaxChars(2000) @Schema(maxLength = 2000, description = "Left out or empty: none") String description) {}

    @Schema(name = "CreateProject")
    public record CreateProject(
            @NotBlank @Pattern(regexp = SLUG, message = SLUG_RULE) @Schema(examples = "llm-pretraining") String slug,
            @NotBlank @MaxChars(200) @Schema(maxLength = 200, examples = "LLM pre-training") String name,
            @MaxChars(2000) @Schema(maxLength = 2000) String description) {}

    @Schema(name = "Member", description = "A person or integration acting for one tenant")
    public record MemberView(UUID id, UUID tenantId, @Schema(examples = "amy") String username,
            @Schema(examples = "amy@acme.example") String email, @Schema(examples = "Amy") String firstName,
            @Schema(examples = "Acme") String lastName, @Schema(examples = "[\"tenant-member\"]") Set<String> roles,
            Instant createdAt) implements Identified {
        public static MemberView of(Member m) {
            return new MemberView(m.id, m.tenantId, m.username, m.email, m.firstName, m.lastName, m.roleSet(),
                    m.createdAt);
        }
    }

    @Schema(name = "AddMember")
    public record AddMember(
            @NotBlank @Pattern(regexp = "^[a-z0-9][a-z0-9._-]{1,62}$",
                    message = "2-63 characters: lower-case letters, digits, '.', '_' and '-'")
            @Schema(examples = "carol") String username,
            @NotBlank @Email @MaxChars(254) @Schema(maxLength = 254, examples = "carol@acme.example") String email,
            @MaxChars(100) @Schema(maxLength = 100) String firstName,
            @MaxChars(100) @Schema(maxLength = 100) String lastName,
            @NotEmpty @Schema(examples = "[\"tenant-member\"]") Set<@NotBlank String> roles) {}

    @Schema(name = "MemberRoles")
    public record MemberRoles(@NotEmpty @Schema(examples = "[\"tenant-admin\"]") Set<@NotBlank String> roles) {}

    @Schema(name = "ApiClient", description = "A tenant's machine client for the client-credentials grant: its "
            + "tokens act for the tenant with its roles")
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record ApiClientView(UUID id, UUID tenantId, @Schema(examples = "nightly-training-pipeline") String name,
            @Schema(description = "The `client_id` of the client-credentials grant",
                    examples = "acme-7f3a9c2e41d0") String clientId,
            @Schema(examples = "[\"tenant-member\"]") Set<String> roles, Instant createdAt,
            @Schema(description = "Who made it (user name)", examples = "alice") String createdBy,
            @Schema(description = "When its secret was last replaced; absent if never") Instant secretRotatedAt,
            @Schema(description = "The `client_secret`, in the answers of `createApiClient` and "
                    + "`rotateApiClientSecret` only: shown once, stored by the identity provider alone. A replayed "
                    + "creation (same `Idempotency-Key`) answers without it: rotate to get one")
            String secret,
            @Schema(description = "Where the client gets its tokens (`grant_type=client_credentials`)",
                    examples = "http://localhost:8180/realms/myriad/protocol/openid-connect/token") String tokenUrl)
            implements Identified {
        public static ApiClientView of(ApiClient c, String secret, String tokenUrl) {
            return new ApiClientView(c.id, c.tenantId, c.name, c.clientId, c.roleSet(), c.createdAt, c.createdBy,
                    c.secretRotatedAt, secret, tokenUrl);
        }

        public ApiClientView withSecret(String issued) {
            return new ApiClientView(id, tenantId, name, clientId, roles, createdAt, createdBy, secretRotatedAt, issued,
                    tokenUrl);
        }
    }

    @Schema(name = "CreateApiClient")
    public record CreateApiClient(
            @NotBlank @MaxChars(100) @Schema(maxLength = 100, examples = "nightly-training-pipeline") String name,
            @NotEmpty @Schema(examples = "[\"tenant-member\"]") Set<@NotBlank String> roles) {}

    @Schema(name = "TenantRef")
    public record TenantRef(UUID id, @Schema(examples = "acme") String slug, @Schema(examples = "ACME Robotics") String name) {}

    @Schema(name = "OperatorRef")
    public record OperatorRef(UUID id, @Schema(examples = "hangzhou") String slug,
            @Schema(examples = "Hangzhou Municipal AI Computing Center") String name) {}

    @Schema(name = "Me", description = "Who the bearer token says you are, and what you belong to")
    public record Me(@Schema(examples = "7c1b6b85-3317-417c-a481-ad73c6fe8404") String subject,
            @Schema(examples = "alice") String username, @Schema(examples = "[\"tenant-admin\"]") List<String> roles,
            TenantRef tenant, OperatorRef operator) {}
}

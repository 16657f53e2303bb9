package city.myriad.platform.audit;

import city.myriad.platform.Identified;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The audit trail as the contract shows it: the same event for a tenant's trail and an operator's. */
public final class AuditApi {

    private AuditApi() {}

    @Schema(name = "AuditEvent", description = "One change to a tenant's account or an operator's clusters, or a "
            + "platform-wide act (a billing period's close: neither `tenantId` nor `operatorId`): who made it, in "
            + "which role, through which call of this contract (its operationId), to what, and in which request")
    public record AuditEventView(
            @Schema(description = "The event's id: version 7, so ids sort by the time they were written") UUID id,
            @Schema(description = "The tenant whose account changed (an event of a tenant's trail)") UUID tenantId,
            @Schema(description = "The operator whose clusters changed (an event of an operator's trail)")
            UUID operatorId,
            Instant at, AuditActor actor,
            @Schema(examples = "setProjectQuotas", description = "The operationId of the call that made the change")
            String action, AuditTarget target,
            @Schema(examples = "6f1c2d7e-3b7a-4a51-9e0f-0b8d8d6c2a11",
                    description = "The request's `X-Request-Id`, as its answer carried it") String requestId,
            @Schema(type = SchemaType.OBJECT, additionalProperties = Schema.True.class,
                    examples = "{\"roles\": [\"tenant-admin\"]}",
                    description = "What the change set, as the call named it (per action; secrets never appear)")
            Map<String, Object> details) implements Identified {}

    @Schema(name = "AuditActor", description = "Who made a change, as the token said")
    public record AuditActor(@Schema(examples = "alice") String username,
            @Schema(examples = "7c1b6b85-3317-417c-a481-ad73c6fe8404") String subject,
            @Schema(enumeration = {"PLATFORM_ADMIN", "TENANT_ADMIN", "TENANT_MEMBER", "BILLING_VIEWER", "OPERATOR",
                    "OTHER"}, examples = "TENANT_ADMIN", description = "The role the change was made in: platform "
                    + "admin above any tenant role, then the highest tenant role held") String role) {}

    @Schema(name = "AuditTarget", description = "What a change was made to")
    public record AuditTarget(@Schema(examples = "PROJECT", enumeration = {"TENANT", "PROJECT", "MEMBER", "QUOTAS",
            "WEBHOOK", "WEBHOOK_DELIVERY", "RESERVATION", "JOB", "JOB_ARRAY", "CREDIT_GRANT", "COMMITMENT", "INVOICE",
            "OPERATOR", "CLUSTER", "NODE", "INVENTORY", "PRICE_BOOK", "BILLING_PERIOD", "API_CLIENT", "BILLING_PROFILE", "PAYOUT",
            "CREDIT_NOTE", "MAINTENANCE"}) String type,
            @Schema(examples = "01930000-0000-7000-8000-00000000e101", description = "The target's id; a node's is "
                    + "its cluster's id and its name, `<clusterId>/<name>`; quotas and a price book are named by the "
                    + "tenant, project or cluster they belong to, and so is a billing profile (by its tenant); a billing "
                    + "period by its month, `2026-11`")
            String id) {}
}

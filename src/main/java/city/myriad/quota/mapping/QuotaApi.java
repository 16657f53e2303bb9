package city.myriad.quota.mapping;

import city.myriad.platform.validation.MaxChars;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The quota domain's API models. */
public final class QuotaApi {

    private QuotaApi() {}

    @Schema(name = "CardLimit", description = "Concurrent cards of one model on one cluster, in one class or all")
    public record CardLimit(
            @NotNull UUID clusterId,
            @NotBlank @MaxChars(128) @Schema(maxLength = 128, examples = "ASCEND-910B") String model,
            @JsonProperty("class") @Schema(name = "class", description = "RESERVED, ON_DEMAND or SPOT; absent: all classes",
                    enumeration = {"RESERVED", "ON_DEMAND", "SPOT"}, examples = "ON_DEMAND")
            @Pattern(regexp = "RESERVED|ON_DEMAND|SPOT", message = "RESERVED, ON_DEMAND or SPOT") String priceClass,
            @NotNull @Min(0) @Max(10000000) @Schema(examples = "32", minimum = "0", maximum = "10000000") Integer limit) {}

    @Schema(name = "Budget", description = "The most money to spend per period")
    public record Budget(
            @NotNull @Min(0) @Schema(examples = "5000000", minimum = "0") Long amountMinor,
            @NotNull @Pattern(regexp = "^[A-Z]{3}$", message = "an ISO 4217 code of three capital letters")
            @Schema(examples = "CNY", pattern = "^[A-Z]{3}$") String currency,
            @NotNull @Pattern(regexp = "MONTH", message = "MONTH") @Schema(enumeration = {"MONTH"}, examples = "MONTH")
            String period) {}

    @Schema(name = "Quotas", description = "Card limits and a budget; without a limit or a budget there is none")
    public record Quotas(@NotNull @Size(max = 500) List<@Valid @NotNull CardLimit> cards, @Valid Budget budget) {}

    @Schema(name = "QuotasView", description = "The quotas in force")
    public record QuotasView(UUID tenantId, UUID projectId, List<CardLimit> cards, Budget budget, Instant updatedAt,
            @Schema(examples = "admin") String updatedBy) {}
}

package city.myriad.quota.mapping;

import city.myriad.platform.money.Money;
import city.myriad.platform.validation.MaxChars;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
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

    @Schema(name = "GpuHours", description = "The most card-hours (GPU-hours) to run per period, all classes")
    public record GpuHours(
            @NotNull @Min(0) @Max(1000000000) @Schema(examples = "10000", minimum = "0", maximum = "1000000000")
            Long limit,
            @NotNull @Pattern(regexp = "MONTH", message = "MONTH") @Schema(enumeration = {"MONTH"}, examples = "MONTH")
            String period) {}

    /** The thresholds (percent of a budget or GPU-hour limit) that raise alerts when none are set. */
    public static final List<Integer> DEFAULT_THRESHOLDS = List.of(50, 80, 100);

    @Schema(name = "Quotas", description = "Card limits, a budget and GPU-hours; without a limit there is none")
    public record Quotas(@NotNull @Size(max = 500) List<@Valid @NotNull CardLimit> cards, @Valid Budget budget,
            @Valid GpuHours gpuHours,
            @Size(max = 10) @Schema(description = "Percentages of the budget and GPU-hours that raise an alert "
                    + "once per period; default [50, 80, 100]", examples = "[50, 80, 100]")
            List<@NotNull @Min(1) @Max(100) Integer> alertThresholds,
            @Pattern(regexp = "FINISH|STOP", message = "FINISH or STOP")
            @Schema(description = "At 100% of the budget new work is refused; running ON_DEMAND jobs FINISH "
                    + "(default) or are stopped (STOP)", enumeration = {"FINISH", "STOP"}, examples = "FINISH")
            String onBudgetExhausted,
            @Min(1) @Max(100) @Schema(description = "With a budget: a BUDGET_FORECAST alert is raised, once a month, "
                    + "when the month's forecast (getTenantBudget's `forecast`: where spending is heading at its pace so "
                    + "far) reaches this percentage of the budget, before what was used does; left out: no forecast "
                    + "alert", examples = "100", minimum = "1", maximum = "100") Integer forecastAlertPercent,
            @Min(10) @Max(1000) @Schema(description = "With a budget: a SPEND_ANOMALY alert is raised, once a day, "
                    + "when a day's spend (UTC, in the budget's currency) is above the median daily spend of the 14 "
                    + "days before it by more than this percentage (today's so far, and yesterday's until today ends); "
                    + "no alert while that median is 0; left out: no anomaly alert", examples = "200", minimum = "10",
                    maximum = "1000") Integer spendAnomalyPercent,
            @Min(0) @Max(1_000_000_000_000L) @Schema(description = "With spendAnomalyPercent: a day is an anomaly only "
                    + "if its spend is also at least this much above that median, in minor units of the budget's "
                    + "currency (so that a small habit doubled raises nothing); left out: 0", examples = "100000",
                    minimum = "0", maximum = "1000000000000") Long spendAnomalyMinimumMinor) {

        public Quotas(List<CardLimit> cards, Budget budget) {
            this(cards, budget, null, null, null, null, null, null);
        }

        /** The anomaly's floor in minor units: 0 when none was set. */
        public long anomalyMinimum() {
            return spendAnomalyMinimumMinor == null ? 0 : spendAnomalyMinimumMinor;
        }

        public List<Integer> thresholds() {
            return alertThresholds == null || alertThresholds.isEmpty() ? DEFAULT_THRESHOLDS
                    : alertThresholds.stream().distinct().sorted().toList();
        }

        public String exhaustion() {
            return onBudgetExhausted == null ? "FINISH" : onBudgetExhausted;
        }
    }

    @Schema(name = "QuotasView", description = "The quotas in force")
    public record QuotasView(UUID tenantId, UUID projectId, List<CardLimit> cards, Budget budget, GpuHours gpuHours,
            @Schema(examples = "[50, 80, 100]") List<Integer> alertThresholds,
            @Schema(enumeration = {"FINISH", "STOP"}) String onBudgetExhausted, Instant updatedAt,
            @Schema(examples = "admin") String updatedBy,
            @Schema(description = "The forecast's alert percentage; null: none", examples = "100")
            Integer forecastAlertPercent,
            @Schema(description = "The spend anomaly's alert percentage; null: none", examples = "200")
            Integer spendAnomalyPercent,
            @Schema(description = "The spend anomaly's floor above the median, in minor units; null: none",
                    examples = "100000") Long spendAnomalyMinimumMinor) {}

    @Schema(name = "BudgetStatus", description = "How much of a budget is committed this month, and by what: what "
            + "admission adds a new job's projection or a reservation's total to before it refuses one "
            + "(BUDGET_EXCEEDED), and the same for a GPU-hour limit (QUOTA_EXCEEDED). Without a budget, no money "
            + "figures; without a limit, no GPU-hours.")
    public record BudgetStatusView(UUID tenantId,
            @Schema(description = "The project's (a project's status); absent for the tenant's") UUID projectId,
            @Schema(examples = "2026-12", description = "The month, UTC") String period,
            @Schema(description = "The budget in force for this tenant or project; absent: none") Money budget,
            @Schema(description = "Billed so far this month: ended runs, their credits taken off") Money billed,
            @Schema(description = "Jobs still QUEUED, HELD or RUNNING, each at its projection (its price over its whole "
                    + "maxRunSeconds); once a job ends the meter bills what it used instead") Money jobs,
            @Schema(description = "Reservations bought this month at their totals, extensions bought this month (of "
                    + "reservations not cancelled), and fees of those cancelled")
            Money reservations,
            @Schema(description = "billed + jobs + reservations") Money committed,
            @Schema(description = "What a new job's projection or a reservation may still cost: budget - committed "
                    + "(0 at most spent)") Money remaining,
            @Schema(examples = "42.5", description = "committed / budget, in percent, one decimal") BigDecimal
            committedPercent,
            @Schema(description = "What usage has cost this month so far: the ended runs billed, credits taken off, "
                    + "and the runs going on, to now (what budget alerts compare with the thresholds)") Money used,
            @Schema(description = "What the runs going on now cost per hour together") Money runRatePerHour,
            @Schema(description = "Where the month is heading at its pace so far: reservations + used + the rest of "
                    + "the month at the average hourly cost of the usage so far (averaged over at least a day). A "
                    + "quotas' forecastAlertPercent raises a BUDGET_FORECAST alert when it reaches that share of the "
                    + "budget") Money forecast,
            @Schema(examples = "96.3", description = "forecast / budget, in percent, one decimal") BigDecimal
            forecastPercent,
            @Schema(description = "The GPU-hour limit's figures, where one is set") GpuHoursStatus gpuHours,
            @Schema(enumeration = {"FINISH", "STOP"}, description = "What happens to running ON_DEMAND jobs when "
                    + "the budget is used up") String onBudgetExhausted,
            @Schema(description = "When these figures were read") Instant asOf) {}

    @Schema(name = "GpuHoursStatus", description = "Card-hours (GPU-hours) committed this month against a limit, as "
            + "admission counts them: a job is refused (QUOTA_EXCEEDED) when its cards x maxRunSeconds would take "
            + "`committed` past `limit`")
    public record GpuHoursStatus(@Schema(examples = "10000") long limit,
            @Schema(examples = "812.5", description = "Billed: ended runs this month") BigDecimal billed,
            @Schema(examples = "64", description = "Jobs still QUEUED, HELD or RUNNING at cards x maxRunSeconds")
            BigDecimal jobs,
            @Schema(examples = "876.5", description = "billed + jobs") BigDecimal committed,
            @Schema(examples = "9123.5", description = "limit - committed, never below 0") BigDecimal remaining,
            @Schema(examples = "830.25", description = "Card-hours run this month so far: ended runs and the runs going "
                    + "on, to now") BigDecimal used,
            @Schema(examples = "3402.5", description = "Where the month is heading at its pace so far: used + the rest "
                    + "of the month at the average hourly use so far (over at least a day), as the budget's forecast")
            BigDecimal forecast) {}
}

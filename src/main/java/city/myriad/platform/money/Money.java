package city.myriad.platform.money;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An amount of money: whole minor units (fen, cents) of one ISO 4217 currency. Never floating point; arithmetic
 * only through these methods, which refuse to mix currencies and round half-even where a rate is applied.
 */
@Schema(name = "Money", description = "An amount in minor units (e.g. fen for CNY) of one ISO 4217 currency")
public record Money(
        @NotNull @Min(0) @Schema(examples = "1200", minimum = "0") Long amountMinor,
        @NotNull @Pattern(regexp = "^[A-Z]{3}$", message = "an ISO 4217 code of three capital letters")
        @Schema(examples = "CNY", pattern = "^[A-Z]{3}$") String currency) {

    public static Money of(long amountMinor, String currency) {
        return new Money(amountMinor, currency);
    }

    public Money plus(Money other) {
        same(other);
        return new Money(Math.addExact(amountMinor, other.amountMinor), currency);
    }

    /** This amount times a factor, rounded half-even to a minor unit. */
    public Money times(BigDecimal factor) {
        return new Money(BigDecimal.valueOf(amountMinor).multiply(factor).setScale(0, RoundingMode.HALF_EVEN)
                .longValueExact(), currency);
    }

    public boolean isMoreThan(Money other) {
        same(other);
        return amountMinor > other.amountMinor;
    }

    private void same(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("Cannot mix " + currency + " and " + other.currency);
        }
    }
}

package city.myriad.platform.money;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** An amount that may be negative (a credit, a refund, a balance): whole minor units of one currency. Output only. */
@Schema(name = "SignedMoney", description = "An amount in minor units of one ISO 4217 currency; negative for credits")
public record SignedMoney(@Schema(examples = "-1200") long amountMinor,
        @Schema(examples = "CNY", pattern = "^[A-Z]{3}$") String currency) {

    public static SignedMoney of(long amountMinor, String currency) {
        return new SignedMoney(amountMinor, currency);
    }
}

package city.myriad.platform.validation;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.RECORD_COMPONENT;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import city.myriad.platform.TextRules;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * A text of at most {@link #value()} characters, counted as people count them: Unicode code points, so an emoji
 * is one character, not the two UTF-16 units that {@code @Size} would count. JSON Schema's {@code maxLength}
 * counts the same way; give the field {@code @Schema(maxLength = …)} with the same number for the contract.
 */
@Constraint(validatedBy = MaxChars.Validator.class)
@Target({FIELD, METHOD, PARAMETER, RECORD_COMPONENT, TYPE_USE})
@Retention(RUNTIME)
public @interface MaxChars {

    int value();

    String message() default "must be at most {value} characters";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Counts code points; null is valid (pair with {@code @NotBlank} where the field is required). */
    class Validator implements ConstraintValidator<MaxChars, CharSequence> {
        private int max;

        @Override
        public void initialize(MaxChars annotation) {
            max = annotation.value();
        }

        @Override
        public boolean isValid(CharSequence value, ConstraintValidatorContext context) {
            return value == null || TextRules.length(value) <= max;
        }
    }
}

package city.myriad.platform.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import city.myriad.platform.error.MyriadProblem;
import city.myriad.platform.error.ProblemCode;
import org.junit.jupiter.api.Test;

class FieldsTest {

    enum Colour { RED, GREEN }

    @Test
    void one_of_an_enum_is_spelt_as_the_constant_absent_is_null_anything_else_names_the_field_and_the_constants() {
        assertEquals(Colour.GREEN, Fields.oneOf("colour", "GREEN", Colour.class));
        assertNull(Fields.oneOf("colour", null, Colour.class));
        for (String bad : new String[] {"green", "", " RED", "BLUE"}) {
            MyriadProblem.Validation e = assertThrows(MyriadProblem.Validation.class,
                    () -> Fields.oneOf("colour", bad, Colour.class));
            assertEquals(ProblemCode.VALIDATION_FAILED, e.code());
            assertEquals("`colour` must be one of RED, GREEN", e.getMessage());
            assertEquals("colour", e.violations().get(0).field());
        }
    }

    @Test
    void one_of_some_constants_refuses_the_others_and_names_only_those_it_takes() {
        java.util.List<Colour> onlyGreen = java.util.List.of(Colour.GREEN);
        assertEquals(Colour.GREEN, Fields.oneOf("colour", "GREEN", onlyGreen));
        MyriadProblem.Validation e = assertThrows(MyriadProblem.Validation.class,
                () -> Fields.oneOf("colour", "RED", onlyGreen));
        assertEquals("`colour` must be one of GREEN", e.getMessage());
    }
}

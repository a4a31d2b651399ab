/*
 * test_choice.c - Check unit tests for runtime/choice.c.
 *
 * The first test case replays every Choice comparison recorded against AWS in
 * /work/shared/conformance/execution/choice_operators__*.json (the table below
 * was generated from those files); the rest pin down what the recordings do
 * not cover: Java string ordering, timestamp syntax and instants, StringMatches
 * escapes, the Is... operators and a Variable that selected nothing.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* The runtime defines the marker elsewhere; weak so that this program links
 * both standalone and against the whole library. */
__attribute__((weak)) char aslrt_absent_marker;

/* Generated from /work/shared/conformance/execution/choice_operators__*.json
 * (315 recorded AWS executions): operator, $.Variable, operand (the literal,
 * or $.Value for ...Path operators), whether the rule matched. */
static const struct recorded {
	const char *name, *op, *var, *operand;
	bool match;
} recorded[] = {
    {"boolean_equals.boolean_equals.cases_0", "BooleanEquals", "null", "true", false},
    {"boolean_equals.boolean_equals.cases_10", "BooleanEquals", "\"\"", "true", false},
    {"boolean_equals.boolean_equals.cases_12", "BooleanEquals", "\" \"", "true", false},
    {"boolean_equals.boolean_equals.cases_13", "BooleanEquals", "\" \"", "false", false},
    {"boolean_equals.boolean_equals.cases_14", "BooleanEquals", "\"HelloWorld\"", "true", false},
    {"boolean_equals.boolean_equals.cases_15", "BooleanEquals", "\"HelloWorld\"", "false", false},
    {"boolean_equals.boolean_equals.cases_17", "BooleanEquals", "\"2012-10-09T19:00:55\"", "false",
     false},
    {"boolean_equals.boolean_equals.cases_19", "BooleanEquals", "\"2012-10-09T19:00:55Z\"", "false",
     false},
    {"boolean_equals.boolean_equals.cases_21", "BooleanEquals", "\"2012-10-09T19:00:55+01:00\"",
     "false", false},
    {"boolean_equals.boolean_equals.cases_22", "BooleanEquals", "\"2023-02-24\"", "true", false},
    {"boolean_equals.boolean_equals.cases_23", "BooleanEquals", "\"2023-02-24\"", "false", false},
    {"boolean_equals.boolean_equals.cases_24", "BooleanEquals", "[]", "true", false},
    {"boolean_equals.boolean_equals.cases_25", "BooleanEquals", "[]", "false", false},
    {"boolean_equals.boolean_equals.cases_27", "BooleanEquals", "[\"\"]", "false", false},
    {"boolean_equals.boolean_equals.cases_28", "BooleanEquals", "{}", "true", false},
    {"boolean_equals.boolean_equals.cases_29", "BooleanEquals", "{}", "false", false},
    {"boolean_equals.boolean_equals.cases_3", "BooleanEquals", "0", "false", false},
    {"boolean_equals.boolean_equals.cases_31", "BooleanEquals", "{\"A\":0}", "false", false},
    {"boolean_equals.boolean_equals.cases_32", "BooleanEquals", "true", "true", true},
    {"boolean_equals.boolean_equals.cases_35", "BooleanEquals", "false", "false", true},
    {"boolean_equals.boolean_equals.cases_4", "BooleanEquals", "0.0", "true", false},
    {"boolean_equals.boolean_equals.cases_5", "BooleanEquals", "0.0", "false", false},
    {"boolean_equals.boolean_equals.cases_8", "BooleanEquals", "1.1", "true", false},
    {"boolean_equals.boolean_equals.cases_9", "BooleanEquals", "1.1", "false", false},
    {"boolean_equals.boolean_equals_path.cases_1", "BooleanEqualsPath", "null", "false", false},
    {"boolean_equals.boolean_equals_path.cases_10", "BooleanEqualsPath", "\"\"", "true", false},
    {"boolean_equals.boolean_equals_path.cases_12", "BooleanEqualsPath", "\" \"", "true", false},
    {"boolean_equals.boolean_equals_path.cases_13", "BooleanEqualsPath", "\" \"", "false", false},
    {"boolean_equals.boolean_equals_path.cases_14", "BooleanEqualsPath", "\"HelloWorld\"", "true",
     false},
    {"boolean_equals.boolean_equals_path.cases_15", "BooleanEqualsPath", "\"HelloWorld\"", "false",
     false},
    {"boolean_equals.boolean_equals_path.cases_16", "BooleanEqualsPath", "\"2012-10-09T19:00:55\"",
     "true", false},
    {"boolean_equals.boolean_equals_path.cases_18", "BooleanEqualsPath", "\"2012-10-09T19:00:55Z\"",
     "true", false},
    {"boolean_equals.boolean_equals_path.cases_19", "BooleanEqualsPath", "\"2012-10-09T19:00:55Z\"",
     "false", false},
    {"boolean_equals.boolean_equals_path.cases_20", "BooleanEqualsPath",
     "\"2012-10-09T19:00:55+01:00\"", "true", false},
    {"boolean_equals.boolean_equals_path.cases_21", "BooleanEqualsPath",
     "\"2012-10-09T19:00:55+01:00\"", "false", false},
    {"boolean_equals.boolean_equals_path.cases_22", "BooleanEqualsPath", "\"2023-02-24\"", "true",
     false},
    {"boolean_equals.boolean_equals_path.cases_23", "BooleanEqualsPath", "\"2023-02-24\"", "false",
     false},
    {"boolean_equals.boolean_equals_path.cases_24", "BooleanEqualsPath", "[]", "true", false},
    {"boolean_equals.boolean_equals_path.cases_26", "BooleanEqualsPath", "[\"\"]", "true", false},
    {"boolean_equals.boolean_equals_path.cases_28", "BooleanEqualsPath", "{}", "true", false},
    {"boolean_equals.boolean_equals_path.cases_29", "BooleanEqualsPath", "{}", "false", false},
    {"boolean_equals.boolean_equals_path.cases_3", "BooleanEqualsPath", "0", "false", false},
    {"boolean_equals.boolean_equals_path.cases_30", "BooleanEqualsPath", "{\"A\":0}", "true",
     false},
    {"boolean_equals.boolean_equals_path.cases_32", "BooleanEqualsPath", "true", "true", true},
    {"boolean_equals.boolean_equals_path.cases_33", "BooleanEqualsPath", "false", "true", false},
    {"boolean_equals.boolean_equals_path.cases_34", "BooleanEqualsPath", "false", "true", false},
    {"boolean_equals.boolean_equals_path.cases_4", "BooleanEqualsPath", "0.0", "true", false},
    {"boolean_equals.boolean_equals_path.cases_5", "BooleanEqualsPath", "0.0", "false", false},
    {"is_operators.is_boolean.cases_10", "IsBoolean", "\"\"", "true", false},
    {"is_operators.is_boolean.cases_11", "IsBoolean", "\"\"", "false", true},
    {"is_operators.is_boolean.cases_12", "IsBoolean", "\" \"", "true", false},
    {"is_operators.is_boolean.cases_13", "IsBoolean", "\" \"", "false", true},
    {"is_operators.is_boolean.cases_14", "IsBoolean", "\"HelloWorld\"", "true", false},
    {"is_operators.is_boolean.cases_15", "IsBoolean", "\"HelloWorld\"", "false", true},
    {"is_operators.is_boolean.cases_16", "IsBoolean", "\"2012-10-09T19:00:55\"", "true", false},
    {"is_operators.is_boolean.cases_18", "IsBoolean", "\"2012-10-09T19:00:55Z\"", "true", false},
    {"is_operators.is_boolean.cases_19", "IsBoolean", "\"2012-10-09T19:00:55Z\"", "false", true},
    {"is_operators.is_boolean.cases_20", "IsBoolean", "\"2012-10-09T19:00:55+01:00\"", "true",
     false},
    {"is_operators.is_boolean.cases_21", "IsBoolean", "\"2012-10-09T19:00:55+01:00\"", "false",
     true},
    {"is_operators.is_boolean.cases_22", "IsBoolean", "\"2023-02-24\"", "true", false},
    {"is_operators.is_boolean.cases_26", "IsBoolean", "[\"\"]", "true", false},
    {"is_operators.is_boolean.cases_27", "IsBoolean", "[\"\"]", "false", true},
    {"is_operators.is_boolean.cases_28", "IsBoolean", "{}", "true", false},
    {"is_operators.is_boolean.cases_29", "IsBoolean", "{}", "false", true},
    {"is_operators.is_boolean.cases_30", "IsBoolean", "{\"A\":0}", "true", false},
    {"is_operators.is_boolean.cases_31", "IsBoolean", "{\"A\":0}", "false", true},
    {"is_operators.is_boolean.cases_33", "IsBoolean", "false", "true", true},
    {"is_operators.is_boolean.cases_34", "IsBoolean", "false", "true", true},
    {"is_operators.is_boolean.cases_5", "IsBoolean", "0.0", "false", true},
    {"is_operators.is_boolean.cases_6", "IsBoolean", "1", "true", false},
    {"is_operators.is_null.cases_1", "IsNull", "null", "false", false},
    {"is_operators.is_null.cases_11", "IsNull", "\"\"", "false", true},
    {"is_operators.is_null.cases_13", "IsNull", "\" \"", "false", true},
    {"is_operators.is_null.cases_15", "IsNull", "\"HelloWorld\"", "false", true},
    {"is_operators.is_null.cases_16", "IsNull", "\"2012-10-09T19:00:55\"", "true", false},
    {"is_operators.is_null.cases_17", "IsNull", "\"2012-10-09T19:00:55\"", "false", true},
    {"is_operators.is_null.cases_19", "IsNull", "\"2012-10-09T19:00:55Z\"", "false", true},
    {"is_operators.is_null.cases_20", "IsNull", "\"2012-10-09T19:00:55+01:00\"", "true", false},
    {"is_operators.is_null.cases_21", "IsNull", "\"2012-10-09T19:00:55+01:00\"", "false", true},
    {"is_operators.is_null.cases_22", "IsNull", "\"2023-02-24\"", "true", false},
    {"is_operators.is_null.cases_23", "IsNull", "\"2023-02-24\"", "false", true},
    {"is_operators.is_null.cases_26", "IsNull", "[\"\"]", "true", false},
    {"is_operators.is_null.cases_27", "IsNull", "[\"\"]", "false", true},
    {"is_operators.is_null.cases_28", "IsNull", "{}", "true", false},
    {"is_operators.is_null.cases_29", "IsNull", "{}", "false", true},
    {"is_operators.is_null.cases_33", "IsNull", "false", "true", false},
    {"is_operators.is_null.cases_35", "IsNull", "false", "false", true},
    {"is_operators.is_null.cases_4", "IsNull", "0.0", "true", false},
    {"is_operators.is_null.cases_7", "IsNull", "1", "false", true},
    {"is_operators.is_null.cases_9", "IsNull", "1.1", "false", true},
    {"is_operators.is_numeric.cases_0", "IsNumeric", "null", "true", false},
    {"is_operators.is_numeric.cases_1", "IsNumeric", "null", "false", true},
    {"is_operators.is_numeric.cases_10", "IsNumeric", "\"\"", "true", false},
    {"is_operators.is_numeric.cases_12", "IsNumeric", "\" \"", "true", false},
    {"is_operators.is_numeric.cases_13", "IsNumeric", "\" \"", "false", true},
    {"is_operators.is_numeric.cases_14", "IsNumeric", "\"HelloWorld\"", "true", false},
    {"is_operators.is_numeric.cases_16", "IsNumeric", "\"2012-10-09T19:00:55\"", "true", false},
    {"is_operators.is_numeric.cases_17", "IsNumeric", "\"2012-10-09T19:00:55\"", "false", true},
    {"is_operators.is_numeric.cases_18", "IsNumeric", "\"2012-10-09T19:00:55Z\"", "true", false},
    {"is_operators.is_numeric.cases_2", "IsNumeric", "0", "true", true},
    {"is_operators.is_numeric.cases_20", "IsNumeric", "\"2012-10-09T19:00:55+01:00\"", "true",
     false},
    {"is_operators.is_numeric.cases_21", "IsNumeric", "\"2012-10-09T19:00:55+01:00\"", "false",
     true},
    {"is_operators.is_numeric.cases_24", "IsNumeric", "[]", "true", false},
    {"is_operators.is_numeric.cases_26", "IsNumeric", "[\"\"]", "true", false},
    {"is_operators.is_numeric.cases_27", "IsNumeric", "[\"\"]", "false", true},
    {"is_operators.is_numeric.cases_28", "IsNumeric", "{}", "true", false},
    {"is_operators.is_numeric.cases_29", "IsNumeric", "{}", "false", true},
    {"is_operators.is_numeric.cases_30", "IsNumeric", "{\"A\":0}", "true", false},
    {"is_operators.is_numeric.cases_31", "IsNumeric", "{\"A\":0}", "false", true},
    {"is_operators.is_numeric.cases_33", "IsNumeric", "false", "true", false},
    {"is_operators.is_numeric.cases_34", "IsNumeric", "false", "true", false},
    {"is_operators.is_numeric.cases_35", "IsNumeric", "false", "false", true},
    {"is_operators.is_numeric.cases_5", "IsNumeric", "0.0", "false", false},
    {"is_operators.is_numeric.cases_6", "IsNumeric", "1", "true", true},
    {"is_operators.is_numeric.cases_7", "IsNumeric", "1", "false", false},
    {"is_operators.is_numeric.cases_8", "IsNumeric", "1.1", "true", true},
    {"is_operators.is_numeric.cases_9", "IsNumeric", "1.1", "false", false},
    {"is_operators.is_present.cases_0", "IsPresent", "null", "true", true},
    {"is_operators.is_present.cases_13", "IsPresent", "\" \"", "false", false},
    {"is_operators.is_present.cases_14", "IsPresent", "\"HelloWorld\"", "true", true},
    {"is_operators.is_present.cases_15", "IsPresent", "\"HelloWorld\"", "false", false},
    {"is_operators.is_present.cases_18", "IsPresent", "\"2012-10-09T19:00:55Z\"", "true", true},
    {"is_operators.is_present.cases_19", "IsPresent", "\"2012-10-09T19:00:55Z\"", "false", false},
    {"is_operators.is_present.cases_2", "IsPresent", "0", "true", true},
    {"is_operators.is_present.cases_20", "IsPresent", "\"2012-10-09T19:00:55+01:00\"", "true",
     true},
    {"is_operators.is_present.cases_22", "IsPresent", "\"2023-02-24\"", "true", true},
    {"is_operators.is_present.cases_23", "IsPresent", "\"2023-02-24\"", "false", false},
    {"is_operators.is_present.cases_25", "IsPresent", "[]", "false", false},
    {"is_operators.is_present.cases_27", "IsPresent", "[\"\"]", "false", false},
    {"is_operators.is_present.cases_28", "IsPresent", "{}", "true", true},
    {"is_operators.is_present.cases_29", "IsPresent", "{}", "false", false},
    {"is_operators.is_present.cases_30", "IsPresent", "{\"A\":0}", "true", true},
    {"is_operators.is_present.cases_31", "IsPresent", "{\"A\":0}", "false", false},
    {"is_operators.is_present.cases_32", "IsPresent", "true", "true", true},
    {"is_operators.is_present.cases_33", "IsPresent", "false", "true", true},
    {"is_operators.is_present.cases_4", "IsPresent", "0.0", "true", true},
    {"is_operators.is_present.cases_5", "IsPresent", "0.0", "false", false},
    {"is_operators.is_present.cases_9", "IsPresent", "1.1", "false", false},
    {"is_operators.is_string.cases_0", "IsString", "null", "true", false},
    {"is_operators.is_string.cases_1", "IsString", "null", "false", true},
    {"is_operators.is_string.cases_10", "IsString", "\"\"", "true", true},
    {"is_operators.is_string.cases_11", "IsString", "\"\"", "false", false},
    {"is_operators.is_string.cases_13", "IsString", "\" \"", "false", false},
    {"is_operators.is_string.cases_15", "IsString", "\"HelloWorld\"", "false", false},
    {"is_operators.is_string.cases_16", "IsString", "\"2012-10-09T19:00:55\"", "true", true},
    {"is_operators.is_string.cases_17", "IsString", "\"2012-10-09T19:00:55\"", "false", false},
    {"is_operators.is_string.cases_18", "IsString", "\"2012-10-09T19:00:55Z\"", "true", true},
    {"is_operators.is_string.cases_19", "IsString", "\"2012-10-09T19:00:55Z\"", "false", false},
    {"is_operators.is_string.cases_2", "IsString", "0", "true", false},
    {"is_operators.is_string.cases_20", "IsString", "\"2012-10-09T19:00:55+01:00\"", "true", true},
    {"is_operators.is_string.cases_21", "IsString", "\"2012-10-09T19:00:55+01:00\"", "false",
     false},
    {"is_operators.is_string.cases_23", "IsString", "\"2023-02-24\"", "false", false},
    {"is_operators.is_string.cases_25", "IsString", "[]", "false", true},
    {"is_operators.is_string.cases_27", "IsString", "[\"\"]", "false", true},
    {"is_operators.is_string.cases_28", "IsString", "{}", "true", false},
    {"is_operators.is_string.cases_29", "IsString", "{}", "false", true},
    {"is_operators.is_string.cases_32", "IsString", "true", "true", false},
    {"is_operators.is_string.cases_33", "IsString", "false", "true", false},
    {"is_operators.is_string.cases_34", "IsString", "false", "true", false},
    {"is_operators.is_string.cases_35", "IsString", "false", "false", true},
    {"is_operators.is_string.cases_6", "IsString", "1", "true", false},
    {"is_operators.is_string.cases_7", "IsString", "1", "false", true},
    {"is_operators.is_string.cases_8", "IsString", "1.1", "true", false},
    {"numeric.numeric_equals.cases_0", "NumericEquals", "null", "0", false},
    {"numeric.numeric_equals.cases_1", "NumericEquals", "null", "0.0", false},
    {"numeric.numeric_equals.cases_10", "NumericEquals", "0.0", "1", false},
    {"numeric.numeric_equals.cases_12", "NumericEquals", "1", "0", false},
    {"numeric.numeric_equals.cases_15", "NumericEquals", "1", "1.0", true},
    {"numeric.numeric_equals.cases_16", "NumericEquals", "1.1", "0", false},
    {"numeric.numeric_equals.cases_17", "NumericEquals", "1.1", "0.0", false},
    {"numeric.numeric_equals.cases_18", "NumericEquals", "1.1", "1", false},
    {"numeric.numeric_equals.cases_20", "NumericEquals", "\"\"", "0", false},
    {"numeric.numeric_equals.cases_21", "NumericEquals", "\"\"", "0.0", false},
    {"numeric.numeric_equals.cases_22", "NumericEquals", "\"\"", "1", false},
    {"numeric.numeric_equals.cases_23", "NumericEquals", "\"\"", "1.0", false},
    {"numeric.numeric_equals.cases_24", "NumericEquals", "\" \"", "0", false},
    {"numeric.numeric_equals.cases_26", "NumericEquals", "\" \"", "1", false},
    {"numeric.numeric_equals.cases_27", "NumericEquals", "\" \"", "1.0", false},
    {"numeric.numeric_equals.cases_3", "NumericEquals", "null", "1.0", false},
    {"numeric.numeric_equals.cases_31", "NumericEquals", "[]", "1.0", false},
    {"numeric.numeric_equals.cases_33", "NumericEquals", "[\"\"]", "0.0", false},
    {"numeric.numeric_equals.cases_34", "NumericEquals", "[\"\"]", "1", false},
    {"numeric.numeric_equals.cases_35", "NumericEquals", "[\"\"]", "1.0", false},
    {"numeric.numeric_equals.cases_37", "NumericEquals", "{}", "0.0", false},
    {"numeric.numeric_equals.cases_39", "NumericEquals", "{}", "1.0", false},
    {"numeric.numeric_equals.cases_4", "NumericEquals", "0", "0", true},
    {"numeric.numeric_equals.cases_41", "NumericEquals", "{\"A\":0}", "0.0", false},
    {"numeric.numeric_equals.cases_42", "NumericEquals", "{\"A\":0}", "1", false},
    {"numeric.numeric_equals.cases_43", "NumericEquals", "{\"A\":0}", "1.0", false},
    {"numeric.numeric_equals.cases_45", "NumericEquals", "false", "0.0", false},
    {"numeric.numeric_equals.cases_48", "NumericEquals", "true", "0", false},
    {"numeric.numeric_equals.cases_49", "NumericEquals", "true", "0.0", false},
    {"numeric.numeric_equals.cases_5", "NumericEquals", "0", "0.0", true},
    {"numeric.numeric_equals.cases_50", "NumericEquals", "true", "1", false},
    {"numeric.numeric_equals.cases_51", "NumericEquals", "true", "1.0", false},
    {"numeric.numeric_equals.cases_6", "NumericEquals", "0", "1", false},
    {"numeric.numeric_equals_path.cases_0", "NumericEqualsPath", "null", "0", false},
    {"numeric.numeric_equals_path.cases_1", "NumericEqualsPath", "null", "0.0", false},
    {"numeric.numeric_equals_path.cases_11", "NumericEqualsPath", "0.0", "1.0", false},
    {"numeric.numeric_equals_path.cases_13", "NumericEqualsPath", "1", "0.0", false},
    {"numeric.numeric_equals_path.cases_14", "NumericEqualsPath", "1", "1", true},
    {"numeric.numeric_equals_path.cases_15", "NumericEqualsPath", "1", "1.0", true},
    {"numeric.numeric_equals_path.cases_18", "NumericEqualsPath", "1.1", "1", false},
    {"numeric.numeric_equals_path.cases_20", "NumericEqualsPath", "\"\"", "0", false},
    {"numeric.numeric_equals_path.cases_21", "NumericEqualsPath", "\"\"", "0.0", false},
    {"numeric.numeric_equals_path.cases_23", "NumericEqualsPath", "\"\"", "1.0", false},
    {"numeric.numeric_equals_path.cases_24", "NumericEqualsPath", "\" \"", "0", false},
    {"numeric.numeric_equals_path.cases_27", "NumericEqualsPath", "\" \"", "1.0", false},
    {"numeric.numeric_equals_path.cases_29", "NumericEqualsPath", "[]", "0.0", false},
    {"numeric.numeric_equals_path.cases_3", "NumericEqualsPath", "null", "1.0", false},
    {"numeric.numeric_equals_path.cases_30", "NumericEqualsPath", "[]", "1", false},
    {"numeric.numeric_equals_path.cases_34", "NumericEqualsPath", "[\"\"]", "1", false},
    {"numeric.numeric_equals_path.cases_36", "NumericEqualsPath", "{}", "0", false},
    {"numeric.numeric_equals_path.cases_37", "NumericEqualsPath", "{}", "0.0", false},
    {"numeric.numeric_equals_path.cases_38", "NumericEqualsPath", "{}", "1", false},
    {"numeric.numeric_equals_path.cases_39", "NumericEqualsPath", "{}", "1.0", false},
    {"numeric.numeric_equals_path.cases_4", "NumericEqualsPath", "0", "0", true},
    {"numeric.numeric_equals_path.cases_40", "NumericEqualsPath", "{\"A\":0}", "0", false},
    {"numeric.numeric_equals_path.cases_42", "NumericEqualsPath", "{\"A\":0}", "1", false},
    {"numeric.numeric_equals_path.cases_44", "NumericEqualsPath", "false", "0", false},
    {"numeric.numeric_equals_path.cases_45", "NumericEqualsPath", "false", "0.0", false},
    {"numeric.numeric_equals_path.cases_46", "NumericEqualsPath", "false", "1", false},
    {"numeric.numeric_equals_path.cases_47", "NumericEqualsPath", "false", "1.0", false},
    {"numeric.numeric_equals_path.cases_49", "NumericEqualsPath", "true", "0.0", false},
    {"numeric.numeric_equals_path.cases_5", "NumericEqualsPath", "0", "0.0", true},
    {"numeric.numeric_equals_path.cases_51", "NumericEqualsPath", "true", "1.0", false},
    {"numeric.numeric_equals_path.cases_52", "NumericEqualsPath", "0", "0", true},
    {"numeric.numeric_equals_path.cases_54", "NumericEqualsPath", "2.22", "2.22", true},
    {"numeric.numeric_equals_path.cases_7", "NumericEqualsPath", "0", "1.0", false},
    {"numeric.numeric_equals_path.cases_8", "NumericEqualsPath", "0.0", "0", true},
    {"numeric.numeric_greater_than.cases_0", "NumericGreaterThan", "0", "0", false},
    {"numeric.numeric_greater_than.cases_2", "NumericGreaterThan", "0", "1", false},
    {"numeric.numeric_greater_than.cases_3", "NumericGreaterThan", "1", "1", false},
    {"numeric.numeric_greater_than.cases_5", "NumericGreaterThan", "0", "1", false},
    {"numeric.numeric_greater_than_equals.cases_0", "NumericGreaterThanEquals", "0", "0", true},
    {"numeric.numeric_greater_than_equals.cases_1", "NumericGreaterThanEquals", "0.0", "0", true},
    {"numeric.numeric_greater_than_equals.cases_3", "NumericGreaterThanEquals", "1", "1", true},
    {"numeric.numeric_greater_than_equals.cases_5", "NumericGreaterThanEquals", "0", "1", false},
    {"numeric.numeric_greater_than_equals_path.cases_0", "NumericGreaterThanEqualsPath", "0", "0",
     true},
    {"numeric.numeric_greater_than_equals_path.cases_2", "NumericGreaterThanEqualsPath", "0", "1",
     false},
    {"numeric.numeric_greater_than_equals_path.cases_3", "NumericGreaterThanEqualsPath", "1", "1",
     true},
    {"numeric.numeric_greater_than_equals_path.cases_4", "NumericGreaterThanEqualsPath", "1", "0",
     true},
    {"numeric.numeric_greater_than_path.cases_0", "NumericGreaterThanPath", "0", "0", false},
    {"numeric.numeric_greater_than_path.cases_1", "NumericGreaterThanPath", "0.0", "0", false},
    {"numeric.numeric_greater_than_path.cases_2", "NumericGreaterThanPath", "0", "1", false},
    {"numeric.numeric_greater_than_path.cases_3", "NumericGreaterThanPath", "1", "1", false},
    {"numeric.numeric_greater_than_path.cases_5", "NumericGreaterThanPath", "0", "1", false},
    {"numeric.numeric_less_than.cases_1", "NumericLessThan", "0.0", "0", false},
    {"numeric.numeric_less_than.cases_2", "NumericLessThan", "0", "1", true},
    {"numeric.numeric_less_than.cases_3", "NumericLessThan", "1", "1", false},
    {"numeric.numeric_less_than_equals.cases_0", "NumericLessThanEquals", "0", "0", true},
    {"numeric.numeric_less_than_equals.cases_1", "NumericLessThanEquals", "0.0", "0", true},
    {"numeric.numeric_less_than_equals.cases_2", "NumericLessThanEquals", "0", "1", true},
    {"numeric.numeric_less_than_equals.cases_3", "NumericLessThanEquals", "1", "1", true},
    {"numeric.numeric_less_than_equals.cases_4", "NumericLessThanEquals", "1", "0", false},
    {"numeric.numeric_less_than_equals.cases_5", "NumericLessThanEquals", "0", "1", true},
    {"numeric.numeric_less_than_equals_path.cases_0", "NumericLessThanEqualsPath", "0", "0", true},
    {"numeric.numeric_less_than_equals_path.cases_1", "NumericLessThanEqualsPath", "0.0", "0",
     true},
    {"numeric.numeric_less_than_path.cases_0", "NumericLessThanPath", "0", "0", false},
    {"numeric.numeric_less_than_path.cases_2", "NumericLessThanPath", "0", "1", true},
    {"numeric.numeric_less_than_path.cases_4", "NumericLessThanPath", "1", "0", false},
    {"numeric.numeric_less_than_path.cases_5", "NumericLessThanPath", "0", "1", true},
    {"string_operators.string_equals.cases_0", "StringEquals", "null", "\"HelloWorld\"", false},
    {"string_operators.string_equals.cases_1", "StringEquals", "0", "\"HelloWorld\"", false},
    {"string_operators.string_equals.cases_10", "StringEquals", "{\"A\":0}", "\"HelloWorld\"",
     false},
    {"string_operators.string_equals.cases_11", "StringEquals", "false", "\"HelloWorld\"", false},
    {"string_operators.string_equals.cases_12", "StringEquals", "true", "\"HelloWorld\"", false},
    {"string_operators.string_equals.cases_13", "StringEquals", "\" \"", "\"     \"", false},
    {"string_operators.string_equals.cases_2", "StringEquals", "0.0", "\"HelloWorld\"", false},
    {"string_operators.string_equals.cases_3", "StringEquals", "1", "\"HelloWorld\"", false},
    {"string_operators.string_equals.cases_4", "StringEquals", "1.1", "\"HelloWorld\"", false},
    {"string_operators.string_equals.cases_5", "StringEquals", "\"\"", "\"HelloWorld\"", false},
    {"string_operators.string_equals.cases_6", "StringEquals", "\" \"", "\"HelloWorld\"", false},
    {"string_operators.string_equals.cases_7", "StringEquals", "[]", "\"HelloWorld\"", false},
    {"string_operators.string_equals.cases_8", "StringEquals", "[\"\"]", "\"HelloWorld\"", false},
    {"string_operators.string_equals.cases_9", "StringEquals", "{}", "\"HelloWorld\"", false},
    {"string_operators.string_equals_path.cases_0", "StringEqualsPath", "\" \"", "\"     \"",
     false},
    {"string_operators.string_equals_path.cases_2", "StringEqualsPath", "\"Hello\"", "\"Hello\"",
     true},
    {"string_operators.string_greater_than.cases_0", "StringGreaterThan", "\"\"", "\"\"", false},
    {"string_operators.string_greater_than.cases_1", "StringGreaterThan", "\"A\"", "\"A \"", false},
    {"string_operators.string_greater_than.cases_2", "StringGreaterThan", "\"A\"", "\"A\\t\\n\\r\"",
     false},
    {"string_operators.string_greater_than.cases_3", "StringGreaterThan", "\"AB\"", "\"ABC\"",
     false},
    {"string_operators.string_greater_than_equals.cases_1", "StringGreaterThanEquals", "\"A\"",
     "\"AB\"", false},
    {"string_operators.string_greater_than_equals.cases_2", "StringGreaterThanEquals", "\"AB\"",
     "\"A\"", true},
    {"string_operators.string_greater_than_equals_path.cases_0", "StringGreaterThanEqualsPath",
     "\"\"", "\"\"", true},
    {"string_operators.string_greater_than_equals_path.cases_2", "StringGreaterThanEqualsPath",
     "\"AB\"", "\"A\"", true},
    {"string_operators.string_greater_than_path.cases_0", "StringGreaterThanPath", "\"\"", "\"\"",
     false},
    {"string_operators.string_greater_than_path.cases_1", "StringGreaterThanPath", "\"A\"",
     "\"A \"", false},
    {"string_operators.string_greater_than_path.cases_2", "StringGreaterThanPath", "\"A\"",
     "\"A\\t\\n\\r\"", false},
    {"string_operators.string_greater_than_path.cases_3", "StringGreaterThanPath", "\"AB\"",
     "\"ABC\"", false},
    {"string_operators.string_less_than.cases_0", "StringLessThan", "\"\"", "\"\"", false},
    {"string_operators.string_less_than_equals.cases_2", "StringLessThanEquals", "\"AB\"", "\"A\"",
     false},
    {"string_operators.string_less_than_equals_path.cases_0", "StringLessThanEqualsPath", "\"\"",
     "\"\"", true},
    {"string_operators.string_less_than_equals_path.cases_2", "StringLessThanEqualsPath", "\"AB\"",
     "\"A\"", false},
    {"timestamp_operators.timestamp_equals.cases_10", "TimestampEquals", "{}",
     "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_equals.cases_11", "TimestampEquals", "{\"A\":0}",
     "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_equals.cases_12", "TimestampEquals", "false",
     "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_equals.cases_16", "TimestampEquals", "\"2012-10-09T19:00:56Z\"",
     "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_equals.cases_3", "TimestampEquals", "1",
     "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_equals.cases_5", "TimestampEquals", "\"\"",
     "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_equals.cases_6", "TimestampEquals", "\" \"",
     "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_equals.cases_7", "TimestampEquals",
     "\"2023-02-24 12:15:56.832957\"", "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_equals.cases_9", "TimestampEquals", "[\"\"]",
     "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_equals_path.cases_0", "TimestampEqualsPath",
     "\"2012-10-09T19:00:55Z\"", "\"2012-10-09T19:00:55Z\"", true},
    {"timestamp_operators.timestamp_equals_path.cases_1", "TimestampEqualsPath",
     "\"2012-10-09T19:00:55Z\"", "\"2012-10-09T19:00:56Z\"", false},
    {"timestamp_operators.timestamp_greater_than.cases_0", "TimestampGreaterThan",
     "\"2012-10-09T19:00:55Z\"", "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_greater_than.cases_2", "TimestampGreaterThan",
     "\"2012-10-09T19:00:56Z\"", "\"2012-10-09T19:00:55Z\"", true},
    {"timestamp_operators.timestamp_greater_than_equals.cases_0", "TimestampGreaterThanEquals",
     "\"2012-10-09T19:00:55Z\"", "\"2012-10-09T19:00:55Z\"", true},
    {"timestamp_operators.timestamp_greater_than_equals_path.cases_0",
     "TimestampGreaterThanEqualsPath", "\"2012-10-09T19:00:55Z\"", "\"2012-10-09T19:00:56Z\"",
     false},
    {"timestamp_operators.timestamp_less_than.cases_0", "TimestampLessThan",
     "\"2012-10-09T19:00:55Z\"", "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_less_than.cases_1", "TimestampLessThan",
     "\"2012-10-09T19:00:55Z\"", "\"2012-10-09T19:00:56Z\"", true},
    {"timestamp_operators.timestamp_less_than.cases_2", "TimestampLessThan",
     "\"2012-10-09T19:00:56Z\"", "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_less_than_equals.cases_2", "TimestampLessThanEquals",
     "\"2012-10-09T19:00:56Z\"", "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_less_than_equals_path.cases_0", "TimestampLessThanEqualsPath",
     "\"2012-10-09T19:00:56Z\"", "\"2012-10-09T19:00:55Z\"", false},
    {"timestamp_operators.timestamp_less_than_path.cases_0", "TimestampLessThanPath",
     "\"2012-10-09T19:00:56Z\"", "\"2012-10-09T19:00:55Z\"", false},
};

/* json-c's own parser: aslrt_json_parse() currently rejects a text that is
 * a bare number, true, false or null. */
static struct json_object *parse(const char *text)
{
	enum json_tokener_error e;
	struct json_object *v = json_tokener_parse_verbose(text, &e);
	if (e != json_tokener_success)
		ck_abort_msg("bad JSON in test: %s: %s", text, json_tokener_error_desc(e));
	return v;
}

/* op applied to two JSON texts (NULL text: ASLRT_ABSENT). */
static bool apply(const char *op, const char *var, const char *operand)
{
	int k = aslrt_cmp_lookup(op);
	ck_assert_msg(k >= 0, "unknown operator %s", op);
	struct json_object *v = var ? parse(var) : ASLRT_ABSENT;
	struct json_object *o = operand ? parse(operand) : ASLRT_ABSENT;
	bool r = aslrt_cmp_apply((aslrt_cmp)k, v, o);
	/* a constant operand decoded once, as the loader does (exec.c
	 * load_const), gives the same answer */
	if (operand && aslrt_cmp_operands[k] != ASLRT_OPND_PATH) {
		aslrt_time t;
		bool ts =
		    json_object_is_type(o, json_type_string) &&
		    strlen(json_object_get_string(o)) == (size_t)json_object_get_string_len(o) &&
		    aslrt_timestamp_parse(json_object_get_string(o), &t);
		ck_assert_msg(aslrt_cmp_apply_const((aslrt_cmp)k, v, o, ts ? &t : NULL) == r,
			      "%s %s %s: the decoded constant disagrees", var, op, operand);
	}
	if (var)
		json_object_put(v);
	if (operand)
		json_object_put(o);
	return r;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_recorded)
{
	const struct recorded *r = &recorded[_i];
	bool got = apply(r->op, r->var, r->operand);
	ck_assert_msg(got == r->match, "%s: %s %s %s: got %d, AWS %d", r->name, r->var, r->op,
		      r->operand, got, r->match);
}
END_TEST

START_TEST(test_tables)
{
	ck_assert_int_eq(ASLRT_CMP_COUNT, 39);
	ck_assert_str_eq(aslrt_cmp_names[ASLRT_CMP_StringEquals], "StringEquals");
	ck_assert_str_eq(aslrt_cmp_names[ASLRT_CMP_IsTimestamp], "IsTimestamp");
	ck_assert_int_eq(aslrt_cmp_operands[ASLRT_CMP_StringMatches], ASLRT_OPND_PAT);
	ck_assert_int_eq(aslrt_cmp_operands[ASLRT_CMP_NumericLessThan], ASLRT_OPND_NUM);
	ck_assert_int_eq(aslrt_cmp_operands[ASLRT_CMP_BooleanEquals], ASLRT_OPND_BOOL);
	ck_assert_int_eq(aslrt_cmp_operands[ASLRT_CMP_TimestampEquals], ASLRT_OPND_TS);
	ck_assert_int_eq(aslrt_cmp_operands[ASLRT_CMP_StringEqualsPath], ASLRT_OPND_PATH);
	ck_assert_int_eq(aslrt_cmp_operands[ASLRT_CMP_IsPresent], ASLRT_OPND_IS);

	int paths = 0;
	for (int i = 0; i < ASLRT_CMP_COUNT; i++) {
		const char *name = aslrt_cmp_names[i];
		ck_assert_ptr_nonnull(name);
		ck_assert_int_eq(aslrt_cmp_lookup(name), i);
		aslrt_cmp b = aslrt_cmp_base((aslrt_cmp)i);
		if (aslrt_cmp_operands[i] == ASLRT_OPND_PATH) {
			paths++;
			size_t n = strlen(aslrt_cmp_names[b]);
			ck_assert_int_ne(aslrt_cmp_operands[b], ASLRT_OPND_PATH);
			ck_assert_int_eq(strlen(name), n + 4);
			ck_assert(!strncmp(name, aslrt_cmp_names[b], n));
			ck_assert_str_eq(name + n, "Path");
		} else {
			ck_assert_int_eq(b, i);
		}
	}
	ck_assert_int_eq(paths, 16);
	ck_assert_int_eq(aslrt_cmp_base(ASLRT_CMP_TimestampLessThanEqualsPath),
			 ASLRT_CMP_TimestampLessThanEquals);
	ck_assert_int_eq(aslrt_cmp_lookup("StringMatchesPath"), -1);
	ck_assert_int_eq(aslrt_cmp_lookup("stringequals"), -1);
	ck_assert_int_eq(aslrt_cmp_lookup(""), -1);
	ck_assert_int_eq(aslrt_cmp_lookup("And"), -1);
	ck_assert_int_eq(aslrt_cmp_lookup(NULL), -1);
}
END_TEST

START_TEST(test_absent)
{
	/* Only IsPresent looks at an absent Variable; the rest are false and
	 * leave the error to the caller. */
	ck_assert(!apply("IsPresent", NULL, "true"));
	ck_assert(apply("IsPresent", NULL, "false"));
	ck_assert(apply("IsPresent", "null", "true"));
	ck_assert(!apply("IsPresent", "null", "false"));
	for (int i = 0; i < ASLRT_CMP_COUNT; i++) {
		if (i == ASLRT_CMP_IsPresent)
			continue;
		struct json_object *t = json_object_new_boolean(1), *f = json_object_new_boolean(0);
		ck_assert_msg(!aslrt_cmp_apply((aslrt_cmp)i, ASLRT_ABSENT, t), "%s",
			      aslrt_cmp_names[i]);
		ck_assert_msg(!aslrt_cmp_apply((aslrt_cmp)i, ASLRT_ABSENT, f), "%s",
			      aslrt_cmp_names[i]);
		json_object_put(t);
		json_object_put(f);
	}
	/* An operand path that selected nothing. */
	ck_assert(!apply("StringEqualsPath", "\"a\"", NULL));
	ck_assert(!apply("NumericLessThanEqualsPath", "1", NULL));
	ck_assert(!apply("IsNull", "null", NULL));
}
END_TEST

static const struct {
	const char *op, *var, *operand;
	bool match;
} cases[] = {
    /* Java String.compareTo: by UTF-16 code unit, no folding. */
    {"StringLessThan", "\"A\"", "\"AB\"", true},
    /* the ASCII prefix compared bytewise, then decoding from the first non-ASCII byte */
    {"StringEquals", "\"chargeback\"", "\"chargeback\"", true},
    {"StringEquals", "\"chargeback\"", "\"chargebacks\"", false},
    {"StringGreaterThan", "\"N\"", "\"M\"", true},
    {"StringGreaterThan", "\"DE\"", "\"M\"", false},
    {"StringLessThanEquals", "\"EUR\"", "\"GBP\"", true},
    {"StringLessThanEquals", "\"GBP\"", "\"GBP\"", true},
    {"StringGreaterThan", "\"ab\\u00e9\"", "\"abz\"", true},
    {"StringLessThan", "\"ab\"", "\"ab\\u00e9\"", true},
    {"StringGreaterThan", "\"ab\\u00e9\"", "\"ab\"", true},
    {"StringEquals", "\"ab\\u00e9\"", "\"ab\\u00e9\"", true},
    {"StringLessThan", "\"a\\u00e9b\"", "\"a\\u00e9c\"", true},
    {"StringGreaterThan", "\"x\\uff61\"", "\"x\\ud83d\\ude00\"", true},
    {"StringLessThan", "\"AB\"", "\"A\"", false},
    {"StringLessThan", "\"B\"", "\"a\"", true},
    {"StringLessThan", "\"\"", "\"\\u0000\"", true},
    {"StringEquals", "\"a\\u0000b\"", "\"a\\u0000b\"", true},
    {"StringEquals", "\"a\\u0000b\"", "\"a\\u0000c\"", false},
    {"StringEquals", "\"\\u00e9\"", "\"e\\u0301\"", false},
    {"StringEquals", "\"caf\\u00e9\"", "\"caf\u00e9\"", true},
    {"StringLessThan", "\"\\u00ff\"", "\"\\u0100\"", true},
    {"StringLessThan", "\"\\u07ff\"", "\"\\u0800\"", true},
    /* U+FF61 is one unit 0xFF61; U+1F600 is 0xD83D 0xDE00, so it sorts first
     * although its code point is larger. */
    {"StringLessThan", "\"\\ud83d\\ude00\"", "\"\\uff61\"", true},
    {"StringGreaterThan", "\"\\uff61\"", "\"\\ud83d\\ude00\"", true},
    {"StringLessThan", "\"\\ud7ff\"", "\"\\ud83d\\ude00\"", true},
    {"StringLessThan", "\"\\ud83d\\ude00\"", "\"\\ud83d\\ude01\"", true},
    {"StringLessThan", "\"\\ud83d\\ude00\"", "\"\\ud83e\\udd00\"", true},
    {"StringLessThan", "\"x\\ud83d\\ude00\"", "\"x\\ue000\"", true},
    {"StringGreaterThanEquals", "\"\\ud83d\\ude00\"", "\"\\ud83d\\ude00\"", true},
    {"StringLessThanEquals", "\"\\ud83d\\ude00a\"", "\"\\ud83d\\ude00\"", false},
    {"StringEqualsPath", "\"x\"", "\"x\"", true},
    {"StringEquals", "\"1\"", "1", false},
    {"StringEquals", "\"null\"", "null", false},

    /* Numbers by value; integers exactly. */
    {"NumericEquals", "1", "1.0", true},
    {"NumericEquals", "-0.0", "0", true},
    {"NumericEquals", "1e2", "100", true},
    {"NumericLessThan", "-1", "0", true},
    {"NumericLessThan", "-2.5", "-2", true},
    {"NumericGreaterThan", "1.0000001", "1", true},
    {"NumericEquals", "9007199254740993", "9007199254740992", false},
    {"NumericGreaterThan", "9007199254740993", "9007199254740992", true},
    {"NumericLessThan", "-9223372036854775808", "9223372036854775807", true},
    {"NumericGreaterThan", "18446744073709551615", "9223372036854775807", true},
    {"NumericLessThan", "-1", "18446744073709551615", true},
    {"NumericEquals", "18446744073709551615", "18446744073709551615", true},
    /* int64 compared directly below INT64_MAX; at or above it, as uint64 */
    {"NumericLessThan", "9223372036854775806", "9223372036854775807", true},
    {"NumericEquals", "9223372036854775807", "9223372036854775807", true},
    {"NumericLessThan", "9223372036854775807", "9223372036854775808", true},
    {"NumericGreaterThan", "9223372036854775808", "9223372036854775807", true},
    {"NumericEquals", "9223372036854775808", "9223372036854775808", true},
    {"NumericLessThanEquals", "9223372036854775806", "18446744073709551615", true},
    {"NumericGreaterThanEquals", "0", "-9223372036854775808", true},
    {"NumericEquals", "100000", "100000", true},
    {"NumericLessThanPath", "99999", "100000", true},
    {"NumericEqualsPath", "16", "16.0", true},
    {"NumericEquals", "null", "0", false},
    {"NumericEquals", "0", "null", false},
    {"NumericLessThan", "[1]", "2", false},
    {"NumericEquals", "\"1\"", "1", false},
    {"NumericEquals", "true", "1", false},
    {"NumericGreaterThanEqualsPath", "2", "1.5", true},
    {"NumericLessThanEqualsPath", "2", "\"3\"", false},

    /* Booleans only match booleans. */
    {"BooleanEquals", "false", "false", true},
    {"BooleanEquals", "true", "false", false},
    {"BooleanEquals", "\"true\"", "true", false},
    {"BooleanEquals", "1", "true", false},
    {"BooleanEqualsPath", "false", "false", true},
    {"BooleanEqualsPath", "false", "\"false\"", false},

    /* Timestamps as instants. */
    {"TimestampEquals", "\"2012-10-09T20:00:55+01:00\"", "\"2012-10-09T19:00:55Z\"", true},
    {"TimestampEquals", "\"2012-10-09T14:30:55-04:30\"", "\"2012-10-09T19:00:55Z\"", true},
    {"TimestampEquals", "\"2012-10-09T19:00:55-00:00\"", "\"2012-10-09T19:00:55+00:00\"", true},
    {"TimestampEquals", "\"2012-10-10T00:00:55+05:00\"", "\"2012-10-09T19:00:55Z\"", true},
    {"TimestampEquals", "\"2012-10-09T19:00:55.5Z\"", "\"2012-10-09T19:00:55.500000000Z\"", true},
    {"TimestampEquals", "\"2012-10-09T19:00:55.0Z\"", "\"2012-10-09T19:00:55Z\"", true},
    {"TimestampLessThan", "\"2012-10-09T19:00:55Z\"", "\"2012-10-09T19:00:55.000000001Z\"", true},
    {"TimestampGreaterThan", "\"2012-10-09T19:00:55.1Z\"", "\"2012-10-09T19:00:55.09Z\"", true},
    {"TimestampGreaterThan", "\"2012-10-09T19:00:56+00:01\"", "\"2012-10-09T19:00:55Z\"", false},
    {"TimestampLessThan", "\"1969-12-31T23:59:59Z\"", "\"1970-01-01T00:00:00Z\"", true},
    {"TimestampLessThan", "\"0001-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59.999999999Z\"", true},
    {"TimestampGreaterThanEquals", "\"2024-03-01T00:00:00Z\"", "\"2024-02-29T23:59:59.999Z\"",
     true},
    {"TimestampLessThanEquals", "\"2012-10-09T19:00:55Z\"", "\"2012-10-09T19:00:55Z\"", true},
    {"TimestampEquals", "\"2012-10-09T19:00:55z\"", "\"2012-10-09T19:00:55Z\"", false},
    {"TimestampEquals", "\"2012-10-09t19:00:55Z\"", "\"2012-10-09T19:00:55Z\"", false},
    {"TimestampEquals", "\"2012-10-09T19:00:55\"", "\"2012-10-09T19:00:55\"", false},
    {"TimestampEquals", "\"2012-10-09\"", "\"2012-10-09\"", false},
    {"TimestampEqualsPath", "\"2012-10-09T19:00:55Z\"", "\"2012-10-09T19:00:55.000Z\"", true},
    {"TimestampEqualsPath", "\"2012-10-09T19:00:55Z\"", "\"x\"", false},
    {"TimestampEqualsPath", "\"2012-10-09T19:00:55Z\"", "1349809255", false},

    /* StringMatches. */
    {"StringMatches", "\"foo23.log\"", "\"foo*.log\"", true},
    {"StringMatches", "\"zebra.log\"", "\"*.log\"", true},
    {"StringMatches", "\"foobar.zebra\"", "\"foo*.*\"", true},
    {"StringMatches", "\"foo.log.txt\"", "\"*.log\"", false},
    {"StringMatches", "\"a*b\"", "\"a\\\\*b\"", true},
    {"StringMatches", "\"axb\"", "\"a\\\\*b\"", false},
    {"StringMatches", "\"a\\\\b\"", "\"a\\\\\\\\b\"", true},
    {"StringMatches", "\"a\\\\b\"", "\"a\\\\b\"", false},
    {"StringMatches", "\"ab\"", "\"a\\\\b\"", true},
    {"StringMatches", "\"abc\"", "\"abc\\\\\"", false},
    {"StringMatches", "\"abc\"", "\"*\\\\\"", false},
    {"StringMatches", "\"\"", "\"*\"", true},
    {"StringMatches", "\"\"", "\"\"", true},
    {"StringMatches", "\"a\"", "\"\"", false},
    {"StringMatches", "\"\\u00e9t\\u00e9\"", "\"*t*\"", true},
    {"StringMatches", "\"\\ud83d\\ude00!\"", "\"\\ud83d\\ude00*\"", true},
    {"StringMatches", "\"a\\u0000b\"", "\"a*b\"", true},
    {"StringMatches", "\"a\\u0000b\"", "\"a\\u0000*\"", true},
    {"StringMatches", "\"a\\u0000b\"", "\"a\"", false},
    {"StringMatches", "\"ABC\"", "\"abc\"", false},
    {"StringMatches", "1", "\"*\"", false},
    {"StringMatches", "null", "\"*\"", false},
    {"StringMatches", "[\"x\"]", "\"*\"", false},

    /* Is... operators. */
    {"IsNull", "null", "true", true},
    {"IsNull", "null", "false", false},
    {"IsNull", "\"null\"", "true", false},
    {"IsNumeric", "-1.5e300", "true", true},
    {"IsNumeric", "\"1\"", "false", true},
    {"IsString", "\"\"", "true", true},
    {"IsBoolean", "true", "true", true},
    {"IsBoolean", "false", "false", false},
    {"IsTimestamp", "\"2012-10-09T19:00:55Z\"", "true", true},
    {"IsTimestamp", "\"2012-10-09T19:00:55+01:00\"", "true", true},
    {"IsTimestamp", "\"2012-10-09T19:00:55.832957Z\"", "true", true},
    {"IsTimestamp", "\"2012-10-09T19:00:55Z\"", "false", false},
    {"IsTimestamp", "\"2023-02-24\"", "true", false},
    {"IsTimestamp", "\"2023-02-24\"", "false", true},
    {"IsTimestamp", "\"2012-10-09T19:00:55\"", "true", false},
    {"IsTimestamp", "\"2023-02-24 12:15:56.832957\"", "true", false},
    {"IsTimestamp", "\"2012-10-09t19:00:55z\"", "true", false},
    {"IsTimestamp", "\"HelloWorld\"", "false", true},
    {"IsTimestamp", "\"\"", "true", false},
    {"IsTimestamp", "1349809255", "true", false},
    {"IsTimestamp", "1349809255", "false", true},
    {"IsTimestamp", "null", "false", true},
    {"IsTimestamp", "{}", "false", true},
    {"IsTimestamp", "\"2012-10-09T19:00:55Z\\u0000\"", "true", false},
    /* An Is... operand must be a boolean. */
    {"IsNull", "null", "\"true\"", false},
    {"IsNull", "null", "null", false},
    {"IsPresent", "1", "1", false},
};

START_TEST(test_cases)
{
	for (size_t i = 0; i < N(cases); i++)
		ck_assert_msg(apply(cases[i].op, cases[i].var, cases[i].operand) == cases[i].match,
			      "%s %s %s: expected %d", cases[i].var, cases[i].op, cases[i].operand,
			      cases[i].match);
}
END_TEST

static const struct {
	const char *text;
	bool ok;
	int64_t sec;
	int32_t nsec;
} stamps[] = {
    {"1970-01-01T00:00:00Z", true, 0, 0},
    {"2012-10-09T19:00:55Z", true, 1349809255, 0},
    {"2016-03-14T01:59:00Z", true, 1457920740, 0},
    {"2012-10-09T19:00:55.832957Z", true, 1349809255, 832957000},
    {"2012-10-09T19:00:55.1Z", true, 1349809255, 100000000},
    {"2012-10-09T19:00:55.123456789Z", true, 1349809255, 123456789},
    {"2012-10-09T19:00:55.000000Z", true, 1349809255, 0},
    {"2012-10-09T20:00:55+01:00", true, 1349809255, 0},
    {"2012-10-09T18:00:55-01:00", true, 1349809255, 0},
    {"2012-10-09T19:00:55.5+18:00", true, 1349809255 - 18 * 3600, 500000000},
    {"2012-10-09T19:00:55-18:00", true, 1349809255 + 18 * 3600, 0},
    {"1969-12-31T23:59:59.999999999Z", true, -1, 999999999},
    {"0000-01-01T00:00:00Z", true, -62167219200, 0},
    {"9999-12-31T23:59:59Z", true, 253402300799, 0},
    {"2024-02-29T00:00:00Z", true, 1709164800, 0},
    {"2000-02-29T00:00:00Z", true, 951782400, 0},
    {"2023-02-28T23:59:59Z", true, 1677628799, 0},
    {"2023-02-29T00:00:00Z", false, 0, 0},
    {"1900-02-29T00:00:00Z", false, 0, 0},
    {"2023-04-31T00:00:00Z", false, 0, 0},
    {"2023-00-10T00:00:00Z", false, 0, 0},
    {"2023-13-10T00:00:00Z", false, 0, 0},
    {"2023-01-00T00:00:00Z", false, 0, 0},
    {"2023-01-32T00:00:00Z", false, 0, 0},
    {"2016-12-05T25:29:29Z", false, 0, 0},
    {"2016-12-05T24:00:00Z", false, 0, 0},
    {"2016-12-05T23:60:00Z", false, 0, 0},
    {"2016-12-05T23:59:60Z", false, 0, 0},
    {"2016-12-05T21:29:29", false, 0, 0},
    {"2016-12-05 21:29:29Z", false, 0, 0},
    {"05-12-2016T21:29:29Z", false, 0, 0},
    {"2016-12-05t21:29:29Z", false, 0, 0},
    {"2016-12-05T21:29:29z", false, 0, 0},
    {"2016-12-05T21:29Z", false, 0, 0},
    {"2016-12-05T21:29:29.Z", false, 0, 0},
    {"2016-12-05T21:29:29.1234567890Z", false, 0, 0},
    {"2016-12-05T21:29:29.000000", false, 0, 0},
    {"2016-12-05T21:29:29+01", false, 0, 0},
    {"2016-12-05T21:29:29+0100", false, 0, 0},
    {"2016-12-05T21:29:29+01:0", false, 0, 0},
    {"2016-12-05T21:29:29+01:00:00", false, 0, 0},
    {"2016-12-05T21:29:29+18:01", false, 0, 0},
    {"2016-12-05T21:29:29+01:60", false, 0, 0},
    {"2016-12-05T21:29:29+", false, 0, 0},
    {"2016-12-05T21:29:29+1", false, 0, 0},
    {"2016-12-05T21:29:29ZZ", false, 0, 0},
    {"2016-12-05T21:29:29Z ", false, 0, 0},
    {" 2016-12-05T21:29:29Z", false, 0, 0},
    {"+2016-12-05T21:29:29Z", false, 0, 0},
    {"16-12-05T21:29:29Z", false, 0, 0},
    {"2016-1-05T21:29:29Z", false, 0, 0},
    {"2016-12-05T21:29:2Z", false, 0, 0},
    {"2016-12-05", false, 0, 0},
    {"2023-02-24 12:15:56.832957", false, 0, 0},
    {"", false, 0, 0},
    {"HelloWorld", false, 0, 0},
};

START_TEST(test_timestamp_parse)
{
	for (size_t i = 0; i < N(stamps); i++) {
		aslrt_time t = {-7, -7};
		bool ok = aslrt_timestamp_parse(stamps[i].text, &t);
		ck_assert_msg(ok == stamps[i].ok, "%s: parsed %d", stamps[i].text, ok);
		ck_assert(aslrt_timestamp_parse(stamps[i].text, NULL) == ok);
		if (!ok)
			continue;
		ck_assert_msg(t.sec == stamps[i].sec && t.nsec == stamps[i].nsec,
			      "%s: %lld.%09d, expected %lld.%09d", stamps[i].text, (long long)t.sec,
			      (int)t.nsec, (long long)stamps[i].sec, (int)stamps[i].nsec);
	}
	ck_assert(!aslrt_timestamp_parse(NULL, NULL));
}
END_TEST

START_TEST(test_string_matches)
{
	ck_assert(aslrt_string_matches("foo23.log", "foo*.log"));
	ck_assert(aslrt_string_matches("foo.log", "foo*.log"));
	ck_assert(!aslrt_string_matches("fo.log", "foo*.log"));
	ck_assert(aslrt_string_matches("zebra.log", "*.log"));
	ck_assert(aslrt_string_matches("foobar.zebra", "foo*.*"));
	ck_assert(!aslrt_string_matches("foobarzebra", "foo*.*"));
	ck_assert(aslrt_string_matches("abc", "abc"));
	ck_assert(!aslrt_string_matches("abc", "ab"));
	ck_assert(!aslrt_string_matches("ab", "abc"));
	ck_assert(!aslrt_string_matches("xabc", "abc"));
	ck_assert(aslrt_string_matches("xabc", "*abc"));
	ck_assert(aslrt_string_matches("abcabc", "*abc"));
	ck_assert(aslrt_string_matches("abcabcx", "*abc*"));
	ck_assert(aslrt_string_matches("aXbXc", "a*b*c"));
	ck_assert(!aslrt_string_matches("aXbXd", "a*b*c"));
	ck_assert(aslrt_string_matches("aaaa", "a**a"));
	ck_assert(aslrt_string_matches("a", "a**"));
	ck_assert(aslrt_string_matches("mississippi", "*sip*"));
	ck_assert(aslrt_string_matches("mississippi", "m*iss*ppi"));
	ck_assert(!aslrt_string_matches("mississippi", "m*iss*ppix"));
	ck_assert(aslrt_string_matches("", ""));
	ck_assert(aslrt_string_matches("", "**"));
	ck_assert(!aslrt_string_matches("", "a"));
	ck_assert(!aslrt_string_matches("", "\\*"));
	/* Escapes (C text; in JSON "\\*" and "\\\\"). */
	ck_assert(aslrt_string_matches("*", "\\*"));
	ck_assert(!aslrt_string_matches("x", "\\*"));
	ck_assert(aslrt_string_matches("log*.txt", "log\\*.*"));
	ck_assert(!aslrt_string_matches("log1.txt", "log\\*.*"));
	ck_assert(aslrt_string_matches("a\\b", "a\\\\b"));
	ck_assert(aslrt_string_matches("a\\xyz", "a\\\\*"));
	ck_assert(!aslrt_string_matches("ab", "a\\\\b"));
	ck_assert(aslrt_string_matches("\\*", "\\\\\\*"));
	ck_assert(aslrt_string_matches("ab", "a\\b"));
	/* Malformed patterns match nothing. */
	ck_assert(!aslrt_string_matches("a\\", "a\\"));
	ck_assert(!aslrt_string_matches("a", "*\\"));
	ck_assert(!aslrt_string_matches(NULL, "*"));
	ck_assert(!aslrt_string_matches("a", NULL));
	/* Long run of stars stays linear enough. */
	char s[2001];
	memset(s, 'a', 2000);
	s[2000] = 0;
	ck_assert(!aslrt_string_matches(s, "*a*a*a*a*a*a*a*a*b"));
	ck_assert(aslrt_string_matches(s, "*a*a*a*a*a*a*a*a*"));
}
END_TEST

START_TEST(test_pattern_valid)
{
	ck_assert(aslrt_pattern_valid(""));
	ck_assert(aslrt_pattern_valid("*"));
	ck_assert(aslrt_pattern_valid("foo*.log"));
	ck_assert(aslrt_pattern_valid("\\*"));
	ck_assert(aslrt_pattern_valid("\\\\"));
	ck_assert(aslrt_pattern_valid("a\\\\\\*b"));
	ck_assert(aslrt_pattern_valid("a\\b"));
	ck_assert(!aslrt_pattern_valid("\\"));
	ck_assert(!aslrt_pattern_valid("abc\\"));
	ck_assert(!aslrt_pattern_valid("\\\\\\"));
	ck_assert(!aslrt_pattern_valid(NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("choice");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_recorded, 0, (int)N(recorded));
	tcase_add_test(tc, test_tables);
	tcase_add_test(tc, test_absent);
	tcase_add_test(tc, test_cases);
	tcase_add_test(tc, test_timestamp_parse);
	tcase_add_test(tc, test_string_matches);
	tcase_add_test(tc, test_pattern_valid);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

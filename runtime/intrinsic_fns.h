/*
 * intrinsic_fns.h - the intrinsic functions of JSONPath states, one X-macro
 * list and the one place a function is declared:
 *
 *   X(id, name, min args, max args or -1, implementation, result, kinds of
 *     arguments 1..3)
 *
 * The runtime (intrinsic.c) takes the name, the arity range and the
 * implementation; the checker's type inference (compiler/types.c) takes the
 * result and argument kinds.  Argument kinds: ANY, STR, NUM, ARR, OBJ, BOOL.
 * Results: STR, BOOL, INT, OBJ (an object with unknown fields), TOP
 * (unknown), INTS (array of integers), STRS (array of strings), ARRAY (array
 * of the arguments), ELEM (an element of argument 1), SAME (argument 1's
 * array type), PARTS (array of arrays of argument 1's elements).
 */
X(FORMAT, "States.Format", 1, -1, fn_format, STR, STR, ANY, ANY)
X(STRING_TO_JSON, "States.StringToJson", 1, 1, fn_string_to_json, TOP, STR, ANY, ANY)
X(JSON_TO_STRING, "States.JsonToString", 1, 1, fn_json_to_string, STR, ANY, ANY, ANY)
X(ARRAY, "States.Array", 0, -1, fn_array, ARRAY, ANY, ANY, ANY)
X(ARRAY_PARTITION, "States.ArrayPartition", 2, 2, fn_array_partition, PARTS, ARR, NUM, ANY)
X(ARRAY_CONTAINS, "States.ArrayContains", 2, 2, fn_array_contains, BOOL, ARR, ANY, ANY)
X(ARRAY_RANGE, "States.ArrayRange", 3, 3, fn_array_range, INTS, NUM, NUM, NUM)
X(ARRAY_GET_ITEM, "States.ArrayGetItem", 2, 2, fn_array_get_item, ELEM, ARR, NUM, ANY)
X(ARRAY_LENGTH, "States.ArrayLength", 1, 1, fn_array_length, INT, ARR, ANY, ANY)
X(ARRAY_UNIQUE, "States.ArrayUnique", 1, 1, fn_array_unique, SAME, ARR, ANY, ANY)
X(BASE64_ENCODE, "States.Base64Encode", 1, 1, fn_base64_encode, STR, STR, ANY, ANY)
X(BASE64_DECODE, "States.Base64Decode", 1, 1, fn_base64_decode, STR, STR, ANY, ANY)
X(HASH, "States.Hash", 2, 2, fn_hash, STR, ANY, STR, ANY)
X(JSON_MERGE, "States.JsonMerge", 3, 3, fn_json_merge, OBJ, OBJ, OBJ, BOOL)
X(MATH_RANDOM, "States.MathRandom", 2, 3, fn_math_random, INT, NUM, NUM, NUM)
X(MATH_ADD, "States.MathAdd", 2, 2, fn_math_add, INT, NUM, NUM, ANY)
X(STRING_SPLIT, "States.StringSplit", 2, 2, fn_string_split, STRS, STR, STR, ANY)
X(UUID, "States.UUID", 0, 0, fn_uuid, STR, ANY, ANY, ANY)

/* test_json.c - Check unit tests for runtime/json.c and runtime/error.c:
 * JSON printed as AWS prints it, strict parsing, equality by value. */
#include <errno.h>
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static char *roundtrip(const char *text)
{
	char why[ASLRT_ERRLEN];
	struct json_object *v = NULL;
	ck_assert_msg(aslrt_json_parse(text, strlen(text), &v, why, sizeof why) == 0, "%s: %s",
		      text, why);
	char *s = aslrt_json_dump(v);
	json_object_put(v);
	return s;
}

#define ROUNDTRIP(in, want)                                                                        \
	do {                                                                                       \
		char *got_ = roundtrip(in);                                                        \
		ck_assert_str_eq(got_, want);                                                      \
		free(got_);                                                                        \
	} while (0)

/* The key of obj's first entry, as the table holds it. */
static const char *first_key(struct json_object *obj)
{
	return (const char *)lh_entry_k(json_object_get_object(obj)->head);
}

/* Short keys are shared between objects (and parses), long ones copied per
 * object; both behave as keys: looked up, replaced by a twin, deleted. */
START_TEST(test_parse_shared_keys)
{
	char why[ASLRT_ERRLEN];
	const char *text = "[{\"id\":1,\"tier\":\"gold\"},{\"id\":2,\"id\":3},"
			   "{\"k012345678901234567890123456789012345678901234567\":4},"
			   "{\"k012345678901234567890123456789012345678901234567\":5}]";
	struct json_object *a = NULL, *b = NULL, *v;
	ck_assert_int_eq(aslrt_json_parse(text, strlen(text), &a, why, sizeof why), 0);
	ck_assert_int_eq(aslrt_json_parse("{\"id\":9}", 8, &b, why, sizeof why), 0);
	struct json_object *o0 = json_object_array_get_idx(a, 0);
	struct json_object *o1 = json_object_array_get_idx(a, 1);
	ck_assert_ptr_eq(first_key(o0), first_key(o1));
	ck_assert_ptr_eq(first_key(o0), first_key(b));
	ck_assert(lh_entry_k_is_constant(json_object_get_object(o0)->head));
	/* a twin key replaces the value, as before */
	ck_assert_int_eq(json_object_object_length(o1), 1);
	ck_assert(json_object_object_get_ex(o1, "id", &v));
	ck_assert_int_eq(json_object_get_int(v), 3);
	/* 49 bytes: past KEY_MAX_LEN, a copy of its own */
	struct json_object *l0 = json_object_array_get_idx(a, 2);
	struct json_object *l1 = json_object_array_get_idx(a, 3);
	ck_assert_ptr_ne(first_key(l0), first_key(l1));
	ck_assert_str_eq(first_key(l0), first_key(l1));
	ck_assert(!lh_entry_k_is_constant(json_object_get_object(l0)->head));
	json_object_object_del(o0, "id");
	ck_assert(!json_object_object_get_ex(o0, "id", NULL));
	ck_assert(json_object_object_get_ex(b, "id", &v));
	ck_assert_int_eq(json_object_get_int(v), 9);
	char *s = aslrt_json_dump(a);
	ck_assert_str_eq(s, "[{\"tier\":\"gold\"},{\"id\":3},"
			    "{\"k012345678901234567890123456789012345678901234567\":4},"
			    "{\"k012345678901234567890123456789012345678901234567\":5}]");
	free(s);
	json_object_put(a);
	json_object_put(b);
}
END_TEST

START_TEST(test_print_compact)
{
	ROUNDTRIP("{ \"a\" : [ 1, 2 ], \"b\" : { } }", "{\"a\":[1,2],\"b\":{}}");
	ROUNDTRIP("[]", "[]");
	ROUNDTRIP("  null ", "null");
	ROUNDTRIP("true", "true");
	ROUNDTRIP("\"x\"", "\"x\"");
	/* key order is kept */
	ROUNDTRIP("{\"z\":1,\"a\":2,\"m\":3}", "{\"z\":1,\"a\":2,\"m\":3}");
}
END_TEST

START_TEST(test_print_strings)
{
	ROUNDTRIP("\"a/b\"", "\"a/b\""); /* no \/ */
	ROUNDTRIP("\"q\\\"b\\\\\"", "\"q\\\"b\\\\\"");
	ROUNDTRIP("\"\\n\\r\\t\\b\\f\"", "\"\\n\\r\\t\\b\\f\"");
	ROUNDTRIP("\"\\u0001\\u001f\"", "\"\\u0001\\u001f\"");
	ROUNDTRIP("\"\\u00e9\\u65e5\"", "\"\xc3\xa9\xe6\x97\xa5\""); /* raw UTF-8 out */
	ROUNDTRIP("\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"");
	/* text before, between and after escapes; escapes in keys; a DEL and a
	 * NUL in a value */
	ROUNDTRIP("[\"plain\",\"ab\\ncd\\\"ef\",\"\\t\",\"x\\u0041\",\"\"]",
		  "[\"plain\",\"ab\\ncd\\\"ef\",\"\\t\",\"xA\",\"\"]");
	ROUNDTRIP("{\"k\\\"q\":1,\"k\\u0041\":2,\"kA\":3,\"\":4}",
		  "{\"k\\\"q\":1,\"kA\":3,\"\":4}");
	ROUNDTRIP("\"a\x7f\\u0000b\"", "\"a\x7f\\u0000b\"");
}
END_TEST

START_TEST(test_print_numbers)
{
	/* parsed numbers keep their source text */
	ROUNDTRIP("1.0", "1.0");
	ROUNDTRIP("1.50", "1.50");
	ROUNDTRIP("1e2", "1e2");
	ROUNDTRIP("-0", "0");
	ROUNDTRIP("9223372036854775807", "9223372036854775807");
	ROUNDTRIP("18446744073709551615", "18446744073709551615");
	/* beyond 64 bits: kept as written, never clamped */
	ROUNDTRIP("18446744073709551616", "18446744073709551616");
	ROUNDTRIP("-9223372036854775809", "-9223372036854775809");
	ROUNDTRIP("{\"a\":[1,123456789012345678901234567890,\"9999999999999999999999\"],"
		  "\"b\":-99999999999999999999,\"c\":9223372036854775807}",
		  "{\"a\":[1,123456789012345678901234567890,\"9999999999999999999999\"],"
		  "\"b\":-99999999999999999999,\"c\":9223372036854775807}");
	/* computed doubles: shortest form that reads back, integral ones plain */
	struct json_object *d = json_object_new_double(0.1);
	char *s = aslrt_json_dump(d);
	ck_assert_str_eq(s, "0.1");
	free(s);
	json_object_set_double(d, 3.0);
	s = aslrt_json_dump(d);
	ck_assert_str_eq(s, "3");
	free(s);
	json_object_set_double(d, 1.0 / 3);
	s = aslrt_json_dump(d);
	ck_assert_str_eq(s, "0.3333333333333333");
	free(s);
	json_object_set_double(d, NAN);
	s = aslrt_json_dump(d);
	ck_assert_str_eq(s, "null");
	free(s);
	json_object_put(d);
}
END_TEST

START_TEST(test_parse_errors)
{
	static const char *bad[] = {"",
				    "   ",
				    "{",
				    "{\"a\":1,}",
				    "[1,]",
				    "01",
				    "True",
				    "{\"a\":1} x",
				    "not json",
				    "\"\\x\"",
				    "\"\xff\"",
				    "[1] [2]",
				    "{'a':1}",
				    "[NaN]",
				    "[-Infinity]",
				    "[1] // c",
				    "\"\xc0\xaf\"",
				    "\"\xed\xa0\x80\"",
				    "\"\\ud800\"",
				    "{\"a\\u0000b\":1}"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char why[ASLRT_ERRLEN] = "";
		struct json_object *v = NULL;
		ck_assert_msg(aslrt_json_parse(bad[i], strlen(bad[i]), &v, why, sizeof why) == -1,
			      "accepted %s", bad[i]);
		ck_assert_msg(why[0] != 0, "no message for %s", bad[i]);
	}
}
END_TEST

START_TEST(test_parse_scalars)
{
	ROUNDTRIP("42", "42");
	ROUNDTRIP("-7.25", "-7.25");
	ROUNDTRIP("false\n", "false");
}
END_TEST

static struct json_object *parse(const char *s)
{
	char why[ASLRT_ERRLEN];
	struct json_object *v = NULL;
	ck_assert_int_eq(aslrt_json_parse(s, strlen(s), &v, why, sizeof why), 0);
	return v;
}

START_TEST(test_equal)
{
	static const struct {
		const char *a, *b;
		bool eq;
	} cases[] = {
	    {"1", "1.0", true},
	    {"0", "-0.0", true},
	    {"1", "true", false},
	    {"0", "false", false},
	    {"null", "null", true},
	    {"\"a\"", "\"a\"", true},
	    {"[1,[2]]", "[1,[2.0]]", true},
	    {"[1,2]", "[2,1]", false},
	    {"{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}", true},
	    {"{\"a\":1}", "{\"a\":1,\"b\":2}", false},
	    {"{}", "[]", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct json_object *a = parse(cases[i].a), *b = parse(cases[i].b);
		ck_assert_msg(aslrt_json_equal(a, b) == cases[i].eq, "%s vs %s", cases[i].a,
			      cases[i].b);
		json_object_put(a);
		json_object_put(b);
	}
}
END_TEST

START_TEST(test_copy_is_deep)
{
	struct json_object *a = parse("{\"x\":[1,{\"y\":2}]}"), *b = aslrt_json_copy(a);
	json_object_object_add(a, "z", json_object_new_int(3));
	char *s = aslrt_json_dump(b);
	ck_assert_str_eq(s, "{\"x\":[1,{\"y\":2}]}");
	free(s);
	ck_assert_ptr_null(aslrt_json_copy(NULL));
	json_object_put(a);
	json_object_put(b);
}
END_TEST

/* One reference only: json-c's private count, read once its layout is proved. */
START_TEST(test_unique)
{
	struct json_object *o = parse("{\"x\":[1]}"), *x = json_object_object_get(o, "x");
	ck_assert(aslrt_json_unique(o));
	ck_assert(aslrt_json_unique(x)); /* held by o alone */
	json_object_get(o);
	ck_assert(!aslrt_json_unique(o));
	ck_assert(aslrt_json_unique(x)); /* still o's alone: o is shared as a whole */
	json_object_put(o);
	struct json_object *c = aslrt_json_shallow_copy(o);
	ck_assert(!aslrt_json_unique(x)); /* in o and in its copy */
	json_object_put(c);
	ck_assert(aslrt_json_unique(x));
	/* scalars and null are never changed in place */
	struct json_object *n = json_object_new_int(1);
	ck_assert(!aslrt_json_unique(n));
	ck_assert(!aslrt_json_unique(NULL));
	json_object_put(n);
	ck_assert_int_eq(json_object_put(o), 1);
}
END_TEST

/* The walks keep their own stack: a value deeper than the limit is printed,
 * measured, copied and compared without recursion, and the limit check
 * stops early. */
START_TEST(test_deep_values)
{
	struct json_object *v = json_object_new_int(1), *w = json_object_new_int(1);
	for (int i = 0; i < 5000; i++) {
		struct json_object *a = json_object_new_array(), *b = json_object_new_array();
		json_object_array_add(a, v);
		json_object_array_add(b, w);
		v = a;
		w = b;
	}
	char *s = aslrt_json_dump(v);
	ck_assert_uint_eq(strlen(s), 10001);
	ck_assert_uint_eq(aslrt_json_size(v), 10001);
	struct json_object *c = aslrt_json_copy(v);
	ck_assert(aslrt_json_equal(v, c));
	ck_assert(aslrt_json_equal(v, w));
	ck_assert_int_eq(aslrt_json_check_limits(v, 0, NULL), 2);
	ck_assert_int_eq(aslrt_json_check_limits(v, 100, NULL), 1);
	char why[ASLRT_ERRLEN];
	struct json_object *back = NULL;
	ck_assert_int_eq(aslrt_json_parse(s, strlen(s), &back, why, sizeof why), -1);
	ck_assert(strstr(why, "nested deeper than 1000 levels") != NULL);
	free(s);
	json_object_put(v);
	json_object_put(w);
	json_object_put(c);
}
END_TEST

/* With no size limit only heights are measured; a sized check after one
 * measures the sizes then, exactly. */
START_TEST(test_limits_height_only)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "a", json_object_new_string("xyz")); /* {"a":"xyz"}: 11 */
	struct json_object *top = json_object_new_array();
	json_object_array_add(top, o); /* [{"a":"xyz"}]: 13 */
	ck_assert_int_eq(aslrt_json_check_limits(top, 0, NULL), 0);
	ck_assert_int_eq(aslrt_json_check_limits(top, 13, NULL), 0);
	ck_assert_int_eq(aslrt_json_check_limits(top, 12, NULL), 1);
	ck_assert_int_eq(aslrt_json_check_limits(o, 10, NULL), 1);
	ck_assert_int_eq(aslrt_json_check_limits(o, 11, NULL), 0);
	ck_assert_int_eq(aslrt_json_check_limits(top, 0, NULL), 0); /* sized measures serve it */
	struct json_object *wrap = json_object_new_object();
	json_object_object_add(wrap, "t", json_object_get(top));
	ck_assert_int_eq(aslrt_json_check_limits(wrap, 0, NULL), 0);
	ck_assert_int_eq(aslrt_json_check_limits(wrap, 19, NULL), 0); /* {"t":[{"a":"xyz"}]} */
	ck_assert_int_eq(aslrt_json_check_limits(wrap, 18, NULL), 1);
	json_object_put(wrap);
	json_object_put(top);
}
END_TEST

/* A container over scalars and measured containers is measured from its
 * children's measures (measure_flat): exactly, sizes and heights. */
START_TEST(test_limits_flat)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "a", json_object_new_string("xyz"));
	ck_assert_int_eq(aslrt_json_check_limits(o, 11, NULL), 0); /* {"a":"xyz"}, measured */
	struct json_object *a = json_object_new_array();
	json_object_array_add(a, json_object_get(o));
	json_object_array_add(a, json_object_new_string("q"));
	json_object_array_add(a, json_object_new_int(1));
	ck_assert_int_eq(aslrt_json_check_limits(a, 19, NULL), 0); /* [{"a":"xyz"},"q",1] */
	ck_assert_int_eq(aslrt_json_check_limits(a, 18, NULL), 1);
	struct json_object *w = json_object_new_object();
	json_object_object_add(w, "k\"", json_object_get(a));
	json_object_object_add(w, "e", json_object_new_object());
	json_object_object_add(w, "n", NULL);
	ck_assert_int_eq(aslrt_json_check_limits(w, 0, NULL), 0);
	/* {"k\"":[{"a":"xyz"},"q",1],"e":{},"n":null}: the height-only measure
	 * of w is not a sized one */
	ck_assert_int_eq(aslrt_json_check_limits(w, 43, NULL), 0);
	ck_assert_int_eq(aslrt_json_check_limits(w, 42, NULL), 1);
	/* heights: an array over a measured 1000-level value is 1001 deep */
	struct json_object *v = json_object_new_int(0);
	for (int i = 0; i < 1000; i++) {
		struct json_object *b = json_object_new_array();
		json_object_array_add(b, v);
		v = b;
	}
	ck_assert_int_eq(aslrt_json_check_limits(v, 0, NULL), 0);
	struct json_object *top = json_object_new_array();
	json_object_array_add(top, json_object_new_int(1));
	json_object_array_add(top, v);
	ck_assert_int_eq(aslrt_json_check_limits(top, 0, NULL), 2);
	json_object_put(top);
	json_object_put(w);
	json_object_put(a);
	json_object_put(o);
}
END_TEST

/* A state exit measures only the containers it has not measured before:
 * a measured value wrapped in new ones is still checked exactly. */
START_TEST(test_limits_kept_measures)
{
	struct json_object *v = json_object_new_string("a\"b"); /* prints as 6 bytes */
	for (int i = 0; i < 999; i++) {
		struct json_object *a = json_object_new_array();
		json_object_array_add(a, v);
		v = a;
	}
	ck_assert_int_eq(aslrt_json_check_limits(v, 0, NULL), 0);
	ck_assert_int_eq(aslrt_json_check_limits(v, 2004, NULL), 0);
	ck_assert_int_eq(aslrt_json_check_limits(v, 2003, NULL), 1);
	/* 1000 levels still pass, 1001 do not */
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "k", v);
	ck_assert_int_eq(aslrt_json_check_limits(o, 0, NULL), 0);
	ck_assert_int_eq(aslrt_json_check_limits(o, 2010, NULL), 0); /* {"k":...} */
	ck_assert_int_eq(aslrt_json_check_limits(o, 2009, NULL), 1);
	struct json_object *top = json_object_new_array();
	json_object_array_add(top, json_object_new_int(-12));
	json_object_array_add(top, o);
	ck_assert_int_eq(aslrt_json_check_limits(top, 0, NULL), 2);
	ck_assert_int_eq(aslrt_json_check_limits(top, 0, NULL), 2); /* measured: same answer */
	ck_assert_int_eq(aslrt_json_check_limits(o, 0, NULL), 0);
	/* the measure is the printed size */
	struct json_object *w = json_object_new_object();
	json_object_object_add(w, "x\n", json_object_get(v));
	json_object_object_add(w, "y", json_object_new_double(0.5));
	json_object_object_add(w, "s\x01", json_object_new_string("a\"\\\n\x1f\t\xc3\xa9"));
	json_object_object_add(w, "n", json_object_new_int64(-1234567890123));
	json_object_object_add(w, "u", json_object_new_uint64(UINT64_MAX));
	json_object_object_add(w, "m", json_object_new_int64(INT64_MIN));
	json_object_object_add(w, "z", json_object_new_int64(0));
	json_object_object_add(w, "t", json_object_new_boolean(1));
	json_object_object_add(w, "f", json_object_new_boolean(0));
	json_object_object_add(w, "0", NULL);
	json_object_object_add(w, "e", json_object_new_double(1.5e300));
	ck_assert_int_eq(aslrt_json_check_limits(w, aslrt_json_size(w), NULL), 0);
	ck_assert_int_eq(aslrt_json_check_limits(w, aslrt_json_size(w) - 1, NULL), 1);
	json_object_put(w);
	json_object_put(top);
}
END_TEST

/* Numbers are built as parsed: no clamping, no match-back by order. */
START_TEST(test_numbers_exact)
{
	ROUNDTRIP("[18446744073709551615,18446744073709551616,-9223372036854775808,"
		  "-9223372036854775809,1.0,1E2,-0]",
		  "[18446744073709551615,18446744073709551616,-9223372036854775808,"
		  "-9223372036854775809,1.0,1E2,0]");
	struct json_object *a = parse("[99999999999999999999]"), *c = aslrt_json_copy(a);
	char *s = aslrt_json_dump(c);
	ck_assert_str_eq(s, "[99999999999999999999]");
	free(s);
	json_object_put(a);
	json_object_put(c);
}
END_TEST

/* Keys hashed once (runtime/key.c): a look-up through the precomputed hash
 * finds json_object_object_get_ex's entry, for the empty key, UTF-8 keys and
 * keys of an object grown past json-c's default table. */
static const char *const KEYS[] = {"",	  "a",	 "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
				   "a b", "a.$", "$",		"\xf0\x9f\x98\x80"};

START_TEST(test_key_hash_lookup)
{
	struct json_object *o = json_object_new_object();
	char name[16];
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "k%d", i);
		json_object_object_add(o, name, json_object_new_int(i));
	}
	for (size_t i = 0; i < sizeof KEYS / sizeof *KEYS; i++)
		json_object_object_add(o, KEYS[i], json_object_new_int(100 + (int)i));
	for (size_t i = 0; i < sizeof KEYS / sizeof *KEYS; i++) {
		struct json_object *want = NULL, *got = NULL;
		ck_assert(json_object_object_get_ex(o, KEYS[i], &want));
		ck_assert(aslrt_key_get(o, KEYS[i], aslrt_key_hash(KEYS[i]), &got));
		ck_assert_ptr_eq(got, want);
		ck_assert_int_eq(json_object_get_int(got), 100 + (int)i);
	}
	ck_assert(aslrt_key_get(o, "k39", aslrt_key_hash("k39"), NULL));
	ck_assert(!aslrt_key_get(o, "k40", aslrt_key_hash("k40"), NULL));
	ck_assert(!aslrt_key_get(o, "A", aslrt_key_hash("A"), NULL));
	/* not an object: nothing found */
	struct json_object *arr = json_object_new_array(), *str = json_object_new_string("a");
	ck_assert(!aslrt_key_get(arr, "a", aslrt_key_hash("a"), NULL));
	ck_assert(!aslrt_key_get(str, "a", aslrt_key_hash("a"), NULL));
	ck_assert(!aslrt_key_get(NULL, "a", aslrt_key_hash("a"), NULL));
	/* the same hash as the table's own */
	ck_assert_uint_eq(aslrt_key_hash("a"), lh_get_hash(json_object_get_object(o), "a"));
	json_object_put(arr);
	json_object_put(str);
	json_object_put(o);
}
END_TEST

/* Objects built with hashed keys print as json-c's own adds would: same order,
 * a replaced value keeping its key's place, sized objects never growing. */
/* aslrt_key_get probes as json-c does: past deleted slots, to an empty one,
 * with keys that share a first byte, the empty key, a constant key's pointer. */
START_TEST(test_key_get_probe)
{
	static const char K_CONST[] = "k17";
	struct json_object *o = json_object_new_object();
	char name[16];
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof name, "k%d", i);
		if (i == 17)
			aslrt_key_add_new(o, K_CONST, aslrt_key_hash(K_CONST),
					  json_object_new_int(i));
		else
			json_object_object_add(o, name, json_object_new_int(i));
	}
	json_object_object_add(o, "", json_object_new_int(-1));
	for (int i = 0; i < 60; i += 3) { /* leaves LH_FREED slots in the probe chains */
		snprintf(name, sizeof name, "k%d", i);
		json_object_object_del(o, name);
	}
	for (int i = 0; i < 61; i++) {
		snprintf(name, sizeof name, "k%d", i);
		struct json_object *got = NULL;
		bool found = aslrt_key_get(o, name, aslrt_key_hash(name), &got);
		ck_assert_int_eq(found, i < 60 && i % 3 != 0);
		if (found)
			ck_assert_int_eq(json_object_get_int(got), i);
	}
	struct json_object *got = NULL;
	ck_assert(aslrt_key_get(o, K_CONST, aslrt_key_hash(K_CONST), &got));
	ck_assert_int_eq(json_object_get_int(got), 17);
	ck_assert(aslrt_key_get(o, "", aslrt_key_hash(""), &got));
	ck_assert_int_eq(json_object_get_int(got), -1);
	ck_assert(!aslrt_key_get(o, "k", aslrt_key_hash("k"), NULL));
	ck_assert(!aslrt_key_get(o, "k1x", aslrt_key_hash("k1x"), NULL));
	json_object_put(o);
	/* a table whose size is no power of two (62: probed by division) */
	o = aslrt_object_sized(40);
	ck_assert_int_eq(json_object_get_object(o)->size, 62);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "s%d", i);
		json_object_object_add(o, name, json_object_new_int(i));
	}
	for (int i = 0; i < 41; i++) {
		snprintf(name, sizeof name, "s%d", i);
		got = NULL;
		ck_assert_int_eq(aslrt_key_get(o, name, aslrt_key_hash(name), &got), i < 40);
		if (i < 40)
			ck_assert_int_eq(json_object_get_int(got), i);
	}
	json_object_put(o);
}
END_TEST

START_TEST(test_key_insert)
{
	struct json_object *want = json_object_new_object();
	struct json_object *got = aslrt_object_sized(30);
	/* (peeks at json-c's table, opaque outside tests, to see it never grows) */
	int size = json_object_get_object(got)->size;
	ck_assert_int_ge(size, 46); /* 30 keys below json-c's 2/3 load factor */
	char name[16];
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof name, "k%d", 29 - i);
		json_object_object_add(want, name, json_object_new_int(i));
	}
	static char keys[30][16]; /* static: added as constant keys */
	for (int i = 0; i < 30; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", 29 - i);
		if (i % 2)
			aslrt_key_add_new(got, keys[i], aslrt_key_hash(keys[i]),
					  json_object_new_int(i));
		else /* copied keys */
			aslrt_key_set(got, keys[i], aslrt_key_hash(keys[i]), json_object_new_int(i),
				      false);
	}
	ck_assert_int_eq(json_object_get_object(got)->size, size);
	/* replacing keeps the place; an added key goes last */
	json_object_object_add(want, "k7", json_object_new_string("x"));
	aslrt_key_set(got, "k7", aslrt_key_hash("k7"), json_object_new_string("x"), true);
	json_object_object_add(want, "", json_object_new_null());
	aslrt_key_set(got, "", aslrt_key_hash(""), NULL, true);
	char *w = aslrt_json_dump(want), *g = aslrt_json_dump(got);
	ck_assert_str_eq(g, w);
	ck_assert(json_object_equal(got, want));
	struct json_object *v = NULL;
	ck_assert(json_object_object_get_ex(got, "k7", &v));
	ck_assert_str_eq(json_object_get_string(v), "x");
	free(w);
	free(g);
	json_object_put(got);
	json_object_put(want);
	/* small objects keep json-c's default table */
	got = aslrt_object_sized(3);
	ck_assert_int_eq(json_object_get_object(got)->size, JSON_OBJECT_DEF_HASH_ENTRIES);
	json_object_put(got);
}
END_TEST

/* Integers are summed by hand (no strtoll): their types and values at the
 * edges of int64 and uint64. */
START_TEST(test_integers_typed)
{
	struct json_object *a =
	    parse("[9223372036854775807,-9223372036854775808,9223372036854775808,-0,120]");
	ck_assert_int_eq(json_object_get_int64(json_object_array_get_idx(a, 0)), INT64_MAX);
	ck_assert_int_eq(json_object_get_int64(json_object_array_get_idx(a, 1)), INT64_MIN);
	ck_assert_uint_eq(json_object_get_uint64(json_object_array_get_idx(a, 2)),
			  UINT64_C(9223372036854775808));
	ck_assert_int_eq(json_object_get_int64(json_object_array_get_idx(a, 3)), 0);
	ck_assert_int_eq(json_object_get_int64(json_object_array_get_idx(a, 4)), 120);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(json_object_get_type(json_object_array_get_idx(a, i)),
				 json_type_int);
	json_object_put(a);
}
END_TEST

/* ISO times are formatted by hand (no gmtime_r, no snprintf). */
START_TEST(test_iso_utc)
{
	static const struct {
		int64_t ms;
		const char *want;
	} cases[] = {
	    {0, "1970-01-01T00:00:00.000Z"},
	    {951782400123, "2000-02-29T00:00:00.123Z"},
	    {1796361176981, "2026-12-04T05:12:56.981Z"},
	    {4107542399999, "2100-02-28T23:59:59.999Z"},
	    {4107542400000, "2100-03-01T00:00:00.000Z"},
	    {253402300799999, "9999-12-31T23:59:59.999Z"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char t[25];
		aslrt_iso_utc(cases[i].ms, t);
		ck_assert_str_eq(t, cases[i].want);
	}
}
END_TEST

START_TEST(test_errors)
{
	aslrt_error e = {0};
	aslrt_error_set(&e, "States.Runtime", "bad %s %d", "thing", 7);
	ck_assert_str_eq(e.name, "States.Runtime");
	ck_assert_str_eq(e.cause, "bad thing 7");
	struct json_object *o = aslrt_error_output(&e);
	char *s = aslrt_json_dump(o);
	ck_assert_str_eq(s, "{\"Error\":\"States.Runtime\",\"Cause\":\"bad thing 7\"}");
	free(s);
	json_object_put(o);
	aslrt_error f = {0};
	aslrt_error_move(&f, &e);
	ck_assert_ptr_null(e.name);
	ck_assert_str_eq(f.name, "States.Runtime");
	aslrt_error_clear(&f);
	/* an error without name or cause (a mocked Throw of {}) has nulls */
	o = aslrt_error_output(&f);
	s = aslrt_json_dump(o);
	ck_assert_str_eq(s, "{\"Error\":null,\"Cause\":null}");
	free(s);
	json_object_put(o);
	aslrt_error_clear(&f);
}
END_TEST

/* aslrt_calloc (the executables' calloc): zeroed blocks, small ones from
 * malloc's cache (a block just freed dirty), big ones, and an overflowing
 * count refused. */
START_TEST(test_calloc_zeroed)
{
	unsigned char *d = malloc(64);
	ck_assert_ptr_nonnull(d);
	memset(d, 0xff, 64);
	free(d);
	unsigned char *p = aslrt_calloc(8, 8);
	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 64; i++)
		ck_assert_uint_eq(p[i], 0);
	free(p);
	unsigned char *big = aslrt_calloc(3000, 4);
	ck_assert_ptr_nonnull(big);
	for (int i = 0; i < 12000; i++)
		ck_assert_uint_eq(big[i], 0);
	free(big);
	errno = 0;
	ck_assert_ptr_null(aslrt_calloc(SIZE_MAX / 2, 4));
	ck_assert_int_eq(errno, ENOMEM);
	/* calloc itself is wrapped here as in the executables */
	unsigned *q = calloc(5, sizeof *q);
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(q[0] | q[1] | q[2] | q[3] | q[4], 0);
	free(q);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_print_compact);
	tcase_add_test(tc, test_print_strings);
	tcase_add_test(tc, test_print_numbers);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_parse_scalars);
	tcase_add_test(tc, test_parse_shared_keys);
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_copy_is_deep);
	tcase_add_test(tc, test_unique);
	tcase_add_test(tc, test_limits_flat);
	tcase_add_test(tc, test_deep_values);
	tcase_add_test(tc, test_limits_kept_measures);
	tcase_add_test(tc, test_limits_height_only);
	tcase_add_test(tc, test_numbers_exact);
	tcase_add_test(tc, test_integers_typed);
	tcase_add_test(tc, test_iso_utc);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_key_hash_lookup);
	tcase_add_test(tc, test_key_insert);
	tcase_add_test(tc, test_key_get_probe);
	tcase_add_test(tc, test_calloc_zeroed);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * fuzz_runtime.c - libFuzzer target for what a generated executable reads at
 * run time.  The first byte picks the reader, the rest is its text:
 *
 *   0  the execution input: aslrt_json_parse, then the printer, size, limits,
 *      copy and equality walks over the value
 *   1  a MockConfigFile: aslrt_json_parse + aslrt_mocks_validate
 *   2  a JSONPath, then (after the first newline) the JSON it runs on
 *   3  an intrinsic function call, then the JSON input
 *   4  a JSONata expression, then the JSON input (a 1 s time limit)
 *   5  a --context file: aslrt_config_read, the object check, the walks
 *   6  a bindings file: aslrt_bindset_load (strict parse, duplicate keys,
 *      validation), then each binding looked up by its key
 *
 * Build and run it with tests/fuzz/run-runtime.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "bindings.h"
#include "jsonata.h"
#include "rt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct json_object *parse_or_null(const char *s, size_t n)
{
	char why[ASLRT_ERRLEN];
	struct json_object *v = NULL;
	if (aslrt_json_parse(s, n, &v, why, sizeof why) != 0)
		return json_object_new_object();
	return v;
}

static void walk(struct json_object *v)
{
	char *s = aslrt_json_dump(v);
	size_t n = aslrt_json_size(v);
	if (strlen(s) != n)
		abort(); /* the size walk and the printer disagree */
	struct json_object *c = aslrt_json_copy(v);
	if (!aslrt_json_equal(v, c))
		abort();
	char *t = aslrt_json_dump(c);
	if (strcmp(s, t) != 0)
		abort(); /* a copy prints differently */
	(void)aslrt_json_check_limits(v, 1000, NULL);
	/* What was printed reads back to an equal value (unless the fuzzer's
	 * own bytes put invalid UTF-8 in an expression's literal: definitions
	 * are refused with it, values made at run time never hold it). */
	char why[ASLRT_ERRLEN];
	struct json_object *back = NULL;
	if (aslrt_utf8_valid_prefix(s, n) == n &&
	    (aslrt_json_parse(s, n, &back, why, sizeof why) != 0 || !aslrt_json_equal(v, back)))
		abort();
	json_object_put(back);
	free(s);
	free(t);
	json_object_put(c);
}

/* The configuration readers take a path: the input goes through one
 * temporary file, rewritten for each input. */
static char tmp_path[] = "/tmp/fuzz_runtime.XXXXXX";

static void remove_tmp(void)
{
	unlink(tmp_path);
}

static const char *as_file(const char *s, size_t n)
{
	static int fd = -1;
	if (fd < 0) {
		if ((fd = mkstemp(tmp_path)) < 0)
			abort();
		atexit(remove_tmp);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, s, n, 0) != (ssize_t)n)
		abort();
	return tmp_path;
}

static void read_context(const char *s, size_t n)
{
	char why[ASLRT_ERRLEN];
	struct json_object *v = NULL;
	if (aslrt_config_read(as_file(s, n), "--context", &v, why, sizeof why) == 0) {
		/* success hands back a value, or NULL for a file holding JSON
		 * null (the caller refuses it: the Context must be an object) */
		if (json_object_is_type(v, json_type_object))
			walk(v);
	} else if (!why[0] || v) {
		abort(); /* a failure says why and hands back nothing */
	}
	json_object_put(v);
}

static void read_bindings(const char *s, size_t n)
{
	char why[ASLRT_ERRLEN];
	why[0] = 0;
	aslrt_bindset *set = aslrt_bindset_load(as_file(s, n), why, sizeof why);
	if (!set) {
		if (!why[0])
			abort();
		return;
	}
	for (int i = 0; i < set->n; i++)
		(void)aslrt_binding_find(&set, 1, set->b[i].key, NULL);
	aslrt_bindset_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int which = data[0] % 7;
	char *text = malloc(size);
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	size_t n = size - 1;
	char *nl = memchr(text, '\n', n);
	const char *doc = nl ? nl + 1 : "{}";
	size_t doclen = nl ? n - (size_t)(nl + 1 - text) : 2;
	if (nl)
		*nl = 0;
	char why[ASLRT_ERRLEN];
	struct json_object *v = NULL;
	switch (which) {
	case 0:
		if (aslrt_json_parse(text, n, &v, why, sizeof why) == 0) {
			walk(v);
			json_object_put(v);
		}
		break;
	case 1:
		if (nl)
			*nl = '\n';
		if (aslrt_json_parse(text, n, &v, why, sizeof why) == 0) {
			struct json_object *mocks = NULL;
			if (aslrt_mocks_validate(v, "<fuzz>", "m", "t", &mocks, why, sizeof why) ==
			    0) {
				json_object_object_foreach(mocks, state, resp)
				{
					(void)state;
					json_object_object_foreach(resp, key, call)
					{
						long lo, hi;
						(void)call;
						if (!aslrt_mock_range(key, &lo, &hi))
							abort(); /* validated keys parse */
					}
				}
			}
			json_object_put(mocks);
			json_object_put(v);
		}
		break;
	case 2: {
		aslrt_path *p = aslrt_path_parse(text, why, sizeof why);
		if (p) {
			aslrt_env env = {parse_or_null(doc, doclen),
					 parse_or_null(doc, doclen),
					 NULL,
					 NULL,
					 NULL,
					 NULL,
					 NULL};
			struct json_object *out = NULL;
			if (aslrt_path_eval(p, &env, &out, why, sizeof why) == 0) {
				walk(out);
				json_object_put(out);
			}
			json_object_put(env.input);
			json_object_put(env.context);
			aslrt_path_free(p);
		}
		break;
	}
	case 3: {
		aslrt_fn *f = aslrt_fn_parse(text, why, sizeof why);
		if (f) {
			aslrt_env env = {parse_or_null(doc, doclen), NULL, NULL, NULL, NULL};
			struct json_object *out = NULL;
			aslrt_error err = {0};
			if (aslrt_fn_eval(f, &env, &out, &err) == 0) {
				walk(out);
				json_object_put(out);
			}
			aslrt_error_clear(&err);
			json_object_put(env.input);
			aslrt_fn_free(f);
		}
		break;
	}
	case 4: {
		aslrt_jsonata *e = aslrt_jsonata_parse(text, why, sizeof why);
		if (e) {
			struct json_object *in = parse_or_null(doc, doclen), *out = NULL;
			aslrt_jsonata_limits lim = {0, 1000, false};
			aslrt_error err = {0};
			bool undef = false;
			if (aslrt_jsonata_eval_ex(e, in, NULL, &lim, &out, &undef, &err) == 0 &&
			    !undef) {
				walk(out);
				json_object_put(out);
			}
			aslrt_error_clear(&err);
			json_object_put(in);
			aslrt_jsonata_free(e);
		}
		break;
	}
	case 5:
		if (nl)
			*nl = '\n';
		read_context(text, n);
		break;
	case 6:
		if (nl)
			*nl = '\n';
		read_bindings(text, n);
		break;
	}
	free(text);
	return 0;
}

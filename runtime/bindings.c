/*
 * bindings.c - the bindings file: strict validation (every problem names the
 * file and the JSON Pointer of the bad member) and the look-up of a Task's
 * binding, with Lambda's function-name resolution.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

typedef struct problems {
	const char *file;
	char *why;
	size_t len, used;
	int n;
} problems;

static void problem(problems *p, const char *ptr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(problems *p, const char *ptr, const char *fmt, ...)
{
	if (p->used + 1 >= p->len)
		return;
	int k = snprintf(p->why + p->used, p->len - p->used, "%s%s: %s: ", p->n ? "\n" : "",
			 p->file, *ptr ? ptr : "(the document)");
	if (k > 0)
		p->used += (size_t)k < p->len - p->used ? (size_t)k : p->len - p->used - 1;
	va_list ap;
	va_start(ap, fmt);
	k = vsnprintf(p->why + p->used, p->len - p->used, fmt, ap);
	va_end(ap);
	if (k > 0)
		p->used += (size_t)k < p->len - p->used ? (size_t)k : p->len - p->used - 1;
	p->n++;
}

/* base + "/" + key as a JSON Pointer (RFC 6901: ~ is ~0, / is ~1). malloc'd. */
static char *pointer(const char *base, const char *key)
{
	size_t n = strlen(base) + 2 + 2 * strlen(key);
	char *s = malloc(n), *o = s;
	if (!s)
		abort();
	o += sprintf(o, "%s/", base);
	for (const char *k = key; *k; k++) {
		if (*k == '~' || *k == '/') {
			*o++ = '~';
			*o++ = *k == '~' ? '0' : '1';
		} else {
			*o++ = *k;
		}
	}
	*o = 0;
	return s;
}

static void string_map(problems *p, const char *ptr, struct json_object *m)
{
	if (!json_object_is_type(m, json_type_object)) {
		problem(p, ptr, "must be an object of strings");
		return;
	}
	json_object_object_foreach(m, k, v)
	{
		if (!json_object_is_type(v, json_type_string)) {
			char *q = pointer(ptr, k);
			problem(p, q, "must be a string");
			free(q);
		}
	}
}

static void check_binding(problems *p, const char *ptr, struct json_object *b, aslrt_binding *out)
{
	if (!json_object_is_type(b, json_type_object)) {
		problem(p, ptr, "must be an object with one of Command, Url or Executable");
		return;
	}
	int kinds = 0;
	json_object_object_foreach(b, k, v)
	{
		char *q = pointer(ptr, k);
		if (strcmp(k, "Command") == 0) {
			kinds++;
			out->kind = RT_BIND_COMMAND;
			size_t n = json_object_is_type(v, json_type_array)
				       ? json_object_array_length(v)
				       : 0;
			bool ok = n > 0;
			for (size_t i = 0; ok && i < n; i++) {
				struct json_object *a = json_object_array_get_idx(v, i);
				ok = json_object_is_type(a, json_type_string) &&
				     (i > 0 || json_object_get_string_len(a) > 0);
			}
			if (!ok) {
				problem(p, q,
					"must be a non-empty array of strings (the program and its "
					"arguments, run without a shell)");
			} else {
				/* a second kind is an error below; its argv must not leak */
				free(out->argv);
				out->argv = calloc(n + 1, sizeof *out->argv);
				if (!out->argv)
					abort();
				for (size_t i = 0; i < n; i++)
					out->argv[i] = (char *)json_object_get_string(
					    json_object_array_get_idx(v, i));
			}
		} else if (strcmp(k, "Url") == 0) {
			kinds++;
			out->kind = RT_BIND_URL;
			const char *u = json_object_is_type(v, json_type_string)
					    ? json_object_get_string(v)
					    : NULL;
			if (!u || (strncmp(u, "http://", 7) && strncmp(u, "https://", 8)) ||
			    strchr(u, ' '))
				problem(p, q, "must be an http:// or https:// URL");
			else
				out->url = u;
		} else if (strcmp(k, "Executable") == 0) {
			kinds++;
			out->kind = RT_BIND_EXECUTABLE;
			if (!json_object_is_type(v, json_type_string) ||
			    json_object_get_string_len(v) == 0) {
				problem(p, q, "must be the path of an aslc-built executable");
			} else {
				free(out->argv);
				out->argv = calloc(2, sizeof *out->argv);
				if (!out->argv)
					abort();
				out->argv[0] = (char *)json_object_get_string(v);
			}
		} else {
			problem(p, q, "unknown member (Command, Url or Executable)");
		}
		free(q);
	}
	if (kinds != 1)
		problem(p, ptr, "must have exactly one of Command, Url or Executable (has %d)",
			kinds);
}

static void check_connection(problems *p, const char *ptr, struct json_object *c)
{
	if (!json_object_is_type(c, json_type_object)) {
		problem(p, ptr, "must be an object with Headers and/or QueryParameters");
		return;
	}
	json_object_object_foreach(c, k, v)
	{
		char *q = pointer(ptr, k);
		if (strcmp(k, "Headers") == 0 || strcmp(k, "QueryParameters") == 0)
			string_map(p, q, v);
		else
			problem(p, q, "unknown member (Headers or QueryParameters)");
		free(q);
	}
}

static void check_bindings(problems *p, aslrt_bindset *s, struct json_object *bs)
{
	s->b = calloc((size_t)json_object_object_length(bs) + 1, sizeof *s->b);
	if (!s->b)
		abort();
	json_object_object_foreach(bs, key, b)
	{
		char *q = pointer("/Bindings", key);
		aslrt_binding *out = &s->b[s->n++];
		out->key = key;
		out->file = s->file;
		if (!*key)
			problem(p, q,
				"the key must be a Resource ARN, a Lambda function name or "
				"ARN, or a state machine ARN");
		check_binding(p, q, b, out);
		free(q);
	}
}

void aslrt_bindset_free(aslrt_bindset *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++)
		free(s->b[i].argv);
	free(s->b);
	free(s->file);
	json_object_put(s->doc);
	free(s);
}

aslrt_bindset *aslrt_bindset_new(struct json_object *doc, const char *file, char *why,
				 size_t whylen)
{
	problems p = {file, why, whylen, 0, 0};
	if (whylen)
		why[0] = 0;
	aslrt_bindset *s = calloc(1, sizeof *s);
	if (!s || !(s->file = strdup(file)))
		abort();
	s->doc = json_object_get(doc);
	if (!json_object_is_type(doc, json_type_object)) {
		problem(&p, "", "must be an object {\"Bindings\": {...}}");
		goto bad;
	}
	struct json_object *bs = NULL;
	json_object_object_foreach(doc, k, v)
	{
		char *q = pointer("", k);
		if (strcmp(k, "Bindings") == 0) {
			bs = v;
			if (!json_object_is_type(v, json_type_object))
				problem(&p, q, "must be an object mapping Task keys to bindings");
			else
				check_bindings(&p, s, v);
		} else if (strcmp(k, "Connections") == 0) {
			if (!json_object_is_type(v, json_type_object)) {
				problem(&p, q,
					"must be an object mapping connection ARNs to credentials");
			} else {
				json_object_object_foreach(v, ck, cv)
				{
					char *cq = pointer(q, ck);
					check_connection(&p, cq, cv);
					free(cq);
				}
			}
		} else {
			problem(&p, q, "unknown member (Bindings or Connections)");
		}
		free(q);
	}
	if (!bs && p.n == 0)
		problem(&p, "", "has no Bindings member");
	if (p.n == 0)
		return s;
bad:
	aslrt_bindset_free(s);
	return NULL;
}

/* --- duplicate keys, which a JSON parser keeps only the last of --- */

static const char *ws(const char *p, const char *end)
{
	while (p < end && strchr(" \t\r\n", *p))
		p++;
	return p;
}

/* Past a string token starting at its opening quote. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < end ? p + 1 : end;
}

/* Walk one value of text that is known to be valid JSON, reporting each key
 * an object repeats (compared as written).  Returns the end of the value. */
static const char *skim(problems *pr, const char *p, const char *end, const char *ptr)
{
	p = ws(p, end);
	if (p >= end)
		return end;
	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && !strchr(",]} \t\r\n", *p))
			p++;
		return p;
	}
	bool obj = *p == '{';
	char close = obj ? '}' : ']';
	const char **keys = NULL;
	size_t *lens = NULL, nkeys = 0;
	int index = 0;
	p = ws(p + 1, end);
	while (p < end && *p != close) {
		char *child;
		if (obj) {
			const char *k = p + 1, *after = skip_string(p, end);
			size_t klen = (size_t)(after - 1 - k);
			char *key = strndup(k, klen);
			if (!key)
				abort();
			child = pointer(ptr, key);
			for (size_t i = 0; i < nkeys; i++)
				if (lens[i] == klen && memcmp(keys[i], k, klen) == 0)
					problem(pr, child,
						"duplicate key (only the last would count)");
			free(key);
			keys = realloc(keys, sizeof *keys * (nkeys + 1));
			lens = realloc(lens, sizeof *lens * (nkeys + 1));
			if (!keys || !lens)
				abort();
			keys[nkeys] = k;
			lens[nkeys++] = klen;
			p = ws(after, end);
			p++; /* ':' */
		} else {
			char idx[24];
			snprintf(idx, sizeof idx, "%d", index++);
			child = pointer(ptr, idx);
		}
		p = ws(skim(pr, p, end, child), end);
		free(child);
		if (p < end && *p == ',')
			p = ws(p + 1, end);
	}
	free(keys);
	free(lens);
	return p < end ? p + 1 : end;
}

aslrt_bindset *aslrt_bindset_load(const char *file, char *why, size_t whylen)
{
	FILE *f = fopen(file, "rb");
	if (!f) {
		snprintf(why, whylen, "%s: cannot read the bindings file: %s", file,
			 strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0, got;
	char *text = malloc(cap);
	if (!text)
		abort();
	while ((got = fread(text + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n > (16u << 20)) {
			snprintf(why, whylen, "%s: the bindings file is larger than 16 MiB", file);
			fclose(f);
			free(text);
			return NULL;
		}
		if (n == cap && !(text = realloc(text, cap *= 2)))
			abort();
	}
	bool err = ferror(f);
	fclose(f);
	struct json_object *doc = NULL;
	char msg[ASLRT_ERRLEN];
	if (err) {
		snprintf(why, whylen, "%s: cannot read the bindings file: %s", file,
			 strerror(errno));
		free(text);
		return NULL;
	}
	if (aslrt_json_parse(text, n, &doc, msg, sizeof msg)) {
		snprintf(why, whylen, "%s: (the document): not JSON: %s", file, msg);
		free(text);
		return NULL;
	}
	problems p = {file, why, whylen, 0, 0};
	skim(&p, text, text + n, "");
	free(text);
	if (p.n) {
		json_object_put(doc);
		return NULL;
	}
	aslrt_bindset *s = aslrt_bindset_new(doc, file, why, whylen);
	json_object_put(doc);
	return s;
}

/* --- look-up --- */

bool aslrt_is_lambda_invoke(const char *r)
{
	return strcmp(r, "arn:aws:states:::lambda:invoke") == 0 ||
	       strcmp(r, "arn:aws:states:::lambda:invoke.waitForTaskToken") == 0;
}

/* A Lambda function reference as Lambda's Invoke reads FunctionName:
 * "name[:qualifier]", "account:function:name[:qualifier]" or
 * "arn:PARTITION:lambda:region:account:function:name[:qualifier]".  Fields
 * are NUL-terminated copies in buf; empty when not given. */
typedef struct fnref {
	char buf[512];
	const char *region, *account, *name, *qual;
} fnref;

static bool parse_fn(const char *s, fnref *f)
{
	if (strlen(s) >= sizeof f->buf || !*s)
		return false;
	strcpy(f->buf, s);
	char *part[9];
	int n = 0;
	for (char *p = f->buf; n < 9;) {
		part[n++] = p;
		char *colon = strchr(p, ':');
		if (!colon)
			break;
		*colon = 0;
		p = colon + 1;
	}
	f->region = f->account = f->qual = "";
	if (n >= 7 && strcmp(part[0], "arn") == 0) {
		if (strcmp(part[2], "lambda") || strcmp(part[5], "function") || n > 8)
			return false;
		f->region = part[3];
		f->account = part[4];
		f->name = part[6];
		f->qual = n == 8 ? part[7] : "";
	} else if (n >= 3 && strcmp(part[1], "function") == 0) {
		if (n > 4)
			return false;
		f->account = part[0];
		f->name = part[2];
		f->qual = n == 4 ? part[3] : "";
	} else if (n <= 2) {
		f->name = part[0];
		f->qual = n == 2 ? part[1] : "";
	} else {
		return false;
	}
	return *f->name != 0;
}

bool aslrt_is_lambda_arn(const char *r)
{
	fnref f;
	return strncmp(r, "arn:", 4) == 0 && parse_fn(r, &f);
}

static bool same_or_unset(const char *a, const char *b)
{
	return !*a || !*b || strcmp(a, b) == 0;
}

/* 2: the binding names this exact version or alias, 1: the function (any
 * qualifier), 0: another function. */
static int fn_match(const fnref *b, const fnref *call)
{
	if (strcmp(b->name, call->name) || !same_or_unset(b->account, call->account) ||
	    !same_or_unset(b->region, call->region))
		return 0;
	if (!*b->qual)
		return 1;
	const char *q = *call->qual ? call->qual : "$LATEST";
	return strcmp(b->qual, q) == 0 ? 2 : 0;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static const aslrt_binding *find_exact(aslrt_bindset *const *sets, int nsets, const char *key)
{
	for (int i = 0; i < nsets; i++)
		for (int j = 0; sets[i] && j < sets[i]->n; j++)
			if (strcmp(sets[i]->b[j].key, key) == 0)
				return &sets[i]->b[j];
	return NULL;
}

const aslrt_binding *aslrt_binding_find(aslrt_bindset *const *sets, int nsets, const char *resource,
					struct json_object *params)
{
	const char *fn = NULL;
	if (aslrt_is_lambda_invoke(resource))
		fn = str(params, "FunctionName");
	else if (aslrt_is_lambda_arn(resource))
		fn = resource;
	if (fn) {
		fnref call, b;
		if (!parse_fn(fn, &call))
			return find_exact(sets, nsets, fn);
		const char *q = aslrt_is_lambda_invoke(resource) ? str(params, "Qualifier") : NULL;
		if (q && !*call.qual)
			call.qual = q;
		/* Set by set, so a run-time file wins over the embedded one. */
		for (int i = 0; i < nsets; i++) {
			const aslrt_binding *best = NULL;
			int score = 0;
			for (int j = 0; sets[i] && j < sets[i]->n; j++) {
				int m = parse_fn(sets[i]->b[j].key, &b) ? fn_match(&b, &call) : 0;
				if (m > score) {
					score = m;
					best = &sets[i]->b[j];
				}
			}
			if (best)
				return best;
		}
		return NULL;
	}
	if (strncmp(resource, "arn:aws:states:::states:startExecution", 38) == 0) {
		const char *sm = str(params, "StateMachineArn");
		const aslrt_binding *b = sm ? find_exact(sets, nsets, sm) : NULL;
		if (b)
			return b;
	}
	return find_exact(sets, nsets, resource);
}

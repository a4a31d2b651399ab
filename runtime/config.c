/*
 * config.c - the configuration files an executable reads (--mock-config,
 * --context): read strictly, validated whole before the run starts, every
 * problem reported with the file and the JSON Pointer of the value at fault.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* Config files are small; a bound keeps a wrong path (a device, a huge
 * file) from eating memory. */
#define CONFIG_MAX_BYTES (64u << 20)

int aslrt_config_read(const char *path, const char *what, struct json_object **out, char *why,
		      size_t whylen)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(why, whylen, "%s %s: cannot read: %s", what, path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, n = 0, got;
	char *s = malloc(cap);
	if (!s)
		abort();
	while ((got = fread(s + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n > CONFIG_MAX_BYTES) {
			snprintf(why, whylen, "%s %s: larger than %u bytes", what, path,
				 CONFIG_MAX_BYTES);
			free(s);
			fclose(f);
			return -1;
		}
		if (n == cap) {
			cap *= 2;
			if (!(s = realloc(s, cap)))
				abort();
		}
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		snprintf(why, whylen, "%s %s: cannot read: %s", what, path, strerror(errno));
		free(s);
		return -1;
	}
	char msg[ASLRT_ERRLEN];
	int rc = aslrt_json_parse(s, n, out, msg, sizeof msg);
	free(s);
	if (rc)
		snprintf(why, whylen, "%s %s: invalid JSON: %s", what, path, msg);
	return rc;
}

/* A JSON Pointer (RFC 6901) built one token at a time. */
typedef struct {
	char s[1024];
} Ptr;

static void ptr_add(Ptr *p, const char *tok)
{
	size_t n = strlen(p->s);
	if (n + 2 >= sizeof p->s)
		return;
	p->s[n++] = '/';
	for (; *tok && n + 3 < sizeof p->s; tok++) {
		if (*tok == '~' || *tok == '/') {
			p->s[n++] = '~';
			p->s[n++] = *tok == '~' ? '0' : '1';
		} else {
			p->s[n++] = *tok;
		}
	}
	p->s[n] = 0;
}

static Ptr ptr_of(const char *first, ...)
{
	Ptr p = {{0}};
	va_list ap;
	va_start(ap, first);
	for (const char *t = first; t; t = va_arg(ap, const char *))
		ptr_add(&p, t);
	va_end(ap);
	return p;
}

static int bad(char *why, size_t whylen, const char *path, const Ptr *p, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int bad(char *why, size_t whylen, const char *path, const Ptr *p, const char *fmt, ...)
{
	char msg[ASLRT_ERRLEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(why, whylen, "mock config %s: %s: %s", path, p->s[0] ? p->s : "/", msg);
	return -1;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	json_object_object_get_ex(o, key, &v);
	return v;
}

/* The keys of o, comma-separated, for "it has: ..." messages. */
static void list_keys(struct json_object *o, char *out, size_t outlen)
{
	out[0] = 0;
	size_t n = 0;
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		int w = snprintf(out + n, outlen - n, "%s'%s'", n ? ", " : "", key);
		if (w < 0 || (size_t)w >= outlen - n) {
			out[outlen - 1] = 0;
			return;
		}
		n += (size_t)w;
	}
	if (!n)
		snprintf(out, outlen, "none");
}

/* A decimal call number without sign, spaces or leading zeros. */
static bool call_number(const char *s, size_t n, long *out)
{
	if (n == 0 || n > 9 || (n > 1 && s[0] == '0'))
		return false;
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool aslrt_mock_range(const char *key, long *lo, long *hi)
{
	const char *dash = strchr(key, '-');
	if (!dash)
		return call_number(key, strlen(key), lo) && (*hi = *lo, true);
	return call_number(key, (size_t)(dash - key), lo) &&
	       call_number(dash + 1, strlen(dash + 1), hi) && *lo <= *hi;
}

static int check_response(struct json_object *resp, const char *path, const char *name, char *why,
			  size_t whylen)
{
	Ptr p = ptr_of("MockedResponses", name, NULL);
	if (!json_object_is_type(resp, json_type_object))
		return bad(why, whylen, path, &p,
			   "a mocked response must be an object of calls, not %s",
			   aslrt_json_type_name(resp));
	if (json_object_object_length(resp) == 0)
		return bad(why, whylen, path, &p,
			   "a mocked response needs at least one call (\"0\")");
	json_object_object_foreach(resp, key, call)
	{
		Ptr q = ptr_of("MockedResponses", name, key, NULL);
		long lo, hi;
		if (!aslrt_mock_range(key, &lo, &hi))
			return bad(why, whylen, path, &q,
				   "a call key must be N or N-M (decimal, N <= M), not '%s'", key);
		if (!json_object_is_type(call, json_type_object))
			return bad(why, whylen, path, &q,
				   "a call must be {\"Return\": ...} or {\"Throw\": {...}}, not %s",
				   aslrt_json_type_name(call));
		struct json_object *ret = NULL, *thr = NULL;
		bool has_ret = json_object_object_get_ex(call, "Return", &ret);
		bool has_thr = json_object_object_get_ex(call, "Throw", &thr);
		json_object_object_foreach(call, ck, cv)
		{
			(void)cv;
			/* Duration: aslc's extension, the call's time on the run's
			 * clock (timing.c checks its value) */
			if (strcmp(ck, "Return") != 0 && strcmp(ck, "Throw") != 0 &&
			    strcmp(ck, "Duration") != 0) {
				Ptr r = ptr_of("MockedResponses", name, key, ck, NULL);
				return bad(why, whylen, path, &r,
					   "unknown field (a call has Return or Throw, and "
					   "may have Duration)");
			}
		}
		if (has_ret == has_thr)
			return bad(why, whylen, path, &q,
				   "a call must have exactly one of Return and Throw");
		if (has_thr) {
			Ptr r = ptr_of("MockedResponses", name, key, "Throw", NULL);
			if (!json_object_is_type(thr, json_type_object))
				return bad(why, whylen, path, &r,
					   "Throw must be an object {\"Error\": ..., \"Cause\": "
					   "...}, not %s",
					   aslrt_json_type_name(thr));
			json_object_object_foreach(thr, tk, tv)
			{
				Ptr t = ptr_of("MockedResponses", name, key, "Throw", tk, NULL);
				if (strcmp(tk, "Error") != 0 && strcmp(tk, "Cause") != 0)
					return bad(why, whylen, path, &t,
						   "unknown field (Throw has Error and Cause)");
				if (!json_object_is_type(tv, json_type_string))
					return bad(why, whylen, path, &t,
						   "must be a string, not %s",
						   aslrt_json_type_name(tv));
			}
		}
	}
	return 0;
}

int aslrt_mocks_validate(struct json_object *cfg, const char *path, const char *machine,
			 const char *test_case, struct json_object **mocks, char *why,
			 size_t whylen)
{
	Ptr root = {{0}};
	char has[1024];
	*mocks = NULL;
	if (!json_object_is_type(cfg, json_type_object))
		return bad(why, whylen, path, &root, "the mock config must be an object, not %s",
			   aslrt_json_type_name(cfg));
	json_object_object_foreach(cfg, top, tv)
	{
		(void)tv;
		if (strcmp(top, "StateMachines") != 0 && strcmp(top, "MockedResponses") != 0) {
			Ptr p = ptr_of(top, NULL);
			return bad(
			    why, whylen, path, &p,
			    "unknown field (the file has StateMachines and MockedResponses)");
		}
	}
	struct json_object *sms = member(cfg, "StateMachines"),
			   *resps = member(cfg, "MockedResponses");
	Ptr p = ptr_of("StateMachines", NULL);
	if (!json_object_is_type(sms, json_type_object))
		return bad(why, whylen, path, sms ? &p : &root,
			   sms ? "StateMachines must be an object" : "StateMachines is missing");
	p = ptr_of("MockedResponses", NULL);
	if (resps && !json_object_is_type(resps, json_type_object))
		return bad(why, whylen, path, &p, "MockedResponses must be an object, not %s",
			   aslrt_json_type_name(resps));
	if (resps) {
		json_object_object_foreach(resps, name, resp)
		{
			if (check_response(resp, path, name, why, whylen))
				return -1;
		}
	}
	json_object_object_foreach(sms, smname, smv)
	{
		Ptr q = ptr_of("StateMachines", smname, NULL);
		if (!json_object_is_type(smv, json_type_object))
			return bad(why, whylen, path, &q,
				   "a state machine's entry must be an object, not %s",
				   aslrt_json_type_name(smv));
		struct json_object *tcs = member(smv, "TestCases");
		q = ptr_of("StateMachines", smname, "TestCases", NULL);
		if (!json_object_is_type(tcs, json_type_object))
			return bad(why, whylen, path, &q, "TestCases must be an object");
		json_object_object_foreach(tcs, tcname, tc)
		{
			Ptr t = ptr_of("StateMachines", smname, "TestCases", tcname, NULL);
			if (!json_object_is_type(tc, json_type_object))
				return bad(why, whylen, path, &t,
					   "a test case must be an object of state names, not %s",
					   aslrt_json_type_name(tc));
			json_object_object_foreach(tc, state, rname)
			{
				Ptr s = ptr_of("StateMachines", smname, "TestCases", tcname, state,
					       NULL);
				if (!json_object_is_type(rname, json_type_string))
					return bad(why, whylen, path, &s,
						   "must name a mocked response (a string), not %s",
						   aslrt_json_type_name(rname));
				if (!member(resps, json_object_get_string(rname)))
					return bad(why, whylen, path, &s,
						   "no MockedResponses entry '%s'",
						   json_object_get_string(rname));
			}
		}
	}
	struct json_object *sm = member(sms, machine);
	if (!sm) {
		list_keys(sms, has, sizeof has);
		p = ptr_of("StateMachines", NULL);
		return bad(why, whylen, path, &p, "no state machine '%s' (the file has: %s)",
			   machine, has);
	}
	struct json_object *tcs = member(sm, "TestCases"), *tc = member(tcs, test_case);
	if (!tc) {
		list_keys(tcs, has, sizeof has);
		p = ptr_of("StateMachines", machine, "TestCases", NULL);
		return bad(why, whylen, path, &p, "no test case '%s' (the file has: %s)", test_case,
			   has);
	}
	*mocks = json_object_new_object();
	json_object_object_foreach(tc, state, rname) json_object_object_add(
	    *mocks, state, aslrt_json_copy(member(resps, json_object_get_string(rname))));
	return 0;
}

/*
 * httptask.c - the HTTP Task (arn:aws:states:::http:invoke): ApiEndpoint,
 * Method, Headers, QueryParameters, RequestBody and Transform as the
 * developer guide describes them, AWS's result shape
 * {"Headers", "ResponseBody", "StatusCode", "StatusText"} and its errors
 * (States.Http.StatusCode.NNN, States.Http.Socket).  The EventBridge
 * connection's credentials come from the bindings file's
 * "Connections": {CONNECTION_ARN: {"Headers": {..}, "QueryParameters": {..}}}.
 */
#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "http.h"

#define HTTP_TASK_LIMIT_MS 60000 /* AWS's hard limit on one HTTP Task call */

typedef struct text {
	char *s;
	size_t len, cap;
} text;

static void put(text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		while (t->len + n + 1 > t->cap)
			t->cap = t->cap ? t->cap * 2 : 256;
		if (!(t->s = realloc(t->s, t->cap)))
			abort();
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = 0;
}

static void puts_(text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* RFC 3986 percent-encoding of everything but unreserved characters. */
static void put_enc(text *t, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-._~", *p)) {
			put(t, (const char *)p, 1);
		} else {
			char e[4];
			snprintf(e, sizeof e, "%%%02X", *p);
			put(t, e, 3);
		}
	}
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

/* A scalar as query or form text: strings as they are, others as JSON. */
static const char *scalar(struct json_object *v, char **tmp)
{
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return *tmp = aslrt_json_dump(v);
}

static void pair(text *t, const char *k, struct json_object *v)
{
	char *tmp = NULL;
	if (t->len)
		puts_(t, "&");
	put_enc(t, k);
	puts_(t, "=");
	put_enc(t, scalar(v, &tmp));
	free(tmp);
}

/* key=value pairs of an object; arrays per ArrayFormat (INDICES by default,
 * REPEAT, COMMAS, BRACKETS); nested objects as key[sub]. */
static int form_encode(text *t, const char *prefix, struct json_object *o, const char *fmt)
{
	json_object_object_foreach(o, k, v)
	{
		char *key = NULL;
		if (asprintf(&key, prefix ? "%s[%s]" : "%s%s", prefix ? prefix : "", k) < 0)
			abort();
		if (json_object_is_type(v, json_type_array)) {
			size_t n = json_object_array_length(v);
			if (strcmp(fmt, "COMMAS") == 0) {
				text joined = {0};
				puts_(&joined, "");
				for (size_t i = 0; i < n; i++) {
					char *tmp = NULL;
					if (i)
						puts_(&joined, ",");
					puts_(&joined,
					      scalar(json_object_array_get_idx(v, i), &tmp));
					free(tmp);
				}
				struct json_object *s = json_object_new_string(joined.s);
				pair(t, key, s);
				json_object_put(s);
				free(joined.s);
			} else {
				for (size_t i = 0; i < n; i++) {
					char *ik = NULL;
					if (strcmp(fmt, "INDICES") == 0) {
						if (asprintf(&ik, "%s[%zu]", key, i) < 0)
							abort();
					} else if (asprintf(&ik,
							    strcmp(fmt, "REPEAT") == 0 ? "%s"
										       : "%s[]",
							    key) < 0) {
						abort();
					}
					pair(t, ik, json_object_array_get_idx(v, i));
					free(ik);
				}
			}
		} else if (json_object_is_type(v, json_type_object)) {
			form_encode(t, key, v, fmt);
		} else {
			pair(t, key, v);
		}
		free(key);
	}
	return 0;
}

/* Response headers as {name: [values]}, and the status line's reason. */
static struct json_object *parse_headers(const char *raw, char **reason)
{
	struct json_object *h = json_object_new_object();
	*reason = strdup("");
	for (const char *p = raw; *p;) {
		const char *eol = strstr(p, "\r\n");
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		if (n > 5 && strncmp(p, "HTTP/", 5) == 0) {
			json_object_put(h);
			h = json_object_new_object();
			const char *sp = memchr(p, ' ', n);
			const char *sp2 = sp ? memchr(sp + 1, ' ', n - (size_t)(sp + 1 - p)) : NULL;
			free(*reason);
			*reason = sp2 ? strndup(sp2 + 1, n - (size_t)(sp2 + 1 - p)) : strdup("");
		} else if (n) {
			const char *colon = memchr(p, ':', n);
			if (colon) {
				char *name = strndup(p, (size_t)(colon - p));
				const char *v = colon + 1;
				while (v < p + n && (*v == ' ' || *v == '\t'))
					v++;
				struct json_object *a = get(h, name);
				if (!a) {
					a = json_object_new_array();
					json_object_object_add(h, name, a);
				}
				json_object_array_add(
				    a, json_object_new_string_len(v, (int)(p + n - v)));
				free(name);
			}
		}
		p += n + (eol ? 2 : 0);
	}
	return h;
}

/* The Task fails with Error name and a formatted cause; returns -1. */
#define fail(c, name, ...) (aslrt_error_set(&(c)->err, name, __VA_ARGS__), -1)

/* The first header whose name or value has a control character (CR or LF
 * would let the input add headers of its own to the request), or NULL. */
static const char *bad_header(struct json_object *hs)
{
	if (!json_object_is_type(hs, json_type_object))
		return NULL;
	json_object_object_foreach(hs, k, v)
	{
		char *tmp = NULL;
		const char *val = scalar(v, &tmp);
		bool bad = false;
		for (const char *p = k; *p && !bad; p++)
			bad = (unsigned char)*p < 0x20 || *p == 0x7f || *p == ':';
		for (const char *p = val; *p && !bad; p++)
			bad = (*p == '\r' || *p == '\n');
		free(tmp);
		if (bad || !*k)
			return k;
	}
	return NULL;
}

static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"};

/* The endpoint with the Task's and the connection's query parameters. */
static void request_url(struct json_object *in, struct json_object *conn, const char *ep, text *url)
{
	text query = {0};
	puts_(url, ep);
	struct json_object *qs[] = {get(in, "QueryParameters"), get(conn, "QueryParameters")};
	for (int i = 0; i < 2; i++)
		if (json_object_is_type(qs[i], json_type_object))
			form_encode(&query, NULL, qs[i], "REPEAT");
	if (query.len) {
		puts_(url, strchr(url->s, '?') ? "&" : "?");
		puts_(url, query.s);
	}
	free(query.s);
}

/* RequestBody as JSON text, or form-encoded (arrays in format fmt). */
static void request_body(struct json_object *rb, bool form, const char *fmt, text *body)
{
	if (form) {
		form_encode(body, NULL, rb, fmt);
		puts_(body, "");
	} else {
		char *s = aslrt_json_dump(rb);
		puts_(body, s);
		free(s);
	}
}

/* The request's header lines: the Task's, then the connection's (which
 * win, as its credentials must), and a Content-Type for a body that has
 * none.  *owned lists (NULL-terminated) the lines to free. */
static void request_headers(struct json_object *in, struct json_object *conn, bool has_body,
			    bool form, const char ***hs_out, char ***owned_out)
{
	int nh = 0;
	const char **hs = calloc(256, sizeof *hs);
	char **owned = calloc(256, sizeof *owned);
	if (!hs || !owned)
		abort();
	bool has_ctype = false;
	struct json_object *hsrc[] = {get(in, "Headers"), get(conn, "Headers")};
	for (int i = 0; i < 2; i++) {
		if (!json_object_is_type(hsrc[i], json_type_object))
			continue;
		json_object_object_foreach(hsrc[i], k, v)
		{
			if (nh >= 250)
				break;
			char *tmp = NULL, *line = NULL;
			if (asprintf(&line, "%s: %s", k, scalar(v, &tmp)) < 0)
				abort();
			free(tmp);
			has_ctype |= strcasecmp(k, "Content-Type") == 0;
			hs[nh] = owned[nh] = line;
			nh++;
		}
	}
	if (has_body && !has_ctype)
		hs[nh++] = form ? "Content-Type: application/x-www-form-urlencoded"
				: "Content-Type: application/json";
	*hs_out = hs;
	*owned_out = owned;
}

/* The Task's result: Headers, ResponseBody (parsed when the response says
 * it is JSON), StatusCode and StatusText. */
static struct json_object *result_of(const aslrt_httpres *res)
{
	char *reason, why[ASLRT_ERRLEN];
	struct json_object *o = json_object_new_object(), *h = parse_headers(res->headers, &reason);
	struct json_object *rbody = NULL;
	const char *ctype = NULL;
	struct json_object *ct = NULL;
	json_object_object_foreach(h, hk, hv)
	{
		if (!ct && strcasecmp(hk, "Content-Type") == 0)
			ct = hv;
	}
	if (json_object_is_type(ct, json_type_array) && json_object_array_length(ct))
		ctype = json_object_get_string(json_object_array_get_idx(ct, 0));
	if (!(ctype && strstr(ctype, "json") &&
	      aslrt_json_parse(res->body, res->bodylen, &rbody, why, sizeof why) == 0))
		rbody = json_object_new_string_len(res->body, (int)res->bodylen);
	json_object_object_add(o, "Headers", h);
	json_object_object_add(o, "ResponseBody", rbody);
	json_object_object_add(o, "StatusCode", json_object_new_int((int)res->status));
	json_object_object_add(o, "StatusText", json_object_new_string(reason));
	free(reason);
	return o;
}

int aslrt_http_task(aslrt_ctx *c, struct json_object *in, struct json_object **out)
{
	struct json_object *ep = get(in, "ApiEndpoint"), *m = get(in, "Method");
	const char *endpoint = json_object_get_string(ep);
	bool clean = true; /* a space or control byte could inject request headers */
	for (const unsigned char *p = (const unsigned char *)endpoint; p && *p; p++)
		clean &= *p > 0x20 && *p != 0x7f;
	if (!json_object_is_type(ep, json_type_string) || !clean ||
	    (strncmp(endpoint, "http://", 7) && strncmp(endpoint, "https://", 8)))
		return fail(c, "States.Runtime",
			    "http:invoke needs ApiEndpoint, an http:// or https:// URL without "
			    "spaces or control characters");
	const char *method = json_object_get_string(m);
	bool known = false;
	for (size_t i = 0; method && i < sizeof methods / sizeof *methods; i++)
		known |= strcmp(method, methods[i]) == 0;
	if (!known)
		return fail(
		    c, "States.Runtime",
		    "http:invoke needs Method, one of GET, POST, PUT, DELETE, PATCH, OPTIONS, "
		    "HEAD");
	const char *arn = json_object_get_string(get(get(in, "Authentication"), "ConnectionArn"));
	struct json_object *conn = arn ? aslrt_bindings_connection(arn) : NULL;

	struct json_object *tr = get(in, "Transform");
	const char *enc = json_object_get_string(get(tr, "RequestBodyEncoding"));
	const char *fmt =
	    json_object_get_string(get(get(tr, "RequestEncodingOptions"), "ArrayFormat"));
	if (!fmt)
		fmt = "INDICES";
	struct json_object *rb = NULL;
	bool has_body = json_object_object_get_ex(in, "RequestBody", &rb);
	bool form = enc && strcmp(enc, "URL_ENCODED") == 0;
	if (enc && !form && strcmp(enc, "NONE") != 0)
		return fail(c, "States.Runtime",
			    "Transform.RequestBodyEncoding must be NONE or URL_ENCODED, not '%s'",
			    enc);
	if (strcmp(fmt, "INDICES") && strcmp(fmt, "REPEAT") && strcmp(fmt, "COMMAS") &&
	    strcmp(fmt, "BRACKETS"))
		return fail(c, "States.Runtime",
			    "Transform.RequestEncodingOptions.ArrayFormat must be INDICES, REPEAT, "
			    "COMMAS or BRACKETS, not '%s'",
			    fmt);
	if (has_body && form && !json_object_is_type(rb, json_type_object))
		return fail(c, "States.Runtime", "RequestBody must be an object to be URL_ENCODED");
	const char *bad = bad_header(get(in, "Headers"));
	if (!bad)
		bad = bad_header(get(conn, "Headers"));
	if (bad)
		return fail(
		    c, "States.Runtime",
		    "http:invoke's header '%s' has a control character in its name or value", bad);

	/* Nothing is allocated before the checks above: they return directly. */
	text url = {0}, body = {0};
	request_url(in, conn, json_object_get_string(ep), &url);
	if (has_body)
		request_body(rb, form, fmt, &body);

	const char **hs;
	char **owned;
	request_headers(in, conn, has_body, form, &hs, &owned);

	int64_t limit = HTTP_TASK_LIMIT_MS;
	bool deadline = false;
	if (c->task_deadline_ms > 0) {
		int64_t left = c->task_deadline_ms - aslrt_now_ms(c->run);
		if (left <= 0)
			left = 1;
		if (left < limit) {
			limit = left;
			deadline = true;
		}
	}
	aslrt_httpreq q = {.method = method,
			   .url = url.s,
			   .headers = hs,
			   .body = has_body ? body.s : NULL,
			   .bodylen = body.len,
			   .timeout_ms = limit,
			   .maxbody = 64u << 20,
			   .stop = c->run->virtual_clock ? NULL : aslrt_pool_stopped};
	aslrt_httpres res;
	char why[ASLRT_ERRLEN];
	int rc = aslrt_http_request(&q, &res, why, sizeof why);
	for (int i = 0; owned[i]; i++)
		free(owned[i]);
	free(owned);
	free(hs);
	free(body.s);
	if (rc) {
		/* A connection's QueryParameters are secrets: never in a cause. */
		int shown =
		    get(conn, "QueryParameters") ? (int)strcspn(url.s, "?") : (int)strlen(url.s);
		rc = res.stopped ? aslrt_aborted_error(c) /* a sibling failed */
		     : res.timed_out && deadline
			 ? fail(c, "States.Timeout", "%s %.*s ran past the Task's deadline", method,
				shown, url.s)
			 : fail(c, "States.Http.Socket", "%s %.*s: %s", method, shown, url.s, why);
		free(url.s);
		return rc;
	}
	free(url.s);
	struct json_object *o = result_of(&res);
	long status = res.status;
	aslrt_httpres_free(&res);
	if (status >= 200 && status < 300) {
		*out = o;
		return 0;
	}
	/* The cause carries the response, as the result would have. */
	char name[48], *cause = aslrt_json_dump(o);
	snprintf(name, sizeof name, "States.Http.StatusCode.%ld", status);
	json_object_put(o);
	aslrt_error_clear(&c->err);
	c->err.name = strdup(name);
	c->err.cause = cause;
	return -1;
}

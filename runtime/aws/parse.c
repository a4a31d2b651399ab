/*
 * parse.c - the response parsers of the AWS client, apart from any request
 * state so that tests/fuzz/fuzz_aws.c can feed them any bytes: error bodies
 * in every protocol's form (JSON __type/message, X-Amzn-ErrorType, XML
 * <Error><Code>), and XML (expat) into a small tree and into the JSON the
 * SDKs make of S3's list results.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <json-c/json.h>

#include "aws.h"
#include "rt.h"

struct json_object *aslrt_aws_get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;
	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v)
		   ? v
		   : NULL;
}

const char *aslrt_aws_get_str(struct json_object *o, const char *k)
{
	struct json_object *v = aslrt_aws_get(o, k);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* --- XML (expat) into a small tree --- */

typedef struct xparse {
	aws_xml *root, *stack[64];
	int depth;
	bool too_deep;
} xparse;

static void x_start(void *ud, const char *name, const char **attrs)
{
	(void)attrs;
	xparse *p = ud;
	if (p->depth >= 64) {
		p->too_deep = true;
		p->depth++;
		return;
	}
	aws_xml *n = calloc(1, sizeof *n);
	const char *colon = strchr(name, ':'); /* drop a namespace prefix */
	n->name = strdup(colon ? colon + 1 : name);
	if (p->depth == 0) {
		if (!p->root)
			p->root = n;
	} else {
		aws_xml *parent = p->stack[p->depth - 1];
		parent->kids =
		    realloc(parent->kids, (size_t)(parent->nkids + 1) * sizeof *parent->kids);
		parent->kids[parent->nkids++] = n;
	}
	p->stack[p->depth++] = n;
}

static void x_end(void *ud, const char *name)
{
	(void)name;
	xparse *p = ud;
	p->depth--;
}

static void x_text(void *ud, const char *s, int len)
{
	xparse *p = ud;
	if (p->depth > 0 && p->depth <= 64)
		aslrt_aws_buf_add(&p->stack[p->depth - 1]->text, s, (size_t)len);
}

void aslrt_aws_xml_free(aws_xml *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->nkids; i++)
		aslrt_aws_xml_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	aslrt_aws_buf_free(&n->text);
	free(n);
}

aws_xml *aslrt_aws_xml_parse(const char *s, size_t n)
{
	XML_Parser xp = XML_ParserCreate("UTF-8");
	xparse p = {0};
	XML_SetUserData(xp, &p);
	XML_SetElementHandler(xp, x_start, x_end);
	XML_SetCharacterDataHandler(xp, x_text);
	bool ok = XML_Parse(xp, s, (int)n, 1) == XML_STATUS_OK && !p.too_deep;
	XML_ParserFree(xp);
	if (!ok) {
		aslrt_aws_xml_free(p.root);
		return NULL;
	}
	return p.root;
}

/* The text of the first element called name anywhere under n. */
const char *aslrt_aws_xml_find(aws_xml *n, const char *name)
{
	if (!n)
		return NULL;
	if (strcmp(n->name, name) == 0)
		return n->text.p ? n->text.p : "";
	for (int i = 0; i < n->nkids; i++) {
		const char *t = aslrt_aws_xml_find(n->kids[i], name);
		if (t)
			return t;
	}
	return NULL;
}

/* The error code and message of a failed response, whatever the protocol:
 * JSON {"__type":"ns#Code","message":..} or X-Amzn-ErrorType, XML
 * <Error><Code>..</Code><Message>..</Message>.  Both malloc'd. */
void aslrt_aws_error_of(const aws_http_resp *r, char **code, char **msg)
{
	*code = *msg = NULL;
	struct json_object *o = NULL;
	char why[64];
	if (r->body.len && aslrt_json_parse(r->body.p, r->body.len, &o, why, sizeof why) == 0 &&
	    json_object_is_type(o, json_type_object)) {
		const char *t = aslrt_aws_get_str(o, "__type");
		const char *m = aslrt_aws_get_str(o, "message") ? aslrt_aws_get_str(o, "message")
								: aslrt_aws_get_str(o, "Message");
		if (t)
			*code = strdup(t);
		if (m)
			*msg = strdup(m);
	} else if (r->body.len && r->body.p[0] == '<') {
		aws_xml *x = aslrt_aws_xml_parse(r->body.p, r->body.len);
		const char *t = aslrt_aws_xml_find(x, "Code"),
			   *m = aslrt_aws_xml_find(x, "Message");
		if (t)
			*code = strdup(t);
		if (m)
			*msg = strdup(m);
		aslrt_aws_xml_free(x);
	}
	json_object_put(o);
	const char *hdr = aslrt_aws_headers_get(&r->headers, "x-amzn-ErrorType");
	if (!*code && hdr)
		*code = strdup(hdr);
	if (*code) {
		char *hash = strrchr(*code, '#');
		if (hash)
			memmove(*code, hash + 1, strlen(hash));
		(*code)[strcspn(*code, ":")] = '\0';
	}
	if (!*code) {
		/* No body (HEAD) or an unknown one: the status names it, as the SDKs do. */
		const char *s = r->status == 404   ? "NotFound"
				: r->status == 403 ? "Forbidden"
				: r->status == 400 ? "BadRequest"
				: r->status >= 500 ? "InternalFailure"
						   : "UnknownError";
		*code = strdup(s);
	}
}

static const char *s3_list_numbers[] = {"KeyCount", "MaxKeys", "Size"};
static const char *s3_list_bools[] = {"IsTruncated"};
static const char *s3_list_arrays[] = {"Contents", "CommonPrefixes", "ChecksumAlgorithm"};

static bool in_list(const char *s, const char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, l[i]) == 0)
			return true;
	return false;
}

/* The ListBucketResult XML as the SDK's JSON: repeated elements are arrays,
 * counts numbers, IsTruncated a boolean. */
static struct json_object *to_json(aws_xml *n)
{
	if (n->nkids == 0) {
		const char *t = n->text.p ? n->text.p : "";
		if (in_list(n->name, s3_list_numbers, 3))
			return json_object_new_int64(strtoll(t, NULL, 10));
		if (in_list(n->name, s3_list_bools, 1))
			return json_object_new_boolean(strcmp(t, "true") == 0);
		return json_object_new_string(t);
	}
	struct json_object *o = json_object_new_object();
	for (int i = 0; i < n->nkids; i++) {
		aws_xml *kid = n->kids[i];
		struct json_object *v = to_json(kid);
		if (in_list(kid->name, s3_list_arrays, 3)) {
			struct json_object *a = aslrt_aws_get(o, kid->name);
			if (!a) {
				a = json_object_new_array();
				json_object_object_add(o, kid->name, a);
			}
			json_object_array_add(a, v);
		} else {
			json_object_object_add(o, kid->name, v);
		}
	}
	return o;
}

/* --- ItemReader objects: CSV (RFC 4180), JSON, JSONL --- */

static int fail(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return -1;
}

typedef struct csv {
	const char *p, *end;
	char delim;
} csv;

/* The next record's fields into an array of strings; NULL at the end.  A
 * blank line is an empty array. */
static struct json_object *csv_record(csv *s, bool *bad_quote)
{
	if (s->p >= s->end)
		return NULL;
	struct json_object *rec = json_object_new_array();
	aws_buf f = {0};
	bool any = false;
	for (;;) {
		aslrt_aws_buf_add(&f, "", 0);
		f.len = 0;
		f.p[0] = '\0';
		if (s->p < s->end && *s->p == '"') {
			s->p++;
			for (;;) {
				if (s->p >= s->end) {
					*bad_quote = true;
					break;
				}
				if (*s->p == '"') {
					if (s->p + 1 < s->end && s->p[1] == '"') {
						aslrt_aws_buf_add(&f, "\"", 1);
						s->p += 2;
						continue;
					}
					s->p++;
					break;
				}
				aslrt_aws_buf_add(&f, s->p++, 1);
			}
			any = true;
		}
		while (s->p < s->end && *s->p != s->delim && *s->p != '\n' && *s->p != '\r') {
			aslrt_aws_buf_add(&f, s->p++, 1);
			any = true;
		}
		bool more = s->p < s->end && *s->p == s->delim;
		if (any || more || json_object_array_length(rec) > 0)
			json_object_array_add(rec, json_object_new_string_len(f.p, (int)f.len));
		if (!more)
			break;
		s->p++;
		any = true;
	}
	if (s->p < s->end && *s->p == '\r')
		s->p++;
	if (s->p < s->end && *s->p == '\n')
		s->p++;
	aslrt_aws_buf_free(&f);
	return rec;
}

static int read_csv(struct json_object *cfg, const char *body, size_t len, long max,
		    struct json_object **items, char *why, size_t whylen)
{
	const char *dname = aslrt_aws_get_str(cfg, "CSVDelimiter");
	char delim = ',';
	if (dname) {
		const char *names[] = {"COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"};
		const char chars[] = {',', '|', ';', ' ', '\t'};
		size_t i;
		for (i = 0; i < 5 && strcmp(dname, names[i]) != 0; i++)
			;
		if (i == 5)
			return fail(
			    why, whylen,
			    "CSVDelimiter must be one of COMMA, PIPE, SEMICOLON, SPACE, TAB");
		delim = chars[i];
	}
	const char *loc = aslrt_aws_get_str(cfg, "CSVHeaderLocation");
	csv s = {body, body + len, delim};
	bool bad = false;
	struct json_object *headers = NULL;
	if (loc && strcmp(loc, "GIVEN") == 0) {
		struct json_object *h = aslrt_aws_get(cfg, "CSVHeaders");
		if (!h || !json_object_is_type(h, json_type_array))
			return fail(why, whylen,
				    "CSVHeaders is required when CSVHeaderLocation is GIVEN");
		headers = json_object_get(h);
	} else if (!loc || strcmp(loc, "FIRST_ROW") == 0) {
		headers = csv_record(&s, &bad);
		if (!headers)
			headers = json_object_new_array();
	} else {
		return fail(why, whylen, "CSVHeaderLocation must be FIRST_ROW or GIVEN");
	}
	size_t nh = json_object_array_length(headers);
	for (size_t i = 0; i < nh; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(headers, i)),
				   json_object_get_string(json_object_array_get_idx(headers, j))) ==
			    0) {
				json_object_put(headers);
				return fail(why, whylen, "CSV headers cannot contain duplicates.");
			}
	struct json_object *out = json_object_new_array();
	struct json_object *rec;
	long row = 1;
	while ((max <= 0 || (long)json_object_array_length(out) < max) &&
	       (rec = csv_record(&s, &bad))) {
		row++;
		size_t n = json_object_array_length(rec);
		if (n == 0) {
			json_object_put(rec);
			continue; /* a blank line */
		}
		if (n != nh) {
			char msg[160];
			snprintf(msg, sizeof msg,
				 "CSV row %ld has %zu fields but there are %zu headers", row, n,
				 nh);
			json_object_put(rec);
			json_object_put(out);
			json_object_put(headers);
			return fail(why, whylen, msg);
		}
		struct json_object *item = json_object_new_object();
		for (size_t i = 0; i < n; i++)
			json_object_object_add(
			    item, json_object_get_string(json_object_array_get_idx(headers, i)),
			    json_object_get(json_object_array_get_idx(rec, i)));
		json_object_array_add(out, item);
		json_object_put(rec);
	}
	json_object_put(headers);
	if (bad) {
		json_object_put(out);
		return fail(why, whylen, "The CSV file has a quoted field that is never closed");
	}
	*items = out;
	return 0;
}

/* --- JSON, JSONL --- */

static struct json_object *pointer(struct json_object *v, const char *ptr)
{
	if (!*ptr)
		return v;
	if (*ptr != '/')
		return NULL;
	while (v && *ptr == '/') {
		ptr++;
		aws_buf tok = {0};
		aslrt_aws_buf_add(&tok, "", 0);
		for (; *ptr && *ptr != '/'; ptr++) {
			if (ptr[0] == '~' && (ptr[1] == '0' || ptr[1] == '1')) {
				aslrt_aws_buf_add(&tok, ptr[1] == '0' ? "~" : "/", 1);
				ptr++;
			} else {
				aslrt_aws_buf_add(&tok, ptr, 1);
			}
		}
		if (json_object_is_type(v, json_type_array)) {
			char *e;
			long i = strtol(tok.p, &e, 10);
			v = *tok.p && !*e && i >= 0 ? json_object_array_get_idx(v, (size_t)i)
						    : NULL;
		} else {
			v = aslrt_aws_get(v, tok.p);
		}
		aslrt_aws_buf_free(&tok);
	}
	return v;
}

static int read_json(struct json_object *cfg, const char *body, size_t len, long max,
		     struct json_object **items, char *why, size_t whylen)
{
	struct json_object *doc = NULL;
	char perr[ASLRT_ERRLEN];
	if (aslrt_json_parse(body, len, &doc, perr, sizeof perr) != 0) {
		char msg[ASLRT_ERRLEN + 40];
		snprintf(msg, sizeof msg, "The JSON file is not valid JSON: %s", perr);
		return fail(why, whylen, msg);
	}
	const char *ptr = aslrt_aws_get_str(cfg, "ItemsPointer");
	struct json_object *arr = ptr ? pointer(doc, ptr) : doc;
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		json_object_put(doc);
		return fail(why, whylen, "Attempting to map over non-iterable node.");
	}
	struct json_object *out = json_object_new_array();
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n && (max <= 0 || (long)i < max); i++)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(arr, i)));
	json_object_put(doc);
	*items = out;
	return 0;
}

static int read_jsonl(const char *body, size_t len, long max, struct json_object **items, char *why,
		      size_t whylen)
{
	struct json_object *out = json_object_new_array();
	const char *p = body, *end = body + len;
	long line = 0;
	while (p < end && (max <= 0 || (long)json_object_array_length(out) < max)) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		line++;
		const char *q = p;
		while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < e) {
			struct json_object *v = NULL;
			char perr[ASLRT_ERRLEN];
			if (aslrt_json_parse(p, (size_t)(e - p), &v, perr, sizeof perr) != 0) {
				char msg[ASLRT_ERRLEN + 60];
				snprintf(msg, sizeof msg,
					 "Line %ld of the JSONL file is not JSON: %s", line, perr);
				json_object_put(out);
				return fail(why, whylen, msg);
			}
			json_object_array_add(out, v);
		}
		p = nl ? nl + 1 : end;
	}
	*items = out;
	return 0;
}

int aslrt_aws_read_items(const char *type, struct json_object *cfg, const char *body, size_t len,
			 long max, struct json_object **items, char *why, size_t whylen)
{
	*items = NULL;
	if (strcmp(type, "CSV") == 0)
		return read_csv(cfg, body, len, max, items, why, whylen);
	if (strcmp(type, "JSON") == 0)
		return read_json(cfg, body, len, max, items, why, whylen);
	if (strcmp(type, "JSONL") == 0)
		return read_jsonl(body, len, max, items, why, whylen);
	return fail(why, whylen, "ReaderConfig.InputType must be CSV, JSON or JSONL");
}

struct json_object *aslrt_aws_xml_to_json(aws_xml *root)
{
	return to_json(root);
}

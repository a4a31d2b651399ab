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
		aslrt_buf_put(&p->stack[p->depth - 1]->text, s, (size_t)len);
}

void aslrt_aws_xml_free(aws_xml *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->nkids; i++)
		aslrt_aws_xml_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	aslrt_buf_free(&n->text);
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
		return n->text.s ? n->text.s : "";
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
	if (r->body.len && aslrt_json_parse(r->body.s, r->body.len, &o, why, sizeof why) == 0 &&
	    json_object_is_type(o, json_type_object)) {
		const char *t = aslrt_aws_get_str(o, "__type");
		const char *m = aslrt_aws_get_str(o, "message") ? aslrt_aws_get_str(o, "message")
								: aslrt_aws_get_str(o, "Message");
		if (t)
			*code = strdup(t);
		if (m)
			*msg = strdup(m);
	} else if (r->body.len && r->body.s[0] == '<') {
		aws_xml *x = aslrt_aws_xml_parse(r->body.s, r->body.len);
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
		const char *t = n->text.s ? n->text.s : "";
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
	aslrt_buf f = {0};
	bool any = false;
	for (;;) {
		aslrt_buf_put(&f, "", 0);
		f.len = 0;
		f.s[0] = '\0';
		if (s->p < s->end && *s->p == '"') {
			s->p++;
			for (;;) {
				if (s->p >= s->end) {
					*bad_quote = true;
					break;
				}
				if (*s->p == '"') {
					if (s->p + 1 < s->end && s->p[1] == '"') {
						aslrt_buf_put(&f, "\"", 1);
						s->p += 2;
						continue;
					}
					s->p++;
					break;
				}
				aslrt_buf_put(&f, s->p++, 1);
			}
			any = true;
		}
		while (s->p < s->end && *s->p != s->delim && *s->p != '\n' && *s->p != '\r') {
			aslrt_buf_put(&f, s->p++, 1);
			any = true;
		}
		bool more = s->p < s->end && *s->p == s->delim;
		if (any || more || json_object_array_length(rec) > 0)
			json_object_array_add(rec, json_object_new_string_len(f.s, (int)f.len));
		if (!more)
			break;
		s->p++;
		any = true;
	}
	if (s->p < s->end && *s->p == '\r')
		s->p++;
	if (s->p < s->end && *s->p == '\n')
		s->p++;
	aslrt_buf_free(&f);
	return rec;
}

/* A streamed object as items: its bytes come in pieces (libcurl's write
 * callback), and only what is not yet a whole record (CSV) or line (JSONL)
 * is kept, so memory follows the items, not the object.  JSON is one
 * document and is parsed whole at the end (at most MAX_JSON bytes). */
struct aws_items {
	char type; /* 'C' CSV, 'J' JSON, 'L' JSONL */
	struct json_object *cfg;
	long max;
	char delim;
	struct json_object *headers; /* CSV: NULL until the first row is read */
	aslrt_buf pend;		     /* bytes not yet items */
	size_t next_try;	     /* parse again once pend is this long */
	long row;		     /* CSV: the last row's number; JSONL: line */
	struct json_object *out;
	bool done;   /* max items read: the rest is not needed */
	bool failed; /* why says why */
	char why[ASLRT_ERRLEN + 80];
};

static int read_json(struct json_object *cfg, const char *body, size_t len, long max,
		     struct json_object **items, char *why, size_t whylen);

#define MAX_JSON ((size_t)64 << 20)
/* A CSV record or JSONL line longer than this is refused: AWS's items are
 * at most 256 KiB, and a quote never closed must not hold the whole object. */
#define MAX_RECORD ((size_t)8 << 20)

static int items_fail(aws_items *s, const char *msg)
{
	if (!s->failed)
		snprintf(s->why, sizeof s->why, "%s", msg);
	s->failed = true;
	return -1;
}

static bool full(const aws_items *s)
{
	return s->max > 0 && (long)json_object_array_length(s->out) >= s->max;
}

static int csv_headers(aws_items *s, struct json_object *headers)
{
	s->headers = headers;
	size_t nh = json_object_array_length(headers);
	for (size_t i = 0; i < nh; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(headers, i)),
				   json_object_get_string(json_object_array_get_idx(headers, j))) ==
			    0)
				return items_fail(s, "CSV headers cannot contain duplicates.");
	return 0;
}

static int csv_row(aws_items *s, struct json_object *rec)
{
	s->row++;
	size_t n = json_object_array_length(rec), nh = json_object_array_length(s->headers);
	if (n == 0)
		return 0; /* a blank line */
	if (n != nh) {
		char msg[160];
		snprintf(msg, sizeof msg, "CSV row %ld has %zu fields but there are %zu headers",
			 s->row, n, nh);
		return items_fail(s, msg);
	}
	struct json_object *item = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_object_add(
		    item, json_object_get_string(json_object_array_get_idx(s->headers, i)),
		    json_object_get(json_object_array_get_idx(rec, i)));
	json_object_array_add(s->out, item);
	return 0;
}

/* The whole records in pend (all of it at the end, eof), then pend keeps
 * the rest.  A record is whole once its line end is in: a '\n', or a '\r'
 * with a byte after it (which may be its '\n'). */
static void csv_take(aws_items *s, bool eof)
{
	csv cs = {s->pend.s, s->pend.s + s->pend.len, s->delim};
	while (!s->done && !s->failed) {
		const char *start = cs.p;
		bool bad = false;
		struct json_object *rec = csv_record(&cs, &bad);
		if (!rec)
			break;
		bool whole =
		    eof || (!bad && (cs.p[-1] == '\n' || (cs.p[-1] == '\r' && cs.p < cs.end)));
		if (!whole) {
			json_object_put(rec);
			cs.p = start;
			break;
		}
		if (!s->headers)
			csv_headers(s, json_object_get(rec));
		else
			csv_row(s, rec);
		json_object_put(rec);
		if (bad)
			items_fail(s, "The CSV file has a quoted field that is never closed");
		s->done = !s->failed && s->headers && full(s);
	}
	size_t used = (size_t)(cs.p - s->pend.s);
	memmove(s->pend.s, cs.p, s->pend.len - used);
	s->pend.len -= used;
	s->pend.s[s->pend.len] = '\0';
}

static void jsonl_take(aws_items *s, bool eof)
{
	size_t off = 0;
	while (!s->failed && !full(s)) {
		char *p = s->pend.s + off, *nl = memchr(p, '\n', s->pend.len - off);
		if (!nl && !(eof && off < s->pend.len))
			break;
		const char *e = nl ? nl : s->pend.s + s->pend.len;
		s->row++;
		const char *q = p;
		while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < e) {
			struct json_object *v = NULL;
			char perr[ASLRT_ERRLEN];
			if (aslrt_json_parse(p, (size_t)(e - p), &v, perr, sizeof perr) != 0) {
				char msg[ASLRT_ERRLEN + 60];
				snprintf(msg, sizeof msg,
					 "Line %ld of the JSONL file is not JSON: %s", s->row,
					 perr);
				items_fail(s, msg);
				break;
			}
			json_object_array_add(s->out, v);
		}
		off = nl ? (size_t)(nl + 1 - s->pend.s) : s->pend.len;
	}
	s->done = !s->failed && full(s);
	memmove(s->pend.s, s->pend.s + off, s->pend.len - off);
	s->pend.len -= off;
	s->pend.s[s->pend.len] = '\0';
}

aws_items *aslrt_aws_items_open(const char *type, struct json_object *cfg, long max, char *why,
				size_t whylen)
{
	char t = strcmp(type, "CSV") == 0     ? 'C'
		 : strcmp(type, "JSON") == 0  ? 'J'
		 : strcmp(type, "JSONL") == 0 ? 'L'
					      : 0;
	if (!t) {
		fail(why, whylen, "ReaderConfig.InputType must be CSV, JSON or JSONL");
		return NULL;
	}
	aws_items *s = calloc(1, sizeof *s);
	s->type = t;
	s->cfg = json_object_get(cfg);
	s->max = max;
	s->delim = ',';
	s->row = t == 'C' ? 1 : 0;
	s->out = json_object_new_array();
	aslrt_buf_put(&s->pend, "", 0);
	const char *dname = aslrt_aws_get_str(cfg, "CSVDelimiter");
	const char *loc = aslrt_aws_get_str(cfg, "CSVHeaderLocation");
	if (t == 'C' && dname) {
		const char *names[] = {"COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"};
		const char chars[] = {',', '|', ';', ' ', '\t'};
		size_t i;
		for (i = 0; i < 5 && strcmp(dname, names[i]) != 0; i++)
			;
		if (i == 5)
			items_fail(
			    s, "CSVDelimiter must be one of COMMA, PIPE, SEMICOLON, SPACE, TAB");
		else
			s->delim = chars[i];
	}
	if (t == 'C' && !s->failed && loc && strcmp(loc, "GIVEN") == 0) {
		struct json_object *h = aslrt_aws_get(cfg, "CSVHeaders");
		if (!h || !json_object_is_type(h, json_type_array))
			items_fail(s, "CSVHeaders is required when CSVHeaderLocation is GIVEN");
		else
			csv_headers(s, json_object_get(h));
	} else if (t == 'C' && !s->failed && loc && strcmp(loc, "FIRST_ROW") != 0) {
		items_fail(s, "CSVHeaderLocation must be FIRST_ROW or GIVEN");
	}
	if (s->failed) {
		fail(why, whylen, s->why);
		aslrt_aws_items_free(s);
		return NULL;
	}
	return s;
}

int aslrt_aws_items_feed(aws_items *s, const char *p, size_t n)
{
	if (s->failed)
		return -1;
	if (s->done)
		return 1;
	if (s->type == 'J' && s->pend.len + n > MAX_JSON)
		return items_fail(s, "The JSON file is larger than 64 MiB, the most this runtime "
				     "reads whole (CSV and JSONL are streamed)");
	aslrt_buf_put(&s->pend, p, n);
	if (s->type == 'J' || s->pend.len < s->next_try)
		return 0;
	if (s->type == 'C')
		csv_take(s, false);
	else
		jsonl_take(s, false);
	/* what is left is part of one record: look again when it has doubled,
	 * so a long record is not parsed again for every piece */
	s->next_try = 2 * s->pend.len;
	if (!s->failed && s->pend.len > MAX_RECORD)
		items_fail(s, s->type == 'C' ? "A CSV row is longer than 8 MiB"
					     : "A JSONL line is longer than 8 MiB");
	return s->failed ? -1 : s->done ? 1 : 0;
}

int aslrt_aws_items_finish(aws_items *s, struct json_object **items, char *why, size_t whylen)
{
	*items = NULL;
	if (!s->failed && !s->done) {
		if (s->type == 'C')
			csv_take(s, true);
		else if (s->type == 'L')
			jsonl_take(s, true);
		else if (read_json(s->cfg, s->pend.s, s->pend.len, s->max, items, s->why,
				   sizeof s->why) != 0)
			s->failed = true;
	}
	if (s->type == 'C' && !s->headers)
		s->headers = json_object_new_array();
	int rc = 0;
	if (s->failed) {
		rc = fail(why, whylen, s->why);
	} else if (!*items) {
		*items = s->out;
		s->out = NULL;
	}
	aslrt_aws_items_free(s);
	return rc;
}

void aslrt_aws_items_free(aws_items *s)
{
	if (!s)
		return;
	json_object_put(s->cfg);
	json_object_put(s->headers);
	json_object_put(s->out);
	aslrt_buf_free(&s->pend);
	free(s);
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
		aslrt_buf tok = {0};
		aslrt_buf_put(&tok, "", 0);
		for (; *ptr && *ptr != '/'; ptr++) {
			if (ptr[0] == '~' && (ptr[1] == '0' || ptr[1] == '1')) {
				aslrt_buf_put(&tok, ptr[1] == '0' ? "~" : "/", 1);
				ptr++;
			} else {
				aslrt_buf_put(&tok, ptr, 1);
			}
		}
		if (json_object_is_type(v, json_type_array)) {
			char *e;
			long i = strtol(tok.s, &e, 10);
			v = *tok.s && !*e && i >= 0 ? json_object_array_get_idx(v, (size_t)i)
						    : NULL;
		} else {
			v = aslrt_aws_get(v, tok.s);
		}
		aslrt_buf_free(&tok);
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

int aslrt_aws_read_items(const char *type, struct json_object *cfg, const char *body, size_t len,
			 long max, struct json_object **items, char *why, size_t whylen)
{
	*items = NULL;
	aws_items *s = aslrt_aws_items_open(type, cfg, max, why, whylen);
	if (!s)
		return -1;
	aslrt_aws_items_feed(s, body, len);
	return aslrt_aws_items_finish(s, items, why, whylen);
}

struct json_object *aslrt_aws_xml_to_json(aws_xml *root)
{
	return to_json(root);
}

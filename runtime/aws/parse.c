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
 * callback), and only what is not yet a whole record (CSV), line (JSONL)
 * or array element (JSON) is kept, so memory follows the items, not the
 * object. */
typedef struct jframe jframe;
struct aws_items {
	char type; /* 'C' CSV, 'J' JSON, 'L' JSONL */
	struct json_object *cfg;
	long max;
	char delim;
	struct json_object *headers; /* CSV: NULL until the first row is read */
	aslrt_buf pend;		     /* bytes not yet items */
	size_t next_try;	     /* parse again once pend is this long */
	long row;		     /* CSV: the last row's number; JSONL: line; JSON: item */
	long taken;		     /* items taken out of out already */
	struct json_object *out;
	bool done;   /* max items read: the rest is not needed */
	bool failed; /* why says why */
	char why[ASLRT_ERRLEN + 80];
	/* JSON (json_take): where the walk is in pend, what it is inside */
	size_t at;	  /* the next byte to read */
	size_t dropped;	  /* bytes of the object dropped from pend's front */
	char **tok;	  /* ItemsPointer's reference tokens */
	int ntok;	  /* -1: the pointer can never resolve */
	jframe *stack;	  /* the containers open around at */
	int depth, cap;	  /* open containers, room for them */
	bool root_done;	  /* the document's value is read: only spaces may follow */
	bool found;	  /* the array ItemsPointer names was entered */
	bool in_item;	  /* an element of that array is being scanned, from item */
	size_t item;	  /* its first byte */
	size_t scan;	  /* how far it is scanned */
	int idepth;	  /* containers open within it at scan */
	bool in_str, esc; /* scan is within a string, after a backslash */
};

static void json_take(aws_items *s, bool eof);
static int json_open(aws_items *s);

/* A CSV record, JSONL line or JSON element longer than this is refused:
 * AWS reads an item of up to 8 MB (one its ItemSelector must shrink to
 * the 256 KiB of a child's input), and a quote never closed must not hold
 * the whole object. */
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
	return s->max > 0 && s->taken + (long)json_object_array_length(s->out) >= s->max;
}

long aslrt_aws_items_count(const aws_items *s)
{
	return (long)json_object_array_length(s->out);
}

struct json_object *aslrt_aws_items_take(aws_items *s)
{
	struct json_object *got = s->out;
	s->taken += (long)json_object_array_length(got);
	s->out = json_object_new_array();
	return got;
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
	if (t == 'J')
		json_open(s);
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
	aslrt_buf_put(&s->pend, p, n);
	if (s->pend.len < s->next_try)
		return 0;
	if (s->type == 'C')
		csv_take(s, false);
	else if (s->type == 'L')
		jsonl_take(s, false);
	else
		json_take(s, false); /* which limits its elements and tokens itself */
	/* what is left is part of one record: look again when it has doubled,
	 * so a long record is not parsed again for every piece */
	s->next_try = 2 * s->pend.len;
	if (s->type != 'J' && !s->failed && s->pend.len > MAX_RECORD)
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
		else
			json_take(s, true);
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
	for (int i = 0; i < s->ntok; i++)
		free(s->tok[i]);
	free(s->tok);
	free(s->stack);
	free(s);
}

/* --- JSON, streamed --- */

/*
 * A JSON object's items are the elements of its array (or of the array
 * ReaderConfig.ItemsPointer, an RFC 6901 pointer, names), read as the
 * bytes come: a walk over the document's structure keeps only the
 * containers open around it (their kind, what each wants next, whether it
 * lies on the pointer's path), each element is scanned to its end and
 * parsed alone by the runtime's strict parser (aslrt_json_parse: RFC 8259,
 * valid UTF-8, numbers as written), and the scalars and keys the walk
 * passes are parsed by it too, so the object is checked as strictly as a
 * whole-document parse would, nesting counted across both, and error
 * offsets are the file's.  Memory holds the items read and one element or
 * token, whatever the object's size.  An element or token over MAX_RECORD
 * is refused; MaxItems stops the walk (the rest is not read).  With
 * duplicate keys on the pointer's path the first one is followed.
 */
struct jframe {
	char type;	/* '{' or '[' */
	char want;	/* 'k' a key, ':' its colon, 'v' a value, ',' a comma or the end */
	bool first;	/* nothing read in it yet */
	bool path;	/* on ItemsPointer's path: stack[d] matches token d */
	bool next_path; /* the value to come is on the path too */
	bool target;	/* the array the items are the elements of */
	long index;	/* arrays: the value to come's */
};

#define NOT_YET SIZE_MAX

/* AWS's causes: the pointer's value is no array; nothing is at the pointer
 * (as Jackson's JsonNode.at() finds it: a missing member or index, or a
 * scalar on the way). */
static const char non_iterable[] = "Attempting to map over non-iterable node.";
static const char no_match[] =
    "The provided ReaderConfig.ItemsPointer does not match any valid path "
    "in the JSON structure.";

/* ItemsPointer as reference tokens ("~1" is '/', "~0" '~'); no pointer or
 * "" is the whole document; one not starting with '/' never resolves. */
static int json_open(aws_items *s)
{
	const char *ptr = aslrt_aws_get_str(s->cfg, "ItemsPointer");
	if (ptr && *ptr && *ptr != '/')
		s->ntok = -1;
	while (ptr && *ptr == '/') {
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
		s->tok = realloc(s->tok, (size_t)(s->ntok + 1) * sizeof *s->tok);
		s->tok[s->ntok++] = tok.s;
	}
	return 0;
}

/* Does an array index match a reference token (a decimal index)? */
static bool index_is(const char *tok, long i)
{
	char *e;
	long v = strtol(tok, &e, 10);
	return *tok && !*e && v >= 0 && v == i;
}

static bool json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool value_start(char c)
{
	return c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' ||
	       c == 'f' || c == 'n';
}

/* aslrt_json_parse's "... at offset N" about text that starts at base in
 * the file, made the file's offset. */
static void reoffset(char *why, size_t whylen, size_t base)
{
	char *at = strstr(why, " at offset ");
	if (at) {
		size_t off = (size_t)strtoull(at + 11, NULL, 10);
		snprintf(at + 11, whylen - (size_t)(at + 11 - why), "%zu", base + off);
	}
}

/* Not valid JSON: what, at offset at of pend. */
static void jfail(aws_items *s, const char *what, size_t at)
{
	char msg[ASLRT_ERRLEN + 80];
	snprintf(msg, sizeof msg, "The JSON file is not valid JSON: %s at offset %zu", what,
		 s->dropped + at);
	items_fail(s, msg);
}

/* Parse pend[at, end) strictly into *v (new; NULL is null): 0, or -1 with
 * s failed. */
static int jparse(aws_items *s, size_t at, size_t end, struct json_object **v)
{
	char perr[ASLRT_ERRLEN], msg[ASLRT_ERRLEN + 80];
	if (aslrt_json_parse(s->pend.s + at, end - at, v, perr, sizeof perr) != 0) {
		reoffset(perr, sizeof perr, s->dropped + at);
		snprintf(msg, sizeof msg, "The JSON file is not valid JSON: %s", perr);
		items_fail(s, msg);
		return -1;
	}
	return 0;
}

static void too_long(aws_items *s, size_t at)
{
	char msg[160];
	snprintf(msg, sizeof msg,
		 "The JSON file has a value longer than 8 MiB at offset %zu, the most an item "
		 "may be",
		 s->dropped + at);
	items_fail(s, msg);
}

/* The end of the string, number or literal at pend[p]; NOT_YET until it is
 * all in (at eof, the object's end), or when s failed: over MAX_RECORD. */
static size_t token_end(aws_items *s, size_t p, bool eof)
{
	const char *b = s->pend.s;
	size_t n = s->pend.len, i = p, end = NOT_YET;
	if (b[p] == '"') {
		for (i = p + 1; i < n && i - p <= MAX_RECORD && end == NOT_YET; i++) {
			if (b[i] == '\\')
				i++;
			else if (b[i] == '"')
				end = i + 1;
		}
	} else {
		while (i < n && i - p <= MAX_RECORD && !json_ws(b[i]) && b[i] != ',' &&
		       b[i] != ']' && b[i] != '}' && b[i] != ':')
			i++;
		if (i < n && i - p <= MAX_RECORD)
			end = i;
	}
	if (end != NOT_YET ? end - p > MAX_RECORD : i - p > MAX_RECORD) {
		too_long(s, p);
		return NOT_YET;
	}
	return end == NOT_YET && eof ? n : end;
}

/* A value is read at the walk's level: the container wants a comma. */
static void value_done(aws_items *s)
{
	if (s->depth == 0)
		s->root_done = true;
	else
		s->stack[s->depth - 1].want = ',';
}

static void push(aws_items *s, char type, bool path, bool target)
{
	if (s->depth == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->stack = realloc(s->stack, (size_t)s->cap * sizeof *s->stack);
		if (!s->stack)
			abort();
	}
	int d = s->depth++;
	s->stack[d] = (jframe){type, type == '{' ? 'k' : 'v', true, path, false, target, 0};
	s->stack[d].next_path = type == '[' && path && index_is(s->tok[d], 0);
}

/* Scan the element being read on from s->scan: true once it is read (or s
 * failed), false when more bytes are needed.  Its end: a string's closing
 * quote, a container's closing bracket, a number's or literal's delimiter. */
static bool item_scan(aws_items *s, bool eof)
{
	const char *b = s->pend.s;
	size_t n = s->pend.len, end = NOT_YET;
	for (; s->scan < n && s->scan - s->item <= MAX_RECORD && end == NOT_YET; s->scan++) {
		char c = b[s->scan];
		if (s->in_str) {
			if (s->esc) {
				s->esc = false;
			} else if (c == '\\') {
				s->esc = true;
			} else if (c == '"') {
				s->in_str = false;
				if (s->idepth == 0)
					end = s->scan + 1;
			}
		} else if (c == '"') {
			s->in_str = true;
		} else if (c == '{' || c == '[') {
			if (++s->idepth + s->depth > ASLRT_JSON_MAX_DEPTH) {
				jfail(s, "nested deeper than " ASLRT_JSON_MAX_DEPTH_TEXT " levels",
				      s->scan);
				return true;
			}
		} else if (c == '}' || c == ']') {
			if (s->idepth == 0)
				end = s->scan; /* a number's or literal's end */
			else if (--s->idepth == 0)
				end = s->scan + 1;
		} else if (s->idepth == 0 && (c == ',' || json_ws(c))) {
			end = s->scan;
		}
	}
	if (end == NOT_YET ? s->scan - s->item > MAX_RECORD : end - s->item > MAX_RECORD) {
		too_long(s, s->item);
		return true;
	}
	if (end == NOT_YET && !eof)
		return false;
	if (end == NOT_YET)
		end = n;
	struct json_object *v;
	if (jparse(s, s->item, end, &v))
		return true;
	json_object_array_add(s->out, v);
	s->row++;
	s->in_item = false;
	s->at = end;
	value_done(s);
	s->done = full(s);
	return true;
}

/* At the object's end: what the walk still wanted. */
static void json_end(aws_items *s)
{
	if (s->root_done) {
		if (!s->found)
			items_fail(s, no_match);
		return;
	}
	if (s->depth == 0) {
		items_fail(s, "The JSON file is not valid JSON: empty input");
		return;
	}
	jframe *f = &s->stack[s->depth - 1];
	jfail(s,
	      f->want == 'k'   ? "a string key expected"
	      : f->want == ':' ? "':' expected after an object key"
	      : f->want == 'v' ? "unexpected end of the text"
	      : f->type == '{' ? "',' or '}' expected in an object"
			       : "',' or ']' expected in an array",
	      s->pend.len);
}

/* One step of the walk at pend[p] (no space): false when more bytes are
 * needed. */
static bool json_step(aws_items *s, size_t p, bool eof)
{
	const char *b = s->pend.s;
	char ch = b[p];
	jframe *f = s->depth ? &s->stack[s->depth - 1] : NULL;
	if (s->root_done) {
		jfail(s, "unexpected text after the JSON value", p);
	} else if (f && f->want == ':') {
		if (ch != ':')
			jfail(s, "':' expected after an object key", p);
		f->want = 'v';
		s->at = p + 1;
	} else if ((f && f->want == ',') || (f && f->first && ch == (f->type == '{' ? '}' : ']'))) {
		if (ch == (f->type == '{' ? '}' : ']')) {
			s->depth--;
			value_done(s);
		} else if (ch == ',') {
			f->want = f->type == '{' ? 'k' : 'v';
			f->first = false;
			f->index++;
			f->next_path =
			    f->type == '[' && f->path && index_is(s->tok[s->depth - 1], f->index);
		} else {
			jfail(s,
			      f->type == '{' ? "',' or '}' expected in an object"
					     : "',' or ']' expected in an array",
			      p);
		}
		s->at = p + 1;
	} else if (f && f->want == 'k') {
		if (ch != '"') {
			jfail(s, "a string key expected", p);
			return true;
		}
		size_t e = token_end(s, p, eof);
		if (e == NOT_YET)
			return s->failed;
		struct json_object *k;
		if (jparse(s, p, e, &k))
			return true;
		if (strlen(json_object_get_string(k)) != (size_t)json_object_get_string_len(k))
			jfail(s, "an object key containing U+0000 is not supported", p);
		f->want = ':';
		f->first = false;
		f->next_path =
		    f->path && strcmp(json_object_get_string(k), s->tok[s->depth - 1]) == 0;
		json_object_put(k);
		s->at = e;
	} else if (!value_start(ch)) {
		jfail(s, s->depth == 0 && ch == '\xEF' ? "byte order mark" : "not a JSON value", p);
	} else if (f && f->target) {
		s->in_item = true;
		s->item = s->scan = p;
		s->idepth = 0;
		s->in_str = s->esc = false;
	} else {
		/* a value: on the pointer's path, its level is the walk's depth */
		bool on_path = !s->found && (f ? f->path && f->next_path : s->ntok >= 0);
		if (on_path && s->depth == s->ntok) {
			if (ch != '[') {
				items_fail(s, non_iterable);
				return true;
			}
			push(s, '[', false, true);
			s->found = true;
			s->at = p + 1;
		} else if (ch == '{' || ch == '[') {
			if (s->depth + 1 > ASLRT_JSON_MAX_DEPTH)
				jfail(s, "nested deeper than " ASLRT_JSON_MAX_DEPTH_TEXT " levels",
				      p);
			push(s, ch, on_path, false);
			s->at = p + 1;
		} else if (on_path) {
			items_fail(s, no_match); /* a scalar where the pointer goes on */
		} else {
			size_t e = token_end(s, p, eof);
			if (e == NOT_YET)
				return s->failed;
			struct json_object *v = NULL;
			jparse(s, p, e, &v);
			json_object_put(v);
			value_done(s);
			s->at = e;
		}
	}
	return true;
}

/* Walk what pend holds (all of it at the object's end, eof), then drop
 * what is read: pend keeps the element or token not yet whole. */
static void json_take(aws_items *s, bool eof)
{
	while (!s->failed && !s->done) {
		if (s->in_item) {
			if (!item_scan(s, eof))
				break;
			continue;
		}
		size_t p = s->at;
		while (p < s->pend.len && json_ws(s->pend.s[p]))
			p++;
		s->at = p;
		if (p >= s->pend.len) {
			if (eof)
				json_end(s);
			break;
		}
		if (!json_step(s, p, eof))
			break;
	}
	size_t keep = s->in_item ? s->item : s->at;
	memmove(s->pend.s, s->pend.s + keep, s->pend.len - keep);
	s->pend.len -= keep;
	s->pend.s[s->pend.len] = '\0';
	s->dropped += keep;
	s->at -= keep;
	if (s->in_item) {
		s->item -= keep;
		s->scan -= keep;
	}
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

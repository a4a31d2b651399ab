/*
 * parse.c - the response parsers of the AWS client, apart from any request
 * state so that tests/fuzz/fuzz_aws.c can feed them any bytes: error bodies
 * in every protocol's form (JSON __type/message, X-Amzn-ErrorType, XML
 * <Error><Code>), and XML (expat) into a small tree and into the JSON the
 * SDKs make of S3's list results.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <json-c/json.h>

#include "aws.h"
#include "rt.h"

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;
	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v)
		   ? v
		   : NULL;
}

static const char *get_str(struct json_object *o, const char *k)
{
	struct json_object *v = get(o, k);
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
		aws_buf_add(&p->stack[p->depth - 1]->text, s, (size_t)len);
}

void aws_xml_free(aws_xml *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->nkids; i++)
		aws_xml_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	aws_buf_free(&n->text);
	free(n);
}

aws_xml *aws_xml_parse(const char *s, size_t n)
{
	XML_Parser xp = XML_ParserCreate("UTF-8");
	xparse p = {0};
	XML_SetUserData(xp, &p);
	XML_SetElementHandler(xp, x_start, x_end);
	XML_SetCharacterDataHandler(xp, x_text);
	bool ok = XML_Parse(xp, s, (int)n, 1) == XML_STATUS_OK && !p.too_deep;
	XML_ParserFree(xp);
	if (!ok) {
		aws_xml_free(p.root);
		return NULL;
	}
	return p.root;
}

/* The text of the first element called name anywhere under n. */
const char *aws_xml_find(aws_xml *n, const char *name)
{
	if (!n)
		return NULL;
	if (strcmp(n->name, name) == 0)
		return n->text.p ? n->text.p : "";
	for (int i = 0; i < n->nkids; i++) {
		const char *t = aws_xml_find(n->kids[i], name);
		if (t)
			return t;
	}
	return NULL;
}

/* The error code and message of a failed response, whatever the protocol:
 * JSON {"__type":"ns#Code","message":..} or X-Amzn-ErrorType, XML
 * <Error><Code>..</Code><Message>..</Message>.  Both malloc'd. */
void aws_error_of(const aws_http_resp *r, char **code, char **msg)
{
	*code = *msg = NULL;
	struct json_object *o = NULL;
	char why[64];
	if (r->body.len && aslrt_json_parse(r->body.p, r->body.len, &o, why, sizeof why) == 0 &&
	    json_object_is_type(o, json_type_object)) {
		const char *t = get_str(o, "__type");
		const char *m =
		    get_str(o, "message") ? get_str(o, "message") : get_str(o, "Message");
		if (t)
			*code = strdup(t);
		if (m)
			*msg = strdup(m);
	} else if (r->body.len && r->body.p[0] == '<') {
		aws_xml *x = aws_xml_parse(r->body.p, r->body.len);
		const char *t = aws_xml_find(x, "Code"), *m = aws_xml_find(x, "Message");
		if (t)
			*code = strdup(t);
		if (m)
			*msg = strdup(m);
		aws_xml_free(x);
	}
	json_object_put(o);
	const char *hdr = aws_headers_get(&r->headers, "x-amzn-ErrorType");
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
			struct json_object *a = get(o, kid->name);
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

struct json_object *aws_xml_to_json(aws_xml *root)
{
	return to_json(root);
}

/*
 * fuzz_aws.c - libFuzzer target for the AWS client's response parsers
 * (runtime/aws/parse.c): the bytes are a response body, read as an error
 * response of any protocol (JSON, X-Amzn-ErrorType, XML), as an S3 list
 * result (XML into the SDK's JSON) and as a Distributed Map's ItemReader
 * object (CSV with each delimiter and header mode, JSON with ItemsPointer,
 * JSONL), whole and fed in pieces, which must agree.  Build and run it with
 * tests/fuzz/run_aws.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "rt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aws_http_resp r = {0};
	r.status = size ? 400 + data[0] % 200 : 500;
	aslrt_buf_put(&r.body, (const char *)data, size);
	if (size > 1 && data[1] & 1) {
		/* The first line as an X-Amzn-ErrorType header too. */
		size_t n = strcspn(r.body.s, "\n");
		char *h = strndup(r.body.s, n);
		aslrt_aws_headers_add(&r.headers, "X-Amzn-ErrorType", h);
		free(h);
	}
	char *code, *msg;
	aslrt_aws_error_of(&r, &code, &msg);
	if (!code)
		abort(); /* always named */
	free(code);
	free(msg);
	aws_xml *x = aslrt_aws_xml_parse(r.body.s, r.body.len);
	if (x) {
		aslrt_aws_xml_find(x, "MessageId");
		struct json_object *j = aslrt_aws_xml_to_json(x);
		char *text = aslrt_json_dump(j);
		free(text);
		json_object_put(j);
		aslrt_aws_xml_free(x);
	}
	/* The object as items, the first byte choosing how it is read. */
	static const char *types[] = {"CSV", "JSON", "JSONL"};
	static const char *delims[] = {"COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"};
	unsigned sel = size ? data[0] : 0;
	struct json_object *cfg = json_object_new_object();
	json_object_object_add(cfg, "CSVDelimiter", json_object_new_string(delims[(sel >> 2) % 5]));
	if (sel & 0x80) {
		json_object_object_add(cfg, "CSVHeaderLocation", json_object_new_string("GIVEN"));
		struct json_object *h = json_object_new_array();
		json_object_array_add(h, json_object_new_string("a"));
		json_object_array_add(h, json_object_new_string("b"));
		json_object_object_add(cfg, "CSVHeaders", h);
	}
	if (sel & 0x40)
		json_object_object_add(cfg, "ItemsPointer", json_object_new_string("/items/0"));
	struct json_object *items = NULL;
	char why[640];
	const char *body = size ? r.body.s + 1 : "";
	size_t len = size ? size - 1 : 0;
	long max = sel & 0x20 ? 3 : 0;
	int rc = aslrt_aws_read_items(types[sel % 3], cfg, body, len, max, &items, why, sizeof why);
	char *whole = rc == 0 ? aslrt_json_dump(items) : strdup(why);
	json_object_put(items);
	/* Streamed in pieces (as libcurl hands them over), the same items or
	 * the same error. */
	size_t piece = 1 + (size > 1 ? data[1] % 13 : 0);
	aws_items *st = aslrt_aws_items_open(types[sel % 3], cfg, max, why, sizeof why);
	if (st) {
		for (size_t at = 0; at < len; at += piece)
			if (aslrt_aws_items_feed(st, body + at,
						 len - at < piece ? len - at : piece))
				break;
		items = NULL;
		rc = aslrt_aws_items_finish(st, &items, why, sizeof why);
	}
	char *streamed = st && rc == 0 ? aslrt_json_dump(items) : strdup(why);
	json_object_put(items);
	if (strcmp(whole, streamed) != 0)
		abort();
	free(whole);
	free(streamed);
	json_object_put(cfg);
	aslrt_aws_http_resp_free(&r);
	return 0;
}

/*
 * fuzz_aws.c - libFuzzer target for the AWS client's response parsers
 * (runtime/aws/parse.c): the bytes are a response body, read as an error
 * response of any protocol (JSON, X-Amzn-ErrorType, XML) and as an S3 list
 * result (XML into the SDK's JSON).  Build and run it with
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
	aws_buf_add(&r.body, data, size);
	if (size > 1 && data[1] & 1) {
		/* The first line as an X-Amzn-ErrorType header too. */
		size_t n = strcspn(r.body.p, "\n");
		char *h = strndup(r.body.p, n);
		aws_headers_add(&r.headers, "X-Amzn-ErrorType", h);
		free(h);
	}
	char *code, *msg;
	aws_error_of(&r, &code, &msg);
	if (!code)
		abort(); /* always named */
	free(code);
	free(msg);
	aws_xml *x = aws_xml_parse(r.body.p, r.body.len);
	if (x) {
		aws_xml_find(x, "MessageId");
		struct json_object *j = aws_xml_to_json(x);
		char *text = aslrt_json_dump(j);
		free(text);
		json_object_put(j);
		aws_xml_free(x);
	}
	aws_http_resp_free(&r);
	return 0;
}

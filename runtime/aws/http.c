/*
 * http.c - one HTTP exchange for the AWS client, through the runtime's
 * libcurl client (../http.c): headers go out as "Name: value" lines and the
 * response's raw header lines come back as a list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "aws.h"

/* Bodies are held in memory: at most this much (a Task's result is at most
 * 256 KiB, a Lambda payload 6 MB), so a runaway response cannot exhaust it. */
#define MAX_BODY ((size_t)64 << 20)

/* The raw header block into h: each "HTTP/" status line starts a new
 * response (after 100 Continue), so only the last one's headers stay. */
static void parse_headers(const char *p, size_t len, aws_headers *h)
{
	const char *end = p + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (eol - p >= 5 && strncmp(p, "HTTP/", 5) == 0) {
			aslrt_aws_headers_free(h);
		} else if (colon) {
			const char *v = colon + 1, *ve = eol;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == '\n' || ve[-1] == ' '))
				ve--;
			char *name = strndup(p, (size_t)(colon - p));
			char *value = strndup(v, (size_t)(ve - v));
			if (name && value)
				aslrt_aws_headers_add(h, name, value);
			free(name);
			free(value);
		}
		p = nl ? nl + 1 : end;
	}
}

int aslrt_aws_http(const aws_http_req *req, aws_http_resp *resp, bool *timed_out, char *why,
		   size_t whylen)
{
	*resp = (aws_http_resp){0};
	*timed_out = false;
	/* +2: "Expect:" and "Content-Type:" below, +1: the NULL. */
	char **lines = calloc((size_t)req->headers.n + 3, sizeof *lines);
	if (!lines)
		abort();
	int n = 0;
	for (int i = 0; i < req->headers.n; i++) {
		aslrt_buf line = {0};
		aslrt_buf_printf(&line, "%s: %s", req->headers.v[i].name, req->headers.v[i].value);
		lines[n++] = line.s;
	}
	lines[n++] = strdup("Expect:");
	/* libcurl would label a body form-encoded, unsigned, and servers then
	 * read it as a form (S3 object bodies): send no type unless given. */
	if (!aslrt_aws_headers_get(&req->headers, "Content-Type"))
		lines[n++] = strdup("Content-Type:");
	bool bodyless = strcmp(req->method, "HEAD") == 0 || strcmp(req->method, "GET") == 0;
	aslrt_httpreq q = {
	    .method = req->method,
	    .url = req->url,
	    .headers = (const char *const *)lines,
	    /* a POST without a body still says Content-Length: 0 */
	    .body = req->body  ? req->body
		    : bodyless ? NULL
			       : "",
	    .bodylen = req->body_len,
	    .timeout_ms = req->timeout_ms,
	    .maxbody = MAX_BODY,
	    .stall_s = req->stall_s,
	    .sink = req->sink,
	    .sink_arg = req->sink_arg,
	    .stop = req->stop,
	};
	aslrt_httpres res;
	int rc = aslrt_http_request(&q, &res, why, whylen);
	for (int i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	resp->streamed = res.streamed; /* also after a failure: no retry then */
	if (rc) {
		*timed_out = res.timed_out;
		return -1;
	}
	resp->status = res.status;
	parse_headers(res.headers, res.headerslen, &resp->headers);
	resp->body = (aslrt_buf){res.body, res.bodylen, res.bodylen + 1};
	free(res.headers);
	return 0;
}

void aslrt_aws_http_resp_free(aws_http_resp *r)
{
	aslrt_aws_headers_free(&r->headers);
	aslrt_buf_free(&r->body);
	r->status = 0;
}

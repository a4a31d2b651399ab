/*
 * http.c - one HTTP exchange over libcurl for the AWS client.
 *
 * libcurl is loaded with dlopen on the first AWS call rather than linked:
 * Debian's libcurl.a needs Kerberos, LDAP, libssh2, ... static archives that
 * do not exist, and an executable that calls no AWS service must keep
 * needing only the C library.  Where libcurl.so.4 is absent an AWS Task fails
 * with a clear error.
 *
 * One easy handle per thread (libcurl handles are not shared between
 * threads), kept for the thread's life so connections and the DNS cache are
 * reused across Tasks; freed by a thread-key destructor.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "../dl.h"
#include "aws.h"

static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[256];
static pthread_key_t handle_key;

static void handle_free(void *h)
{
	curl.easy_cleanup(h);
}

static void load(void)
{
	const char *names[] = {"libcurl.so.4", "libcurl.so", "libcurl-gnutls.so.4"};
	void *lib = NULL;
	for (size_t i = 0; i < sizeof names / sizeof *names && !lib; i++)
		lib = aslrt_dlopen(names[i]);
	if (!lib) {
		snprintf(load_error, sizeof load_error,
			 "AWS integrations need libcurl at run time (Debian: libcurl4): %s",
			 aslrt_dlerror());
		return;
	}
#define SYM(field, name)                                                                           \
	do {                                                                                       \
		*(void **)&curl.field = aslrt_dlsym(lib, name);                                    \
		if (!curl.field) {                                                                 \
			snprintf(load_error, sizeof load_error, "libcurl lacks %s", name);         \
			return;                                                                    \
		}                                                                                  \
	} while (0)
	SYM(global_init, "curl_global_init");
	SYM(easy_init, "curl_easy_init");
	SYM(easy_setopt, "curl_easy_setopt");
	SYM(easy_perform, "curl_easy_perform");
	SYM(easy_getinfo, "curl_easy_getinfo");
	SYM(easy_cleanup, "curl_easy_cleanup");
	SYM(easy_reset, "curl_easy_reset");
	SYM(easy_strerror, "curl_easy_strerror");
	SYM(slist_append, "curl_slist_append");
	SYM(slist_free_all, "curl_slist_free_all");
#undef SYM
	if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(load_error, sizeof load_error, "libcurl failed to initialise");
		return;
	}
	pthread_key_create(&handle_key, handle_free);
}

/* Bodies are held in memory: at most this much (a Task's result is at most
 * 256 KiB, a Lambda payload 6 MB), so a runaway response cannot exhaust it. */
#define MAX_BODY ((size_t)64 << 20)

typedef struct body_to {
	CURL *h;
	const aws_http_req *req;
	aws_http_resp *resp;
	bool stopped; /* the sink had enough */
} body_to;

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
	body_to *t = user;
	aws_buf *b = &t->resp->body;
	long status = 0;
	if (t->req->sink)
		curl.easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300) {
		t->resp->streamed += size * n;
		if (t->req->sink(p, size * n, t->req->sink_arg) == size * n)
			return size * n;
		t->stopped = true;
		return 0;
	}
	if (b->len + size * n > MAX_BODY)
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	aslrt_aws_buf_add(b, p, size * n);
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *user)
{
	aws_headers *h = user;
	size_t len = size * n;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		aslrt_aws_headers_free(h); /* a new response (after 100 Continue) */
		return len;
	}
	char *colon = memchr(p, ':', len);
	if (!colon)
		return len;
	char *name = strndup(p, (size_t)(colon - p));
	const char *v = colon + 1, *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	char *value = strndup(v, (size_t)(end - v));
	if (name && value)
		aslrt_aws_headers_add(h, name, value);
	free(name);
	free(value);
	return len;
}

int aslrt_aws_http(const aws_http_req *req, aws_http_resp *resp, bool *timed_out, char *why,
		   size_t whylen)
{
	*resp = (aws_http_resp){0};
	*timed_out = false;
	pthread_once(&load_once, load);
	if (load_error[0]) {
		snprintf(why, whylen, "%s", load_error);
		return -1;
	}
	CURL *h = pthread_getspecific(handle_key);
	if (!h) {
		h = curl.easy_init();
		if (!h) {
			snprintf(why, whylen, "libcurl cannot create a handle");
			return -1;
		}
		pthread_setspecific(handle_key, h);
	} else {
		curl.easy_reset(h); /* keeps the connection and DNS caches */
	}
	struct curl_slist *hl = NULL;
	for (int i = 0; i < req->headers.n; i++) {
		aws_buf line = {0};
		aslrt_aws_buf_printf(&line, "%s: %s", req->headers.v[i].name,
				     req->headers.v[i].value);
		hl = curl.slist_append(hl, line.p);
		aslrt_aws_buf_free(&line);
	}
	hl = curl.slist_append(hl, "Expect:");
	/* libcurl would label a body form-encoded, unsigned, and servers then
	 * read it as a form (S3 object bodies): send no type unless given. */
	if (!aslrt_aws_headers_get(&req->headers, "Content-Type"))
		hl = curl.slist_append(hl, "Content-Type:");
	curl.easy_setopt(h, CURLOPT_URL, req->url);
	curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl.easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	body_to to = {h, req, resp, false};
	curl.easy_setopt(h, CURLOPT_WRITEDATA, &to);
	curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl.easy_setopt(h, CURLOPT_HEADERDATA, &resp->headers);
	curl.easy_setopt(h, CURLOPT_DNS_CACHE_TIMEOUT, 60L);
	if (strcmp(req->method, "HEAD") == 0) {
		curl.easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "GET") == 0 && !req->body) {
		curl.easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl.easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	}
	/* The SDKs' limits: a connection within 10 s, and (their socket
	 * timeout) no silence longer than stall_s, so nothing hangs. */
	long connect = req->timeout_ms > 0 && req->timeout_ms < 10000 ? req->timeout_ms : 10000;
	curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect);
	if (req->timeout_ms > 0)
		curl.easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	if (req->stall_s > 0) {
		curl.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, req->stall_s);
	}
	CURLcode rc = curl.easy_perform(h);
	curl.slist_free_all(hl);
	if (rc == CURLE_WRITE_ERROR && to.stopped)
		rc = CURLE_OK; /* the sink stopped it: not a failure here */
	if (rc != CURLE_OK) {
		size_t streamed = resp->streamed;
		*timed_out = rc == CURLE_OPERATION_TIMEDOUT;
		if (rc == CURLE_WRITE_ERROR)
			snprintf(why, whylen, "the response body exceeds %zu MiB", MAX_BODY >> 20);
		else
			snprintf(why, whylen, "%s", curl.easy_strerror(rc));
		aslrt_aws_http_resp_free(resp);
		resp->streamed = streamed;
		return -1;
	}
	curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (!resp->body.p)
		aslrt_aws_buf_add(&resp->body, "", 0);
	return 0;
}

void aslrt_aws_http_resp_free(aws_http_resp *r)
{
	aslrt_aws_headers_free(&r->headers);
	aslrt_aws_buf_free(&r->body);
	r->status = 0;
}

/*
 * http.c - HTTP requests for Url bindings and the HTTP Task.  libcurl is
 * loaded with dlopen on first use: an executable that reaches no URL keeps
 * needing only the C library, and one that does needs libcurl4 installed
 * (a clear error says so otherwise).
 */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl.h"
#include "http.h"

static struct {
	void *so;
	CURLcode (*global_init)(long);
	CURL *(*init)(void);
	CURLcode (*setopt)(CURL *, CURLoption, ...);
	CURLcode (*perform)(CURL *);
	CURLcode (*getinfo)(CURL *, CURLINFO, ...);
	void (*cleanup)(CURL *);
	const char *(*strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	char err[256];
} cu;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	cu.so = aslrt_dlopen("libcurl.so.4");
	if (!cu.so) {
		snprintf(cu.err, sizeof cu.err, "cannot load libcurl (install libcurl4): %s",
			 aslrt_dlerror());
		return;
	}
#define SYM(f, name)                                                                               \
	if (!(*(void **)&cu.f = aslrt_dlsym(cu.so, name))) {                                       \
		snprintf(cu.err, sizeof cu.err, "libcurl has no %s", name);                        \
		cu.so = NULL;                                                                      \
		return;                                                                            \
	}
	SYM(global_init, "curl_global_init");
	SYM(init, "curl_easy_init");
	SYM(setopt, "curl_easy_setopt");
	SYM(perform, "curl_easy_perform");
	SYM(getinfo, "curl_easy_getinfo");
	SYM(cleanup, "curl_easy_cleanup");
	SYM(strerror, "curl_easy_strerror");
	SYM(slist_append, "curl_slist_append");
	SYM(slist_free_all, "curl_slist_free_all");
#undef SYM
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(cu.err, sizeof cu.err, "libcurl failed to initialise");
		cu.so = NULL;
	}
}

typedef struct sink {
	char *s;
	size_t len, cap, max;
	int over;
} sink;

static size_t collect(char *p, size_t size, size_t n, void *user)
{
	sink *k = user;
	size_t add = size * n;
	if (k->len + add > k->max) {
		k->over = 1;
		return 0;
	}
	if (k->len + add + 1 > k->cap) {
		while (k->len + add + 1 > k->cap)
			k->cap = k->cap ? k->cap * 2 : 4096;
		if (!(k->s = realloc(k->s, k->cap)))
			abort();
	}
	memcpy(k->s + k->len, p, add);
	k->len += add;
	k->s[k->len] = 0;
	return add;
}

int aslrt_http_request(const aslrt_httpreq *q, aslrt_httpres *res, char *why, size_t whylen)
{
	memset(res, 0, sizeof *res);
	pthread_once(&once, load);
	if (!cu.so) {
		snprintf(why, whylen, "%s", cu.err);
		return -1;
	}
	CURL *h = cu.init();
	if (!h) {
		snprintf(why, whylen, "libcurl could not start a request");
		return -1;
	}
	struct curl_slist *hs = NULL;
	for (const char *const *p = q->headers; p && *p; p++)
		hs = cu.slist_append(hs, *p);
	sink body = {0}, head = {0};
	body.max = q->maxbody;
	head.max = 1 << 20;
	char errbuf[CURL_ERROR_SIZE] = "";
	cu.setopt(h, CURLOPT_URL, q->url);
	cu.setopt(h, CURLOPT_NOSIGNAL, 1L);
	cu.setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	if (q->body) {
		cu.setopt(h, CURLOPT_POSTFIELDS, q->body);
		cu.setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->bodylen);
	} else if (strcmp(q->method, "GET") == 0) {
		cu.setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(q->method, "HEAD") == 0) {
		cu.setopt(h, CURLOPT_NOBODY, 1L);
	}
	cu.setopt(h, CURLOPT_HTTPHEADER, hs);
	cu.setopt(h, CURLOPT_WRITEFUNCTION, collect);
	cu.setopt(h, CURLOPT_WRITEDATA, &body);
	cu.setopt(h, CURLOPT_HEADERFUNCTION, collect);
	cu.setopt(h, CURLOPT_HEADERDATA, &head);
	cu.setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	cu.setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	if (q->timeout_ms > 0)
		cu.setopt(h, CURLOPT_TIMEOUT_MS, (long)q->timeout_ms);
	CURLcode rc = cu.perform(h);
	int ret = 0;
	if (rc != CURLE_OK) {
		res->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
		if (body.over)
			snprintf(why, whylen, "the response body exceeds %zu bytes", q->maxbody);
		else
			snprintf(why, whylen, "%s", *errbuf ? errbuf : cu.strerror(rc));
		free(body.s);
		free(head.s);
		ret = -1;
	} else {
		cu.getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
		res->body = body.s ? body.s : calloc(1, 1);
		res->bodylen = body.len;
		res->headers = head.s ? head.s : calloc(1, 1);
		res->headerslen = head.len;
	}
	cu.slist_free_all(hs);
	cu.cleanup(h);
	return ret;
}

void aslrt_httpres_free(aslrt_httpres *res)
{
	free(res->body);
	free(res->headers);
	memset(res, 0, sizeof *res);
}

/*
 * http.c - the runtime's one HTTP client: Url bindings, the HTTP Task and
 * the AWS client (aws/http.c) all send their requests through it.
 *
 * libcurl is loaded with dlopen on first use rather than linked: Debian's
 * libcurl.a needs Kerberos, LDAP, libssh2, ... static archives that do not
 * exist, and an executable that reaches no URL must keep needing only the C
 * library.  Where libcurl.so.4 is absent the request fails with a clear
 * error that names libcurl.
 *
 * One easy handle per thread (libcurl handles are not shared between
 * threads), kept for the thread's life so connections and the DNS cache are
 * reused across Tasks; freed by a thread-key destructor.
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
	CURLcode (*global_init)(long);
	CURL *(*init)(void);
	CURLcode (*setopt)(CURL *, CURLoption, ...);
	CURLcode (*perform)(CURL *);
	CURLcode (*getinfo)(CURL *, CURLINFO, ...);
	void (*cleanup)(CURL *);
	void (*reset)(CURL *);
	const char *(*strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	/* the multi interface, where there is one (not the static
	 * executables' client): an exchange a stop can end at once */
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add)(CURLM *, CURL *);
	CURLMcode (*multi_remove)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned, int, int *);
	CURLMsg *(*multi_info)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
	char err[256]; /* why loading failed; "" once loaded */
} cu;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t handle_key, multi_key;

static void handle_free(void *h)
{
	cu.cleanup(h);
}

static void multi_free(void *m)
{
	cu.multi_cleanup(m);
}

/* The multi interface's functions, all or none. */
static void load_multi(void *so)
{
	void **f[] = {(void **)&cu.multi_init,	 (void **)&cu.multi_add,
		      (void **)&cu.multi_remove, (void **)&cu.multi_perform,
		      (void **)&cu.multi_poll,	 (void **)&cu.multi_info,
		      (void **)&cu.multi_cleanup};
	const char *names[] = {"curl_multi_init",	   "curl_multi_add_handle",
			       "curl_multi_remove_handle", "curl_multi_perform",
			       "curl_multi_poll",	   "curl_multi_info_read",
			       "curl_multi_cleanup"};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++)
		if (!(*f[i] = aslrt_dlsym(so, names[i]))) {
			cu.multi_init = NULL;
			return;
		}
	pthread_key_create(&multi_key, multi_free);
}

static void load(void)
{
	const char *names[] = {"libcurl.so.4", "libcurl.so", "libcurl-gnutls.so.4"};
	void *so = NULL;
	for (size_t i = 0; i < sizeof names / sizeof *names && !so; i++) {
		so = aslrt_dlopen(names[i]);
		if (!so && i == 0) /* the error to show: libcurl4's own name */
			snprintf(cu.err, sizeof cu.err,
				 "cannot load libcurl (install libcurl4): %s", aslrt_dlerror());
	}
	if (!so)
		return;
	cu.err[0] = 0;
#define SYM(f, name)                                                                               \
	if (!(*(void **)&cu.f = aslrt_dlsym(so, name))) {                                          \
		snprintf(cu.err, sizeof cu.err, "libcurl has no %s", name);                        \
		return;                                                                            \
	}
	SYM(global_init, "curl_global_init");
	SYM(init, "curl_easy_init");
	SYM(setopt, "curl_easy_setopt");
	SYM(perform, "curl_easy_perform");
	SYM(getinfo, "curl_easy_getinfo");
	SYM(cleanup, "curl_easy_cleanup");
	SYM(reset, "curl_easy_reset");
	SYM(strerror, "curl_easy_strerror");
	SYM(slist_append, "curl_slist_append");
	SYM(slist_free_all, "curl_slist_free_all");
#undef SYM
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(cu.err, sizeof cu.err, "libcurl failed to initialise");
		return;
	}
	pthread_key_create(&handle_key, handle_free);
	load_multi(so);
}

typedef struct sink {
	char *s;
	size_t len, cap, max;
	int over;
	/* The body's sink: for a 2xx response, bytes go to q->sink. */
	CURL *h;
	const aslrt_httpreq *q;
	size_t streamed;
	int stopped; /* the request's sink had enough */
} sink;

static size_t collect(char *p, size_t size, size_t n, void *user)
{
	sink *k = user;
	size_t add = size * n;
	if (k->len + add > k->max) {
		k->over = 1;
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
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

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
	sink *k = user;
	size_t add = size * n;
	long status = 0;
	if (k->q->sink)
		cu.getinfo(k->h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status >= 300)
		return collect(p, size, n, user);
	k->streamed += add;
	if (k->q->sink(p, add, k->q->sink_arg) == add)
		return add;
	k->stopped = 1;
	return 0; /* libcurl stops with CURLE_WRITE_ERROR */
}

/* libcurl asks this while a transfer runs (about once a second when no
 * byte moves): non-zero aborts it with CURLE_ABORTED_BY_CALLBACK.  Only
 * curl_easy_perform needs it: perform() asks more often. */
static int progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		    curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	const aslrt_httpreq *q = user;
	return q->stop() ? 1 : 0;
}

/*
 * The exchange.  With a stop and libcurl's multi interface, on this thread's
 * multi handle (its connections kept for the next exchange), asking the stop
 * every 100 ms; else curl_easy_perform, where the progress callback asks it.
 */
static CURLcode perform(CURL *h, const aslrt_httpreq *q)
{
	CURLM *m = q->stop && cu.multi_init ? pthread_getspecific(multi_key) : NULL;
	if (q->stop && cu.multi_init && !m && (m = cu.multi_init()))
		pthread_setspecific(multi_key, m);
	if (!m || cu.multi_add(m, h) != CURLM_OK)
		return cu.perform(h);
	CURLcode rc = CURLE_RECV_ERROR;
	for (;;) {
		int running = 0, left;
		if (cu.multi_perform(m, &running) != CURLM_OK)
			break;
		if (!running) {
			for (CURLMsg *msg; (msg = cu.multi_info(m, &left));)
				if (msg->msg == CURLMSG_DONE)
					rc = msg->data.result;
			break;
		}
		if (q->stop()) {
			rc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		if (cu.multi_poll(m, NULL, 0, 100, NULL) != CURLM_OK)
			break;
	}
	cu.multi_remove(m, h);
	return rc;
}

/* This thread's handle, reset to the defaults; NULL with why. */
static CURL *handle(char *why, size_t whylen)
{
	pthread_once(&once, load);
	if (cu.err[0]) {
		snprintf(why, whylen, "%s", cu.err);
		return NULL;
	}
	CURL *h = pthread_getspecific(handle_key);
	if (h) {
		cu.reset(h); /* keeps the connection and DNS caches */
		return h;
	}
	if (!(h = cu.init())) {
		snprintf(why, whylen, "libcurl could not start a request");
		return NULL;
	}
	pthread_setspecific(handle_key, h);
	return h;
}

static void set_method(CURL *h, const aslrt_httpreq *q)
{
	if (strcmp(q->method, "HEAD") == 0) {
		cu.setopt(h, CURLOPT_NOBODY, 1L);
	} else if (!q->body && strcmp(q->method, "GET") == 0) {
		cu.setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		if (q->body) {
			cu.setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->bodylen);
			cu.setopt(h, CURLOPT_POSTFIELDS, q->body);
		}
		cu.setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	}
}

int aslrt_http_request(const aslrt_httpreq *q, aslrt_httpres *res, char *why, size_t whylen)
{
	memset(res, 0, sizeof *res);
	CURL *h = handle(why, whylen);
	if (!h)
		return -1;
	struct curl_slist *hs = NULL;
	for (const char *const *p = q->headers; p && *p; p++)
		hs = cu.slist_append(hs, *p);
	sink body = {0}, head = {0};
	body.max = q->maxbody;
	body.h = h;
	body.q = q;
	head.max = 1 << 20;
	char errbuf[CURL_ERROR_SIZE] = "";
	cu.setopt(h, CURLOPT_URL, q->url);
	cu.setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	cu.setopt(h, CURLOPT_NOSIGNAL, 1L);
	set_method(h, q);
	cu.setopt(h, CURLOPT_HTTPHEADER, hs);
	cu.setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	cu.setopt(h, CURLOPT_WRITEDATA, &body);
	cu.setopt(h, CURLOPT_HEADERFUNCTION, collect);
	cu.setopt(h, CURLOPT_HEADERDATA, &head);
	cu.setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	/* The AWS SDKs' limits: a connection within 10 s, and (their socket
	 * timeout) no silence longer than stall_s, so nothing hangs. */
	long connect = q->timeout_ms > 0 && q->timeout_ms < 10000 ? (long)q->timeout_ms : 10000L;
	cu.setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect);
	if (q->timeout_ms > 0)
		cu.setopt(h, CURLOPT_TIMEOUT_MS, (long)q->timeout_ms);
	if (q->stall_s > 0) {
		cu.setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		cu.setopt(h, CURLOPT_LOW_SPEED_TIME, q->stall_s);
	}
	if (q->stop) {
		cu.setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
		cu.setopt(h, CURLOPT_XFERINFODATA, (void *)q);
		cu.setopt(h, CURLOPT_NOPROGRESS, 0L);
	}
	CURLcode rc = perform(h, q);
	cu.setopt(h, CURLOPT_ERRORBUFFER, NULL); /* errbuf dies with this call */
	cu.setopt(h, CURLOPT_HTTPHEADER, NULL);
	cu.slist_free_all(hs);
	res->streamed = body.streamed;
	if (rc == CURLE_WRITE_ERROR && body.stopped)
		rc = CURLE_OK; /* the sink stopped it: not a failure here */
	if (rc != CURLE_OK) {
		res->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
		res->stopped = rc == CURLE_ABORTED_BY_CALLBACK;
		if (res->stopped)
			snprintf(why, whylen, "stopped: another branch or iteration failed");
		else if (body.over)
			snprintf(why, whylen, "the response body exceeds %zu bytes", q->maxbody);
		else
			snprintf(why, whylen, "%s", *errbuf ? errbuf : cu.strerror(rc));
		free(body.s);
		free(head.s);
		return -1;
	}
	cu.getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
	res->body = body.s ? body.s : calloc(1, 1);
	res->bodylen = body.len;
	res->headers = head.s ? head.s : calloc(1, 1);
	res->headerslen = head.len;
	return 0;
}

void aslrt_httpres_free(aslrt_httpres *res)
{
	free(res->body);
	free(res->headers);
	memset(res, 0, sizeof *res);
}

/*
 * http.h - one HTTP request through libcurl, loaded with dlopen the first
 * time a Task needs it, so executables that call no URL need only the C
 * library.
 */
#ifndef ASLRT_HTTP_H
#define ASLRT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct aslrt_httpreq {
	const char *method; /* "POST", "GET", ... */
	const char *url;
	const char *const *headers; /* "Name: value", NULL-terminated; may be NULL */
	const char *body;	    /* NULL: none */
	size_t bodylen;
	int64_t timeout_ms; /* the whole exchange, 0: none */
	size_t maxbody;	    /* largest response body accepted */
	long stall_s;	    /* abort when no byte moves for this long, 0: never */
	/* A 2xx response's body goes to sink as it comes, not into the
	 * response; sink returns n to go on, anything else to stop (the
	 * exchange then ends normally: the sink's owner knows why). */
	size_t (*sink)(const char *p, size_t n, void *arg);
	void *sink_arg;
	/* Asked while the exchange runs (at least once a second; NULL: never):
	 * true aborts it, the request then failing with stopped set. */
	bool (*stop)(void);
} aslrt_httpreq;

typedef struct aslrt_httpres {
	long status;
	char *body; /* NUL-terminated, malloc'd */
	size_t bodylen;
	char *headers; /* the raw response header lines, malloc'd (after a
			* 100 Continue, both responses' lines) */
	size_t headerslen;
	int timed_out;
	int stopped;	 /* the request's stop() ended it */
	size_t streamed; /* bytes given to the request's sink, also on failure */
} aslrt_httpres;

/* 0 with the response (any status), -1 with why (cannot connect, timeout,
 * no libcurl). */
int aslrt_http_request(const aslrt_httpreq *q, aslrt_httpres *res, char *why, size_t whylen);
void aslrt_httpres_free(aslrt_httpres *res);

#endif

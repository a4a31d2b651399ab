/*
 * builtin_curl.c - the part of libcurl's easy interface the runtime uses,
 * over HTTP/1.1 and TLS (mbed TLS), for static executables.
 *
 * Why not libcurl itself: Debian's libcurl.a cannot be linked statically.
 * Its url.c lists every protocol, which pulls in librtmp and libldap (both
 * built on GnuTLS, whose p11-kit ships no .a) and, through HTTP Negotiate,
 * GSS-API (krb5 ships no .a).  And a static OpenSSL TLS client alone is
 * 4.2 MB, against 0.4 MB with mbed TLS (the image must stay under 5 MB).
 *
 * http and https only.  As libcurl with a shared connection cache, up to
 * KEEP_MAX connections are kept alive after their responses, for the whole
 * process (a Map's iterations run on threads of their own), and the next
 * request to the same scheme, host and port, from any thread, goes out on
 * one of them; a kept connection the server has closed is found before it
 * is used, or, if the server closes it as the request goes out, the
 * request is sent once more on a new connection, but only when the server
 * cannot have answered it (the write failed, or the connection ended
 * before any byte of a response).  Host names are resolved on a thread of
 * their own, so the request's time limits bound them too (getaddrinfo has
 * none of its own).  The CA certificates come from $SSL_CERT_FILE, else
 * Debian's bundle (what aslc build --image puts into the image).  No
 * proxies: with one named in the environment (https_proxy ...) a request
 * fails, saying so.  An option the runtime does not use is refused: the
 * request then fails with CURLE_UNKNOWN_OPTION, naming the option, rather
 * than running without it.
 */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "builtin.h"

#define KEEP_MAX 16	   /* idle connections kept */
#define KEEP_AGE_MS 118000 /* and for how long (libcurl's CURLOPT_MAXAGE_CONN) */

typedef struct easy {
	char *url, *method, *protocols;
	const char *postfields;
	curl_off_t postsize;
	bool nobody;
	struct curl_slist *headers;
	curl_write_callback write_cb, header_cb;
	void *write_data, *header_data;
	long connect_ms, timeout_ms, stall_s;
	curl_xferinfo_callback xfer; /* with NOPROGRESS 0: asked while waiting */
	void *xfer_data;
	bool progress;
	char *errbuf;
	long status;
	int bad_option;
} easy;

/* One connection: the socket, TLS over it if https, the time limits. */
typedef struct conn {
	int fd;
	bool tls, timed_out;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_entropy_context entropy;
	int64_t deadline;	     /* ms on CLOCK_MONOTONIC, 0: none */
	long stall_ms;		     /* most silence allowed, 0: none */
	curl_xferinfo_callback xfer; /* NULL: none */
	void *xfer_data;
	bool aborted; /* xfer said to stop */
	char buf[16384];
	size_t have, at; /* buffered bytes buf[at..have) */
	size_t got;	 /* bytes received since the request went out */
	bool keep;	 /* the response leaves the connection reusable */
	char key[300];	 /* "https://host:port": which requests may reuse it */
	int64_t idle_since;
} conn;

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void fail(easy *e, const char *fmt, ...)
{
	if (!e->errbuf)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->errbuf, CURL_ERROR_SIZE, fmt, ap);
	va_end(ap);
}

/* --- the CA certificates, read once --- */

static mbedtls_x509_crt cas;
static char ca_error[256];
static pthread_once_t ca_once = PTHREAD_ONCE_INIT;

static void load_cas(void)
{
	const char *f = getenv("SSL_CERT_FILE");
	if (!f || !*f)
		f = "/etc/ssl/certs/ca-certificates.crt";
	mbedtls_x509_crt_init(&cas);
	int rc = mbedtls_x509_crt_parse_file(&cas, f);
	if (rc < 0) {
		char m[128];
		mbedtls_strerror(rc, m, sizeof m);
		snprintf(ca_error, sizeof ca_error,
			 "cannot read the CA certificates %s (set SSL_CERT_FILE): %s", f, m);
	}
}

/* --- the socket, with time limits --- */

/* poll's timeout is an int: a longer wait is cut to INT_MAX ms, not wrapped. */
static int poll_ms(int64_t ms)
{
	return ms < 0 ? 0 : ms > INT_MAX ? INT_MAX : (int)ms;
}

/* poll p until limit (ms on CLOCK_MONOTONIC, -1: none): 0 at the limit.
 * A signal restarts the wait with the time left, not the whole of it.  With
 * a progress callback, asked every 100 ms as libcurl asks its own, a
 * non-zero answer ends the wait: -1 with c->aborted (a stopped Task). */
static int poll_until(conn *c, struct pollfd *p, int64_t limit)
{
	for (;;) {
		int64_t left = limit < 0 ? -1 : limit > now_ms() ? limit - now_ms() : 0;
		if (c->xfer && (left < 0 || left > 100))
			left = 100;
		int n = poll(p, 1, left < 0 ? -1 : poll_ms(left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 0)
			return n;
		if (c->xfer && c->xfer(c->xfer_data, 0, 0, 0, 0)) {
			c->aborted = true;
			return -1;
		}
		if (limit >= 0 && now_ms() >= limit)
			return 0;
	}
}

/* Wait until fd is ready for ev; false on timeout or error. */
static bool await(conn *c, short ev)
{
	int64_t limit = -1;
	if (c->stall_ms > 0)
		limit = now_ms() + c->stall_ms;
	if (c->deadline && (limit < 0 || c->deadline < limit))
		limit = c->deadline;
	struct pollfd p = {.fd = c->fd, .events = ev};
	int n = poll_until(c, &p, limit);
	if (n == 0)
		c->timed_out = true;
	return n > 0;
}

static int raw_send(void *ctx, const unsigned char *p, size_t n)
{
	conn *c = ctx;
	if (!await(c, POLLOUT))
		return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_NET_SEND_FAILED;
	ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
	if (k < 0)
		return errno == EAGAIN || errno == EINTR ? MBEDTLS_ERR_SSL_WANT_WRITE
							 : MBEDTLS_ERR_NET_SEND_FAILED;
	return (int)k;
}

static int raw_recv(void *ctx, unsigned char *p, size_t n)
{
	conn *c = ctx;
	/* ACK at once: on a kept connection Linux delays ACKs, and a server
	 * that writes its head and body apart with Nagle on (Python's
	 * http.server) would wait up to 40 ms for each (measured: 22 ms a
	 * request, 30 times a new connection's cost on loopback).  The kernel
	 * drops the flag as it pleases, so it is set before every read. */
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
	if (!await(c, POLLIN))
		return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_NET_RECV_FAILED;
	ssize_t k = recv(c->fd, p, n, 0);
	if (k < 0)
		return errno == EAGAIN || errno == EINTR ? MBEDTLS_ERR_SSL_WANT_READ
							 : MBEDTLS_ERR_NET_RECV_FAILED;
	return (int)k;
}

static bool send_all(conn *c, const char *p, size_t n)
{
	while (n > 0) {
		int k = c->tls ? mbedtls_ssl_write(&c->ssl, (const unsigned char *)p, n)
			       : raw_send(c, (const unsigned char *)p, n);
		if (k == MBEDTLS_ERR_SSL_WANT_WRITE || k == MBEDTLS_ERR_SSL_WANT_READ)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* Refill the buffer: bytes read, 0 at the end of the stream, -1 on error. */
static int fill(conn *c)
{
	c->at = c->have = 0;
	for (;;) {
		int k = c->tls ? mbedtls_ssl_read(&c->ssl, (unsigned char *)c->buf, sizeof c->buf)
			       : raw_recv(c, (unsigned char *)c->buf, sizeof c->buf);
		if (k == MBEDTLS_ERR_SSL_WANT_READ || k == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		/* Over TLS only close_notify ends the stream: a bare TCP close
		 * (CONN_EOF) may be an attacker's truncation. */
		if (k == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || (k == 0 && !c->tls))
			return 0;
		if (k <= 0)
			return -1;
		c->have = (size_t)k;
		c->got += (size_t)k;
		return k;
	}
}

/* One line (CRLF or LF ended, kept) into line; -1 on error or overlong. */
static int read_line(conn *c, char *line, size_t max)
{
	size_t n = 0;
	for (;;) {
		if (c->at == c->have && fill(c) <= 0)
			return -1;
		char ch = c->buf[c->at++];
		if (n + 1 >= max)
			return -1;
		line[n++] = ch;
		if (ch == '\n') {
			line[n] = 0;
			return (int)n;
		}
	}
}

/* One name being resolved: shared by the resolver thread and the request,
 * freed by whichever lets go of it last (the request may stop waiting). */
typedef struct lookup {
	pthread_mutex_t lock;
	pthread_cond_t done_cv; /* on CLOCK_MONOTONIC */
	int refs, rc;
	bool done;
	struct addrinfo *ai;
	char host[256], port[8];
} lookup;

static void lookup_release(lookup *l)
{
	pthread_mutex_lock(&l->lock);
	bool last = --l->refs == 0;
	pthread_mutex_unlock(&l->lock);
	if (!last)
		return;
	if (l->ai)
		freeaddrinfo(l->ai);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->done_cv);
	free(l);
}

static void *resolver(void *arg)
{
	lookup *l = arg;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	int rc = getaddrinfo(l->host, l->port, &hints, &ai);
	pthread_mutex_lock(&l->lock);
	l->rc = rc;
	l->ai = rc == 0 ? ai : NULL;
	l->done = true;
	pthread_cond_signal(&l->done_cv);
	pthread_mutex_unlock(&l->lock);
	lookup_release(l);
	return NULL;
}

/* host's addresses by limit (ms on CLOCK_MONOTONIC): an address literal at
 * once, a name on a resolver thread waited for until limit, as libcurl's
 * threaded resolver does (a lookup given up on ends by itself, within the
 * resolver's own timeouts from /etc/resolv.conf).  The progress callback is
 * asked every 100 ms meanwhile, as while connecting: a stopped Task must
 * not wait out a hung DNS server (up to the 300 s connect limit). */
static CURLcode resolve(easy *e, conn *c, const char *host, const char *port, int64_t limit,
			struct addrinfo **out)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
	if (getaddrinfo(host, port, &hints, out) == 0)
		return CURLE_OK;
	lookup *l = calloc(1, sizeof *l);
	if (!l)
		return CURLE_OUT_OF_MEMORY;
	snprintf(l->host, sizeof l->host, "%s", host);
	snprintf(l->port, sizeof l->port, "%s", port);
	l->refs = 2;
	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	int err = pthread_create(&t, &at, resolver, l);
	pthread_attr_destroy(&at);
	if (err) {
		l->refs = 1;
		lookup_release(l);
		fail(e, "Could not resolve host: %s (no thread for the resolver: %s)", host,
		     strerror(err));
		return CURLE_COULDNT_RESOLVE_HOST;
	}
	int64_t start = now_ms();
	pthread_mutex_lock(&l->lock);
	while (!l->done && now_ms() < limit) {
		int64_t until = c->xfer && limit - now_ms() > 100 ? now_ms() + 100 : limit;
		struct timespec ts = {until / 1000, (long)(until % 1000) * 1000000};
		while (!l->done && pthread_cond_timedwait(&l->done_cv, &l->lock, &ts) != ETIMEDOUT)
			;
		if (!l->done && c->xfer && c->xfer(c->xfer_data, 0, 0, 0, 0)) {
			c->aborted = true;
			break;
		}
	}
	bool done = l->done;
	int rc = l->rc;
	*out = l->ai;
	l->ai = NULL;
	pthread_mutex_unlock(&l->lock);
	lookup_release(l);
	if (!done && c->aborted) {
		fail(e, "Callback aborted");
		return CURLE_ABORTED_BY_CALLBACK;
	}
	if (!done) {
		fail(e, "Resolving timed out after %lld milliseconds",
		     (long long)(now_ms() - start));
		return CURLE_OPERATION_TIMEDOUT;
	}
	if (rc != 0) {
		fail(e, "Could not resolve host: %s (%s)", host, gai_strerror(rc));
		return CURLE_COULDNT_RESOLVE_HOST;
	}
	return CURLE_OK;
}

static CURLcode connect_to(easy *e, conn *c, const char *host, const char *port)
{
	/* libcurl's connect timeout covers the name's resolution too */
	int64_t limit = now_ms() + (e->connect_ms > 0 ? e->connect_ms : 300000);
	if (c->deadline && c->deadline < limit)
		limit = c->deadline;
	struct addrinfo *ai;
	CURLcode rc = resolve(e, c, host, port, limit, &ai);
	if (rc != CURLE_OK)
		return rc;
	int err = 0;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		c->fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			       a->ai_protocol);
		if (c->fd < 0) {
			err = errno;
			continue;
		}
		int one = 1; /* as libcurl: no small write waits for an ACK */
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(c->fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
			struct pollfd p = {.fd = c->fd, .events = POLLOUT};
			int64_t left = limit - now_ms();
			socklen_t len = sizeof err;
			if (left > 0 && poll_until(c, &p, limit) == 1 &&
			    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err)
				break;
			if (left <= 0 || !err)
				err = ETIMEDOUT;
		} else {
			err = errno;
		}
		close(c->fd);
		c->fd = -1;
		if (c->aborted)
			break;
	}
	freeaddrinfo(ai);
	if (c->fd < 0) {
		fail(e, "Failed to connect to %s port %s: %s", host, port, strerror(err));
		return err == ETIMEDOUT ? CURLE_OPERATION_TIMEDOUT : CURLE_COULDNT_CONNECT;
	}
	return CURLE_OK;
}

static CURLcode tls_start(easy *e, conn *c, const char *host)
{
	pthread_once(&ca_once, load_cas);
	if (ca_error[0]) {
		fail(e, "%s", ca_error);
		return CURLE_SSL_CACERT_BADFILE;
	}
	c->tls = true;
	mbedtls_ssl_init(&c->ssl);
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_ctr_drbg_init(&c->drbg);
	mbedtls_entropy_init(&c->entropy);
	int rc = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy, NULL, 0);
	if (!rc)
		rc = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
						 MBEDTLS_SSL_TRANSPORT_STREAM,
						 MBEDTLS_SSL_PRESET_DEFAULT);
	if (!rc) {
		mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
		mbedtls_ssl_conf_ca_chain(&c->conf, &cas, NULL);
		mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
		rc = mbedtls_ssl_setup(&c->ssl, &c->conf);
	}
	if (!rc)
		rc = mbedtls_ssl_set_hostname(&c->ssl, host); /* SNI, and the name checked */
	if (!rc) {
		mbedtls_ssl_set_bio(&c->ssl, c, raw_send, raw_recv, NULL);
		while ((rc = mbedtls_ssl_handshake(&c->ssl)) == MBEDTLS_ERR_SSL_WANT_READ ||
		       rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			;
	}
	if (rc) {
		char m[160];
		mbedtls_strerror(rc, m, sizeof m);
		uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);
		if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags) {
			char v[256];
			mbedtls_x509_crt_verify_info(v, sizeof v, "", flags);
			v[strcspn(v, "\n")] = 0;
			fail(e, "SSL certificate problem with %s: %s", host, v);
			return CURLE_PEER_FAILED_VERIFICATION;
		}
		fail(e, "TLS handshake with %s failed: %s", host, c->timed_out ? "timeout" : m);
		return c->timed_out ? CURLE_OPERATION_TIMEDOUT : CURLE_SSL_CONNECT_ERROR;
	}
	return CURLE_OK;
}

static void conn_close(conn *c)
{
	if (c->tls) {
		mbedtls_ssl_close_notify(&c->ssl);
		mbedtls_ssl_free(&c->ssl);
		mbedtls_ssl_config_free(&c->conf);
		mbedtls_ctr_drbg_free(&c->drbg);
		mbedtls_entropy_free(&c->entropy);
	}
	if (c->fd >= 0)
		close(c->fd);
}

/* --- the request and the response --- */

typedef struct url {
	bool https;
	char host[256], port[8], hostport[280];
	const char *path;
	int pathlen; /* the path and query, without any #fragment */
} url;

/* Whether word is one of list's comma-separated words (any case). */
static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; *p; p += strcspn(p, ","), p += *p == ',') {
		p += strspn(p, " ");
		if (strncasecmp(p, word, n) == 0 && strchr(", ", p[n]))
			return true;
	}
	return false;
}

/* no_proxy as libcurl reads it: comma- or space-separated names, "*" for
 * all, each matching the host itself or any name under it (a leading dot
 * changes nothing), any case. */
static bool proxy_skipped(const char *list, const char *host)
{
	size_t hl = strlen(host);
	for (const char *p = list; *p;) {
		p += strspn(p, ", ");
		size_t n = strcspn(p, ", ");
		const char *w = p;
		p += n;
		if (n && *w == '.')
			w++, n--;
		if ((n == 1 && *w == '*') ||
		    (n && n <= hl && strncasecmp(host + hl - n, w, n) == 0 &&
		     (n == hl || host[hl - n - 1] == '.')))
			return true;
	}
	return false;
}

/* libcurl would go through a proxy named in the environment; this client
 * cannot, so it refuses rather than connect directly. */
static CURLcode no_proxy(easy *e, const url *u)
{
	const char *names[] = {u->https ? "https_proxy" : "http_proxy",
			       u->https ? "HTTPS_PROXY" : NULL, "all_proxy", "ALL_PROXY"};
	const char *skip = getenv("no_proxy") ? getenv("no_proxy") : getenv("NO_PROXY");
	if (skip && proxy_skipped(skip, u->host))
		return CURLE_OK;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		const char *v = names[i] ? getenv(names[i]) : NULL;
		if (v && *v) {
			fail(e,
			     "%s is set, and the static executable's HTTP client does not "
			     "support proxies (add %s to no_proxy)",
			     names[i], u->host);
			return CURLE_COULDNT_RESOLVE_PROXY;
		}
	}
	return CURLE_OK;
}

static CURLcode parse_url(easy *e, url *u)
{
	const char *s = e->url, *sep = s ? strstr(s, "://") : NULL;
	if (!sep) {
		fail(e, "URL using bad/illegal format or missing URL: %s", s ? s : "(none)");
		return CURLE_URL_MALFORMAT;
	}
	/* As libcurl: a space or control byte would end the request line or
	 * start a header of the caller's choosing. */
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c <= 0x20 || *c == 0x7f) {
			fail(e, "URL using bad/illegal format or missing URL");
			return CURLE_URL_MALFORMAT;
		}
	size_t sl = (size_t)(sep - s);
	u->https = sl == 5 && strncasecmp(s, "https", 5) == 0;
	bool http = sl == 4 && strncasecmp(s, "http", 4) == 0;
	char scheme[16];
	snprintf(scheme, sizeof scheme, "%.*s", (int)(sl < 15 ? sl : 15), s);
	if ((!u->https && !http) || (e->protocols && !in_list(e->protocols, scheme))) {
		fail(e, "Protocol \"%s\" not supported or disabled", scheme);
		return CURLE_UNSUPPORTED_PROTOCOL;
	}
	const char *a = sep + 3, *end = a + strcspn(a, "/?#");
	u->path = *end == '/' ? end : "/";
	const char *at = memchr(a, '@', (size_t)(end - a));
	if (at) {
		fail(e, "user names in URLs are not supported: %s", s);
		return CURLE_URL_MALFORMAT;
	}
	const char *colon = NULL;
	if (*a == '[') {
		const char *close = memchr(a, ']', (size_t)(end - a));
		if (!close) {
			fail(e, "bad IPv6 address in %s", s);
			return CURLE_URL_MALFORMAT;
		}
		if (close - a - 1 >= (long)sizeof u->host)
			goto bad;
		snprintf(u->host, sizeof u->host, "%.*s", (int)(close - a - 1), a + 1);
		colon = close[1] == ':' ? close + 1 : NULL;
		if (!colon && close + 1 != end)
			goto bad;
	} else {
		colon = memchr(a, ':', (size_t)(end - a));
		if ((colon ? colon : end) - a >= (long)sizeof u->host)
			goto bad;
		snprintf(u->host, sizeof u->host, "%.*s", (int)((colon ? colon : end) - a), a);
	}
	/* A port is 1..65535, never cut short nor wrapped to another one. */
	unsigned long port = u->https ? 443 : 80;
	if (colon) {
		size_t n = (size_t)(end - colon - 1);
		errno = 0;
		port = n && n == strspn(colon + 1, "0123456789") ? strtoul(colon + 1, NULL, 10) : 0;
		if (errno || port > 65535)
			port = 0;
	}
	if (!u->host[0] || !port)
		goto bad;
	snprintf(u->port, sizeof u->port, "%lu", port);
	snprintf(u->hostport, sizeof u->hostport, "%.*s", (int)(end - a), a);
	if (*end == '?') /* a query with no path: "/?..." */
		u->path = end;
	/* The fragment is the client's own: never sent. */
	u->pathlen = (int)strcspn(u->path, "#");
	return CURLE_OK;
bad:
	fail(e, "URL using bad/illegal format: %s", s);
	return CURLE_URL_MALFORMAT;
}

static bool has_header(const easy *e, const char *name)
{
	size_t n = strlen(name);
	for (const struct curl_slist *h = e->headers; h; h = h->next)
		if (strncasecmp(h->data, name, n) == 0 && h->data[n] == ':')
			return true;
	return false;
}

/* The request, head and body in one buffer (one write); its length in *len. */
static char *request(const easy *e, const url *u, const char *method, size_t bodylen, size_t *len)
{
	size_t cap = 128 + strlen(method) + strlen(u->path) + strlen(u->hostport) + bodylen;
	for (const struct curl_slist *h = e->headers; h; h = h->next)
		cap += strlen(h->data) + 2;
	char *r = malloc(cap), *p = r;
	if (!r)
		abort();
	p += sprintf(p, "%s %s%.*s HTTP/1.1\r\n", method, *u->path == '?' ? "/" : "", u->pathlen,
		     u->path);
	if (!has_header(e, "Host"))
		p += sprintf(p, "Host: %s\r\n", u->hostport);
	if (!has_header(e, "Accept"))
		p += sprintf(p, "Accept: */*\r\n");
	if (e->postfields && !has_header(e, "Content-Length"))
		p += sprintf(p, "Content-Length: %zu\r\n", bodylen);
	for (const struct curl_slist *h = e->headers; h; h = h->next) {
		const char *colon = strchr(h->data, ':');
		/* "Name:" with no value removes a header libcurl would add;
		 * this client adds none of them */
		if (!colon || !colon[1 + strspn(colon + 1, " \t")])
			continue;
		p += sprintf(p, "%s\r\n", h->data);
	}
	p += sprintf(p, "\r\n");
	if (bodylen)
		memcpy(p, e->postfields, bodylen);
	*len = (size_t)(p - r) + bodylen;
	return r;
}

static bool deliver(easy *e, curl_write_callback cb, void *data, char *p, size_t n)
{
	if (!cb || n == 0)
		return true;
	return cb(p, 1, n, data) == n;
}

/* A header's value, its surrounding whitespace and line end cut. */
static char *header_value(char *line, size_t namelen)
{
	char *v = line + namelen, *end = v + strlen(v);
	v += strspn(v, " \t");
	while (end > v && strchr(" \t\r\n", end[-1]))
		*--end = 0;
	return v;
}

/* One header's say on the body's framing: only a plain decimal
 * Content-Length (the same if repeated) and Transfer-Encoding "chunked"
 * alone, as anything else could let a reply smuggle a second one. */
static bool framing(char *line, long *length, bool *chunked)
{
	if (strncasecmp(line, "Content-Length:", 15) == 0) {
		char *v = header_value(line, 15);
		errno = 0;
		long n = *v && strspn(v, "0123456789") == strlen(v) ? strtol(v, NULL, 10) : -1;
		if (n < 0 || errno || (*length >= 0 && *length != n))
			return false;
		*length = n;
	} else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0) {
		if (*chunked || strcasecmp(header_value(line, 18), "chunked") != 0)
			return false;
		*chunked = true;
	}
	return true;
}

/* The status line and headers (passed to the header callback as libcurl
 * does, 1xx responses included); the body's framing out. */
static CURLcode read_head(easy *e, conn *c, long *length, bool *chunked)
{
	char line[8192];
	for (;;) {
		int n = read_line(c, line, sizeof line);
		int major, minor;
		if (n < 0 || sscanf(line, "HTTP/%d.%d %ld", &major, &minor, &e->status) != 3)
			return CURLE_RECV_ERROR;
		if (!deliver(e, e->header_cb, e->header_data, line, (size_t)n))
			return CURLE_WRITE_ERROR;
		*length = -1;
		*chunked = false;
		/* HTTP/1.1 keeps the connection unless it says otherwise */
		c->keep = major == 1 && minor == 1;
		while ((n = read_line(c, line, sizeof line)) > 0) {
			if (!deliver(e, e->header_cb, e->header_data, line, (size_t)n))
				return CURLE_WRITE_ERROR;
			if (strcmp(line, "\r\n") == 0 || strcmp(line, "\n") == 0)
				break;
			if (strncasecmp(line, "Connection:", 11) == 0 &&
			    in_list(header_value(line, 11), "close"))
				c->keep = false;
			if (!framing(line, length, chunked))
				return CURLE_RECV_ERROR;
		}
		if (n < 0)
			return CURLE_RECV_ERROR;
		if (e->status >= 200 || e->status < 100)
			return CURLE_OK;
	}
}

/* n bytes of the body (n < 0: up to the end of the stream). */
static CURLcode read_body(easy *e, conn *c, long n)
{
	while (n != 0) {
		if (c->at == c->have) {
			int k = fill(c);
			if (k == 0 && n < 0)
				return CURLE_OK;
			if (k <= 0)
				return CURLE_RECV_ERROR;
		}
		size_t take = c->have - c->at;
		if (n > 0 && (size_t)n < take)
			take = (size_t)n;
		if (!deliver(e, e->write_cb, e->write_data, c->buf + c->at, take))
			return CURLE_WRITE_ERROR;
		c->at += take;
		if (n > 0)
			n -= (long)take;
	}
	return CURLE_OK;
}

static CURLcode read_chunks(easy *e, conn *c)
{
	char line[256];
	for (;;) {
		if (read_line(c, line, sizeof line) < 0)
			return CURLE_RECV_ERROR;
		/* At most 15 hex digits (fits a long), then an extension or the end. */
		size_t digits = strspn(line, "0123456789abcdefABCDEF");
		if (digits == 0 || digits > 15 || !strchr(";\r\n \t", line[digits]))
			return CURLE_RECV_ERROR;
		long n = strtol(line, NULL, 16);
		if (n == 0)
			break;
		CURLcode rc = read_body(e, c, n);
		if (rc != CURLE_OK)
			return rc;
		if (read_line(c, line, sizeof line) < 0 || /* the CRLF after the data */
		    (strcmp(line, "\r\n") != 0 && strcmp(line, "\n") != 0))
			return CURLE_RECV_ERROR;
	}
	int k; /* trailers, up to the blank line */
	while ((k = read_line(c, line, sizeof line)) > 0 && strcmp(line, "\r\n") != 0 &&
	       strcmp(line, "\n") != 0)
		;
	return k > 0 ? CURLE_OK : CURLE_RECV_ERROR;
}

/* The request and its response on c.  *unanswered: the server cannot have
 * answered it (the write failed, or the connection ended before any byte of
 * a response), so sending it again is safe. */
static CURLcode exchange(easy *e, conn *c, const url *u, bool *unanswered)
{
	const char *method = e->method	     ? e->method
			     : e->nobody     ? "HEAD"
			     : e->postfields ? "POST"
					     : "GET";
	size_t bodylen = !e->postfields	    ? 0
			 : e->postsize >= 0 ? (size_t)e->postsize
					    : strlen(e->postfields);
	size_t len;
	char *req = request(e, u, method, bodylen, &len);
	c->got = 0;
	c->keep = false;
	bool sent = send_all(c, req, len);
	free(req);
	if (!sent) {
		*unanswered = !c->timed_out;
		fail(e, "Failed sending the request to %s", u->hostport);
		return c->timed_out ? CURLE_OPERATION_TIMEDOUT : CURLE_SEND_ERROR;
	}
	long length;
	bool chunked;
	CURLcode rc = read_head(e, c, &length, &chunked);
	*unanswered = rc == CURLE_RECV_ERROR && c->got == 0 && !c->timed_out;
	if (rc == CURLE_OK &&
	    !(strcmp(method, "HEAD") == 0 || e->status == 204 || e->status == 304)) {
		if (!chunked && length < 0)
			c->keep = false; /* the body ends with the connection */
		rc = chunked ? read_chunks(e, c) : read_body(e, c, length);
	}
	if (c->at != c->have)
		c->keep = false; /* bytes past the response: not ours to read */
	if (c->timed_out) {
		fail(e, "Operation timed out");
		return CURLE_OPERATION_TIMEDOUT;
	}
	if (rc == CURLE_RECV_ERROR)
		fail(e, "Failure when receiving data from %s", u->hostport);
	else if (rc == CURLE_WRITE_ERROR)
		fail(e, "Failure writing output to destination");
	return rc;
}

/* --- the easy interface --- */

CURLcode aslrt_bcurl_global_init(long flags)
{
	(void)flags;
	return CURLE_OK;
}

CURL *aslrt_bcurl_easy_init(void)
{
	easy *e = calloc(1, sizeof *e);
	if (e)
		e->postsize = -1;
	return e;
}

static void easy_clear(easy *e)
{
	free(e->url);
	free(e->method);
	free(e->protocols);
	memset(e, 0, sizeof *e);
	e->postsize = -1;
}

static CURLcode set_string(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? strdup(s) : NULL;
	return s && !*dst ? CURLE_OUT_OF_MEMORY : CURLE_OK;
}

CURLcode aslrt_bcurl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	easy *e = h;
	va_list ap;
	va_start(ap, opt);
	CURLcode rc = CURLE_OK;
	switch (opt) {
	case CURLOPT_URL:
		rc = set_string(&e->url, va_arg(ap, const char *));
		break;
	case CURLOPT_CUSTOMREQUEST:
		rc = set_string(&e->method, va_arg(ap, const char *));
		break;
	case CURLOPT_PROTOCOLS_STR:
		rc = set_string(&e->protocols, va_arg(ap, const char *));
		break;
	case CURLOPT_POSTFIELDS:
		e->postfields = va_arg(ap, const char *);
		break;
	case CURLOPT_POSTFIELDSIZE_LARGE:
		e->postsize = va_arg(ap, curl_off_t);
		break;
	case CURLOPT_NOBODY:
		e->nobody = va_arg(ap, long) != 0;
		break;
	case CURLOPT_HTTPGET:
		if (va_arg(ap, long)) {
			e->nobody = false;
			e->postfields = NULL;
		}
		break;
	case CURLOPT_HTTPHEADER:
		e->headers = va_arg(ap, struct curl_slist *);
		break;
	case CURLOPT_WRITEFUNCTION:
		e->write_cb = va_arg(ap, curl_write_callback);
		break;
	case CURLOPT_WRITEDATA:
		e->write_data = va_arg(ap, void *);
		break;
	case CURLOPT_HEADERFUNCTION:
		e->header_cb = va_arg(ap, curl_write_callback);
		break;
	case CURLOPT_HEADERDATA:
		e->header_data = va_arg(ap, void *);
		break;
	case CURLOPT_ERRORBUFFER:
		e->errbuf = va_arg(ap, char *);
		break;
	case CURLOPT_CONNECTTIMEOUT_MS:
		e->connect_ms = va_arg(ap, long);
		break;
	case CURLOPT_TIMEOUT_MS:
		e->timeout_ms = va_arg(ap, long);
		break;
	case CURLOPT_LOW_SPEED_TIME:
		e->stall_s = va_arg(ap, long);
		break;
	case CURLOPT_LOW_SPEED_LIMIT:
		/* only "no byte for LOW_SPEED_TIME seconds" is implemented */
		if (va_arg(ap, long) > 1 && !e->bad_option)
			e->bad_option = opt;
		break;
	case CURLOPT_XFERINFOFUNCTION:
		e->xfer = va_arg(ap, curl_xferinfo_callback);
		break;
	case CURLOPT_XFERINFODATA:
		e->xfer_data = va_arg(ap, void *);
		break;
	case CURLOPT_NOPROGRESS:
		e->progress = va_arg(ap, long) == 0;
		break;
	case CURLOPT_NOSIGNAL:		/* no signals are used */
	case CURLOPT_DNS_CACHE_TIMEOUT: /* no DNS cache: each request resolves */
		(void)va_arg(ap, long);
		break;
	default:
		if (!e->bad_option)
			e->bad_option = opt;
		rc = CURLE_UNKNOWN_OPTION;
	}
	va_end(ap);
	return rc;
}

/* Close a kept connection without waiting on it (its time limits were
 * the last request's). */
static void discard(conn *c)
{
	c->stall_ms = 0;
	c->deadline = now_ms();
	conn_close(c);
	free(c);
}

/* The idle connections, any thread's to take. */
static conn *kept[KEEP_MAX];
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;

/* A kept connection for key, taken out of the cache, or NULL.  Those
 * kept too long or closed by the server (readable while idle: its EOF or
 * close_notify is waiting) are closed on the way. */
static conn *take_kept(const char *key)
{
	conn *found = NULL, *dead[KEEP_MAX];
	int ndead = 0;
	int64_t now = now_ms();
	pthread_mutex_lock(&kept_lock);
	for (int i = 0; i < KEEP_MAX; i++) {
		conn *c = kept[i];
		if (!c || (found && strcmp(c->key, key) == 0))
			continue;
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		if (now - c->idle_since > KEEP_AGE_MS || poll(&p, 1, 0) != 0) {
			kept[i] = NULL;
			dead[ndead++] = c;
		} else if (strcmp(c->key, key) == 0) {
			kept[i] = NULL;
			found = c;
		}
	}
	pthread_mutex_unlock(&kept_lock);
	for (int i = 0; i < ndead; i++)
		discard(dead[i]);
	return found;
}

/* Keep c for the next request, in place of the oldest if the cache is full. */
static void keep(conn *c)
{
	c->idle_since = now_ms();
	c->timed_out = false;
	pthread_mutex_lock(&kept_lock);
	int slot = 0;
	for (int i = 0; i < KEEP_MAX; i++) {
		if (!kept[i]) {
			slot = i;
			break;
		}
		if (kept[i]->idle_since < kept[slot]->idle_since)
			slot = i;
	}
	conn *old = kept[slot];
	kept[slot] = c;
	pthread_mutex_unlock(&kept_lock);
	if (old)
		discard(old);
}

/* The request's progress callback (CURLOPT_XFERINFOFUNCTION with NOPROGRESS
 * 0), asked while c waits: a kept connection gets the current request's. */
static void watch(easy *e, conn *c)
{
	c->xfer = e->progress ? e->xfer : NULL;
	c->xfer_data = e->progress ? e->xfer_data : NULL;
}

static CURLcode open_conn(easy *e, const url *u, int64_t deadline, conn **out)
{
	conn *c = calloc(1, sizeof *c);
	if (!c)
		return CURLE_OUT_OF_MEMORY;
	c->fd = -1;
	c->deadline = deadline;
	c->stall_ms = e->stall_s * 1000;
	watch(e, c);
	CURLcode rc = connect_to(e, c, u->host, u->port);
	if (rc == CURLE_OK && u->https)
		rc = tls_start(e, c, u->host);
	if (rc != CURLE_OK && c->aborted) {
		fail(e, "Callback aborted");
		rc = CURLE_ABORTED_BY_CALLBACK;
	}
	if (rc != CURLE_OK) {
		conn_close(c);
		free(c);
		return rc;
	}
	*out = c;
	return CURLE_OK;
}

CURLcode aslrt_bcurl_easy_perform(CURL *h)
{
	easy *e = h;
	e->status = 0;
	if (e->errbuf)
		e->errbuf[0] = 0;
	if (e->bad_option) {
		fail(e, "the static executable's HTTP client does not support curl option %d",
		     e->bad_option);
		return CURLE_UNKNOWN_OPTION;
	}
	url u;
	CURLcode rc = parse_url(e, &u);
	if (rc == CURLE_OK)
		rc = no_proxy(e, &u);
	if (rc != CURLE_OK)
		return rc;
	char key[sizeof((conn *)0)->key];
	snprintf(key, sizeof key, "%s://%s:%s", u.https ? "https" : "http", u.host, u.port);
	int64_t deadline = e->timeout_ms > 0 ? now_ms() + e->timeout_ms : 0;
	conn *c = take_kept(key);
	bool unanswered = false;
	if (c) {
		c->deadline = deadline;
		c->stall_ms = e->stall_s * 1000;
		watch(e, c);
		rc = exchange(e, c, &u, &unanswered);
		/* closed by the server as the request went out: once more, afresh */
		if (rc != CURLE_OK && unanswered && !c->aborted) {
			conn_close(c);
			free(c);
			c = NULL;
			if (e->errbuf)
				e->errbuf[0] = 0;
		}
	}
	if (!c) {
		rc = open_conn(e, &u, deadline, &c);
		if (rc == CURLE_OK) {
			snprintf(c->key, sizeof c->key, "%s", key);
			rc = exchange(e, c, &u, &unanswered);
		}
	}
	if (c && c->aborted) { /* a stopped Task: the connection is mid-request */
		fail(e, "Callback aborted");
		rc = CURLE_ABORTED_BY_CALLBACK;
	}
	if (c && rc == CURLE_OK && c->keep) {
		c->xfer = NULL; /* its data is this request's */
		keep(c);
	} else if (c) {
		conn_close(c);
		free(c);
	}
	return rc;
}

CURLcode aslrt_bcurl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	easy *e = h;
	if (info != CURLINFO_RESPONSE_CODE)
		return CURLE_UNKNOWN_OPTION;
	va_list ap;
	va_start(ap, info);
	*va_arg(ap, long *) = e->status;
	va_end(ap);
	return CURLE_OK;
}

void aslrt_bcurl_easy_reset(CURL *h)
{
	easy_clear(h);
}

void aslrt_bcurl_easy_cleanup(CURL *h)
{
	if (h)
		easy_clear(h);
	free(h);
}

const char *aslrt_bcurl_easy_strerror(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return "No error";
	case CURLE_UNSUPPORTED_PROTOCOL:
		return "Unsupported protocol";
	case CURLE_URL_MALFORMAT:
		return "URL using bad/illegal format or missing URL";
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "Couldn't resolve proxy name";
	case CURLE_COULDNT_RESOLVE_HOST:
		return "Couldn't resolve host name";
	case CURLE_COULDNT_CONNECT:
		return "Couldn't connect to server";
	case CURLE_WRITE_ERROR:
		return "Failed writing received data to disk/application";
	case CURLE_OUT_OF_MEMORY:
		return "Out of memory";
	case CURLE_OPERATION_TIMEDOUT:
		return "Timeout was reached";
	case CURLE_ABORTED_BY_CALLBACK:
		return "Operation was aborted by an application callback";
	case CURLE_SSL_CONNECT_ERROR:
		return "SSL connect error";
	case CURLE_PEER_FAILED_VERIFICATION:
		return "SSL peer certificate or SSH remote key was not OK";
	case CURLE_SEND_ERROR:
		return "Failed sending data to the peer";
	case CURLE_RECV_ERROR:
		return "Failure when receiving data from the peer";
	case CURLE_SSL_CACERT_BADFILE:
		return "Problem with the SSL CA cert (path? access rights?)";
	case CURLE_UNKNOWN_OPTION:
		return "An unknown option was passed in to libcurl (the static executable's "
		       "HTTP client supports only the options the runtime uses)";
	default:
		return "Unknown error";
	}
}

struct curl_slist *aslrt_bcurl_slist_append(struct curl_slist *l, const char *s)
{
	struct curl_slist *n = malloc(sizeof *n);
	if (!n || !(n->data = strdup(s))) {
		free(n);
		return NULL;
	}
	n->next = NULL;
	if (!l)
		return n;
	struct curl_slist *t = l;
	while (t->next)
		t = t->next;
	t->next = n;
	return l;
}

void aslrt_bcurl_slist_free_all(struct curl_slist *l)
{
	while (l) {
		struct curl_slist *n = l->next;
		free(l->data);
		free(l);
		l = n;
	}
}

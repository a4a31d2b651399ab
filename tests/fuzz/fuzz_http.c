/*
 * fuzz_http.c - libFuzzer target for the static executables' built-in HTTP
 * server and client (runtime/builtin_mhd.c, builtin_curl.c) over loopback:
 * the bytes are sent as a request to the server, which must answer with an
 * HTTP/1.1 status line or close, and served as a response to the client,
 * whose body may never hold more bytes than were sent.  The client keeps
 * its handle (and kept connections) from one input to the next, as a
 * runtime thread does.  Build and run it with tests/fuzz/run_http.sh.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "builtin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --- the server side: an access handler as callback.c's --- */

typedef struct upload {
	size_t len;
} upload;

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *body,
			      size_t *body_size, void **con_cls)
{
	(void)cls, (void)url, (void)method, (void)version, (void)body;
	upload *u = *con_cls;
	if (!u) {
		*con_cls = calloc(1, sizeof *u);
		return *con_cls ? MHD_YES : MHD_NO;
	}
	if (*body_size) {
		u->len += *body_size;
		*body_size = 0;
		return MHD_YES;
	}
	const char *target = aslrt_bmhd_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Target");
	char text[64];
	int n = snprintf(text, sizeof text, "{\"len\":%zu,\"target\":%d}", u->len, target != NULL);
	struct MHD_Response *r =
	    aslrt_bmhd_create_response_from_buffer((size_t)n, text, MHD_RESPMEM_MUST_COPY);
	aslrt_bmhd_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result rc = aslrt_bmhd_queue_response(conn, 200, r);
	aslrt_bmhd_destroy_response(r);
	return rc;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode why)
{
	(void)cls, (void)conn, (void)why;
	free(*con_cls);
	*con_cls = NULL;
}

static int server_port;

/* A connection to the server on port.  Its close resets it (linger 0): a
 * run makes 100,000 connections a minute, and in TIME_WAIT they would use
 * up the loopback's ephemeral ports (a connect failing with EADDRNOTAVAIL,
 * seen in CI after 115,000).  A refused or unroutable connect is retried
 * for up to 5 s (the server's backlog, ports still draining). */
static int dial(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	for (int tries = 0; tries < 500; tries++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct timeval tv = {.tv_sec = 5};
		struct linger off = {.l_onoff = 1, .l_linger = 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, sizeof off);
		if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
			return fd;
		close(fd);
		usleep(10000);
	}
	abort(); /* the server is gone */
}

static void to_server(const uint8_t *data, size_t size)
{
	int fd = dial(server_port);
	for (size_t at = 0; at < size;) {
		ssize_t k = send(fd, data + at, size - at, MSG_NOSIGNAL);
		if (k <= 0)
			break; /* the server answered and closed early */
		at += (size_t)k;
	}
	shutdown(fd, SHUT_WR);
	char got[4096];
	size_t n = 0;
	ssize_t k;
	while ((k = recv(fd, got + n, sizeof got - 1 - n, 0)) > 0 && n + (size_t)k < sizeof got - 1)
		n += (size_t)k;
	got[n] = 0;
	close(fd);
	/* an answer is a status line (or 100 Continue first), else nothing */
	if (n && strncmp(got, "HTTP/1.1 ", 9) != 0)
		abort();
}

/* --- the client side: a server sending the bytes as its response --- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const uint8_t *reply;
static size_t reply_len;
static int responder_fd, responder_port;

static void *responder(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(responder_fd, NULL, NULL);
		if (c < 0)
			continue;
		struct timeval tv = {.tv_sec = 2};
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		char req[8192];
		size_t n = 0;
		ssize_t k;
		while (n < sizeof req - 1 && (k = recv(c, req + n, sizeof req - 1 - n, 0)) > 0) {
			n += (size_t)k;
			req[n] = 0;
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		pthread_mutex_lock(&lock);
		if (reply_len)
			send(c, reply, reply_len, MSG_NOSIGNAL);
		pthread_mutex_unlock(&lock);
		close(c);
	}
	return NULL;
}

static size_t count(char *p, size_t size, size_t n, void *user)
{
	(void)p;
	*(size_t *)user += size * n;
	return size * n;
}

static void to_client(const uint8_t *data, size_t size)
{
	static CURL *h;
	if (!h)
		h = aslrt_bcurl_easy_init();
	pthread_mutex_lock(&lock);
	reply = data;
	reply_len = size;
	pthread_mutex_unlock(&lock);
	char url[64], err[CURL_ERROR_SIZE];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/f", responder_port);
	size_t body = 0, head = 0;
	aslrt_bcurl_easy_reset(h);
	aslrt_bcurl_easy_setopt(h, CURLOPT_URL, url);
	aslrt_bcurl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	aslrt_bcurl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 3000L);
	aslrt_bcurl_easy_setopt(h, CURLOPT_WRITEFUNCTION, count);
	aslrt_bcurl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	aslrt_bcurl_easy_setopt(h, CURLOPT_HEADERFUNCTION, count);
	aslrt_bcurl_easy_setopt(h, CURLOPT_HEADERDATA, &head);
	if (size && data[0] & 1)
		aslrt_bcurl_easy_setopt(h, CURLOPT_POSTFIELDS, "{}");
	aslrt_bcurl_easy_perform(h);
	pthread_mutex_lock(&lock);
	reply_len = 0; /* a late retry gets nothing */
	pthread_mutex_unlock(&lock);
	if (body + head > size) /* more out than came in */
		abort();
}

static void start(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct MHD_Daemon *d = aslrt_bmhd_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, handle,
	    NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a, MHD_OPTION_NOTIFY_COMPLETED,
	    completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 2u, MHD_OPTION_END);
	if (!d)
		abort();
	server_port = aslrt_bmhd_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
	responder_fd = socket(AF_INET, SOCK_STREAM, 0);
	socklen_t len = sizeof a;
	if (bind(responder_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(responder_fd, 16) != 0 ||
	    getsockname(responder_fd, (struct sockaddr *)&a, &len) != 0)
		abort();
	responder_port = ntohs(a.sin_port);
	pthread_t t;
	pthread_create(&t, NULL, responder, NULL);
	pthread_detach(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, start);
	to_server(data, size);
	to_client(data, size);
	return 0;
}

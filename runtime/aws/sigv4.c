/*
 * sigv4.c - AWS Signature Version 4 on OpenSSL's libcrypto, header and query
 * (presigned) forms, as AWS's SigV4 test suite specifies it
 * (tests/sigv4/: the aws-c-auth vectors, every one checked by test_aws).
 *
 * Own code rather than curl's CURLOPT_AWS_SIGV4: that hides the canonical
 * request, so it cannot be checked against the vectors, and it does not do
 * S3's unnormalized paths or query signing.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../digest.h"
#include "aws.h"

/* --- buffers --- */

static char *buf_take(aslrt_buf *b)
{
	if (!b->s)
		aslrt_buf_put(b, "", 0);
	char *p = b->s;
	*b = (aslrt_buf){0};
	return p;
}

void aslrt_aws_uri_encode(aslrt_buf *b, const char *s, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
		    (keep_slash && ch == '/')) {
			aslrt_buf_put(b, &s[i], 1);
		} else {
			char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
			aslrt_buf_put(b, e, 3);
		}
	}
}

/* --- headers --- */

void aslrt_aws_headers_add(aws_headers *h, const char *name, const char *value)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 8;
		h->v = realloc(h->v, (size_t)h->cap * sizeof *h->v);
		if (!h->v)
			abort();
	}
	h->v[h->n].name = strdup(name);
	h->v[h->n].value = strdup(value);
	if (!h->v[h->n].name || !h->v[h->n].value)
		abort();
	h->n++;
}

const char *aslrt_aws_headers_get(const aws_headers *h, const char *name)
{
	for (int i = 0; i < h->n; i++)
		if (strcasecmp(h->v[i].name, name) == 0)
			return h->v[i].value;
	return NULL;
}

void aslrt_aws_headers_free(aws_headers *h)
{
	for (int i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].value);
	}
	free(h->v);
	*h = (aws_headers){0};
}

void aslrt_aws_creds_free(aws_creds *c)
{
	if (c->secret_key)
		OPENSSL_cleanse(c->secret_key, strlen(c->secret_key));
	free(c->access_key);
	free(c->secret_key);
	free(c->token);
	*c = (aws_creds){0};
}

/* --- hashing --- */

static void hexify(const unsigned char *d, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = '\0';
}

void aslrt_aws_sha256_hex(const void *data, size_t n, char hex[65])
{
	unsigned char d[ASLRT_DIGEST_MAX];
	aslrt_digest("SHA-256", data, n, d);
	hexify(d, 32, hex);
}

static void hmac(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
	aslrt_hmac_sha256(key, keylen, msg, strlen(msg), out);
}

/* --- the canonical request --- */

typedef struct kv {
	char *k, *v;
} kv;

static int kv_cmp(const void *a, const void *b)
{
	const kv *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Percent-decode s[0..n) then re-encode it; -1 on a bad escape. */
static int reencode(aslrt_buf *out, const char *s, size_t n)
{
	aslrt_buf dec = {0};
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
				aslrt_buf_free(&dec);
				return -1;
			}
			char ch = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			aslrt_buf_put(&dec, &ch, 1);
			i += 2;
		} else {
			aslrt_buf_put(&dec, &s[i], 1);
		}
	}
	aslrt_aws_uri_encode(out, dec.s ? dec.s : "", dec.len, false);
	aslrt_buf_free(&dec);
	return 0;
}

static void add_pair(kv **v, int *n, char *k, char *val)
{
	*v = realloc(*v, (size_t)(*n + 1) * sizeof **v);
	if (!*v)
		abort();
	(*v)[*n].k = k;
	(*v)[*n].v = val;
	(*n)++;
}

static char *enc_dup(const char *s)
{
	aslrt_buf b = {0};
	aslrt_aws_uri_encode(&b, s, strlen(s), false);
	return buf_take(&b);
}

static void canonical_path(aslrt_buf *b, const char *path, bool normalize)
{
	if (!normalize || !*path) {
		aslrt_aws_uri_encode(b, *path ? path : "/", *path ? strlen(path) : 1, true);
		return;
	}
	/* Segments: drop "" and ".", ".." removes the previous one. */
	const char **seg = NULL;
	size_t *len = NULL;
	int n = 0;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == 0)
			break;
		if (l == 1 && p[0] == '.') {
		} else if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (n)
				n--;
		} else {
			seg = realloc(seg, (size_t)(n + 1) * sizeof *seg);
			len = realloc(len, (size_t)(n + 1) * sizeof *len);
			if (!seg || !len)
				abort();
			seg[n] = p;
			len[n] = l;
			n++;
		}
		p += l;
	}
	for (int i = 0; i < n; i++) {
		aslrt_buf_put(b, "/", 1);
		aslrt_aws_uri_encode(b, seg[i], len[i], false);
	}
	if (n == 0 || path[strlen(path) - 1] == '/')
		aslrt_buf_put(b, "/", 1);
	free(seg);
	free(len);
}

/* Lower-cased name; value trimmed with inner whitespace runs as one space. */
static void canon_header(const aws_header *h, char **name, aslrt_buf *val)
{
	*name = strdup(h->name);
	if (!*name)
		abort();
	for (char *p = *name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *s = h->value;
	bool space = false;
	while (isspace((unsigned char)*s))
		s++;
	for (; *s; s++) {
		if (isspace((unsigned char)*s)) {
			space = true;
			continue;
		}
		if (space)
			aslrt_buf_put(val, " ", 1);
		space = false;
		aslrt_buf_put(val, s, 1);
	}
}

static void set_header(kv **v, int *n, const char *name, const char *value)
{
	for (int i = 0; i < *n; i++)
		if (strcmp((*v)[i].k, name) == 0) {
			free((*v)[i].v);
			(*v)[i].v = strdup(value);
			return;
		}
	add_pair(v, n, strdup(name), strdup(value));
}

static void free_pairs(kv *v, int n)
{
	for (int i = 0; i < n; i++) {
		free(v[i].k);
		free(v[i].v);
	}
	free(v);
}

/* Headers: merged by lower-case name, in first-seen order (sorted later). */
static void canon_headers(const aws_headers *h, kv **hs, int *nh)
{
	for (int i = 0; i < h->n; i++) {
		char *name;
		aslrt_buf val = {0};
		canon_header(&h->v[i], &name, &val);
		int j;
		for (j = 0; j < *nh && strcmp((*hs)[j].k, name) != 0; j++)
			;
		if (j < *nh) {
			aslrt_buf m = {0};
			aslrt_buf_printf(&m, "%s,%s", (*hs)[j].v, val.s ? val.s : "");
			free((*hs)[j].v);
			(*hs)[j].v = buf_take(&m);
			free(name);
			aslrt_buf_free(&val);
		} else {
			add_pair(hs, nh, name, buf_take(&val));
		}
	}
}

/* Query: pairs percent-decoded then re-encoded (sorted later); -1 on a
 * malformed escape. */
static int canon_query(const char *q, kv **qs, int *nq)
{
	while (*q) {
		const char *amp = strchr(q, '&');
		size_t l = amp ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', l);
		aslrt_buf k = {0}, v = {0};
		if (reencode(&k, q, eq ? (size_t)(eq - q) : l) != 0 ||
		    (eq && reencode(&v, eq + 1, l - (size_t)(eq + 1 - q)) != 0)) {
			aslrt_buf_free(&k);
			aslrt_buf_free(&v);
			return -1;
		}
		add_pair(qs, nq, buf_take(&k), buf_take(&v));
		q += l;
		if (*q == '&')
			q++;
	}
	return 0;
}

/* The signature of the string to sign, in hex: the key derived from the
 * secret through the day, region, service and "aws4_request". */
static void signature(const aws_sign_opts *o, const char *day, const char *sts, char hex[65])
{
	unsigned char k[32];
	aslrt_buf key = {0};
	aslrt_buf_printf(&key, "AWS4%s", o->creds->secret_key);
	hmac(key.s, key.len, day, k);
	OPENSSL_cleanse(key.s, key.len);
	aslrt_buf_free(&key);
	hmac(k, 32, o->region, k);
	hmac(k, 32, o->service, k);
	hmac(k, 32, "aws4_request", k);
	unsigned char sig[32];
	hmac(k, 32, sts, sig);
	OPENSSL_cleanse(k, sizeof k);
	hexify(sig, 32, hex);
}

int aslrt_aws_sign(const aws_sign_opts *o, aws_sign_req *req, aws_sign_mode mode, aws_signed *out)
{
	*out = (aws_signed){0};
	char amzdate[17], day[9];
	struct tm tm;
	gmtime_r(&o->now, &tm);
	strftime(amzdate, sizeof amzdate, "%Y%m%dT%H%M%SZ", &tm);
	memcpy(day, amzdate, 8);
	day[8] = '\0';
	aslrt_buf scope = {0};
	aslrt_buf_printf(&scope, "%s/%s/%s/aws4_request", day, o->region, o->service);
	const char *token = o->creds->token && *o->creds->token ? o->creds->token : NULL;

	kv *hs = NULL;
	int nh = 0;
	canon_headers(req->headers, &hs, &nh);
	char hash[65];
	if (req->payload_hash)
		snprintf(hash, sizeof hash, "%s", req->payload_hash);
	else
		aslrt_aws_sha256_hex(req->body ? req->body : "", req->body_len, hash);
	if (mode == AWS_SIGN_HEADER) {
		if (o->sign_body)
			set_header(&hs, &nh, "x-amz-content-sha256", hash);
		set_header(&hs, &nh, "x-amz-date", amzdate);
		if (token && !o->omit_token)
			set_header(&hs, &nh, "x-amz-security-token", token);
	}
	if (nh)
		qsort(hs, (size_t)nh, sizeof *hs, kv_cmp);
	aslrt_buf signed_headers = {0};
	for (int i = 0; i < nh; i++) {
		if (i)
			aslrt_buf_put(&signed_headers, ";", 1);
		aslrt_buf_puts(&signed_headers, hs[i].k);
	}

	kv *qs = NULL;
	int nq = 0;
	int rc = canon_query(req->query ? req->query : "", &qs, &nq);
	aslrt_buf added = {0}; /* query mode: what goes on the wire after req->query */
	if (mode == AWS_SIGN_QUERY && rc == 0) {
		char expires[24];
		snprintf(expires, sizeof expires, "%ld", o->expires);
		aslrt_buf cred = {0};
		aslrt_buf_printf(&cred, "%s/%s", o->creds->access_key, scope.s);
		const char *names[] = {"X-Amz-Algorithm", "X-Amz-Credential",
				       "X-Amz-Date",	  "X-Amz-SignedHeaders",
				       "X-Amz-Expires",	  "X-Amz-Security-Token"};
		const char *vals[] = {"AWS4-HMAC-SHA256", cred.s,  amzdate,
				      signed_headers.s,	  expires, token};
		int nadd = token && !o->omit_token ? 6 : 5;
		for (int i = 0; i < nadd; i++) {
			add_pair(&qs, &nq, strdup(names[i]), enc_dup(vals[i]));
			aslrt_buf_printf(&added, "&%s=%s", names[i], qs[nq - 1].v);
		}
		aslrt_buf_free(&cred);
	}
	if (nq)
		qsort(qs, (size_t)nq, sizeof *qs, kv_cmp);

	aslrt_buf creq = {0};
	if (rc == 0) {
		aslrt_buf_printf(&creq, "%s\n", req->method);
		canonical_path(&creq, req->path, o->normalize);
		aslrt_buf_put(&creq, "\n", 1);
		for (int i = 0; i < nq; i++)
			aslrt_buf_printf(&creq, "%s%s=%s", i ? "&" : "", qs[i].k, qs[i].v);
		aslrt_buf_put(&creq, "\n", 1);
		for (int i = 0; i < nh; i++)
			aslrt_buf_printf(&creq, "%s:%s\n", hs[i].k, hs[i].v);
		aslrt_buf_printf(&creq, "\n%s\n%s", signed_headers.s ? signed_headers.s : "", hash);

		char creq_hash[65];
		aslrt_aws_sha256_hex(creq.s, creq.len, creq_hash);
		aslrt_buf sts = {0};
		aslrt_buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", amzdate, scope.s, creq_hash);

		signature(o, day, sts.s, out->sig);
		out->creq = buf_take(&creq);
		out->sts = buf_take(&sts);

		if (mode == AWS_SIGN_HEADER) {
			if (o->sign_body)
				aslrt_aws_headers_add(req->headers, "X-Amz-Content-Sha256", hash);
			aslrt_aws_headers_add(req->headers, "X-Amz-Date", amzdate);
			if (token)
				aslrt_aws_headers_add(req->headers, "X-Amz-Security-Token", token);
			aslrt_buf a = {0};
			aslrt_buf_printf(&a,
					 "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, "
					 "Signature=%s",
					 o->creds->access_key, scope.s, signed_headers.s, out->sig);
			out->authorization = buf_take(&a);
			aslrt_aws_headers_add(req->headers, "Authorization", out->authorization);
		} else {
			aslrt_buf w = {0};
			aslrt_buf_puts(&w, req->query ? req->query : "");
			aslrt_buf_puts(&w, w.len ? added.s : added.s + 1);
			if (token && o->omit_token) {
				aslrt_buf_puts(&w, "&X-Amz-Security-Token=");
				aslrt_aws_uri_encode(&w, token, strlen(token), false);
			}
			aslrt_buf_printf(&w, "&X-Amz-Signature=%s", out->sig);
			out->query = buf_take(&w);
		}
	}
	aslrt_buf_free(&creq);
	aslrt_buf_free(&added);
	aslrt_buf_free(&signed_headers);
	aslrt_buf_free(&scope);
	free_pairs(hs, nh);
	free_pairs(qs, nq);
	return rc;
}

void aslrt_aws_signed_free(aws_signed *s)
{
	free(s->creq);
	free(s->sts);
	free(s->authorization);
	free(s->query);
	*s = (aws_signed){0};
}

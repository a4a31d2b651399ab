/*
 * buf.c - the one growable string of the runtime and the compiler, and the
 * UTF-8 primitives (encode, decode strictly, count) both use.
 *
 * A zeroed aslrt_buf is empty; s is NUL-terminated once anything (even
 * nothing, put with aslrt_buf_put(b, "", 0)) was put.  Capacity doubles, so
 * appending is amortised constant time.  Running out of memory aborts: a
 * buffer holds text the caller already bounded (a cause, a path, a picture).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

void aslrt_buf_put(aslrt_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p)
			abort();
		b->s = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void aslrt_buf_puts(aslrt_buf *b, const char *s)
{
	aslrt_buf_put(b, s, strlen(s));
}

void aslrt_buf_printf(aslrt_buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if ((size_t)n < sizeof tmp) {
		aslrt_buf_put(b, tmp, (size_t)n);
	} else {
		aslrt_buf_put(b, "", 0);
		size_t at = b->len;
		for (int i = 0; i < n; i++)
			aslrt_buf_put(b, " ", 1); /* room for n bytes and the NUL */
		vsnprintf(b->s + at, (size_t)n + 1, fmt, again);
	}
	va_end(again);
}

void aslrt_buf_putcp(aslrt_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	aslrt_buf_put(b, u, n);
}

void aslrt_buf_free(aslrt_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

size_t aslrt_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t min, u;
	if (!n)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		min = 0x80;
		u = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		min = 0x800;
		u = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		min = 0x10000;
		u = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		u = u << 6 | (s[i] & 0x3F);
	}
	if (u < min || u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF))
		return 0;
	*cp = u;
	return len;
}

size_t aslrt_utf8_count(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

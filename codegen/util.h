/*
 * util.h - util.c's helpers: internal errors, allocation that cannot fail,
 * the growable buffer under its compiler names.  codegen/'s (ir.h), and
 * the compiler's through it: the compiler depends on codegen, not the
 * reverse.
 */
#ifndef ASLC_UTIL_H
#define ASLC_UTIL_H

#include <stddef.h>

#include "rt.h"

/* --- util.c --- */

/* Internal errors (compiler bugs), never user errors. */
_Noreturn void aslc_die_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define die(...) aslc_die_at(__FILE__, __LINE__, __VA_ARGS__)
#define unreachable() die("unreachable")

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer: the runtime's (rt.h, buf.c), under the names the
 * compiler has always used. */
typedef aslrt_buf Buf;
#define buf_put aslrt_buf_put
#define buf_puts aslrt_buf_puts
#define buf_printf aslrt_buf_printf
#define buf_free aslrt_buf_free

/* Append p to *v (a vector of pointers of length *n). */
#define vec_push(v, n, x)                                                                          \
	do {                                                                                       \
		*(v) = xrealloc(*(v), sizeof(**(v)) * (size_t)(*(n) + 1));                         \
		(*(v))[(*(n))++] = (x);                                                            \
	} while (0)

#endif

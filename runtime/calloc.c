/*
 * calloc.c - the executable's calloc for small blocks.  aslc links every
 * machine with -Wl,--wrap=calloc and __wrap_calloc defined as aslrt_calloc
 * (codegen/cc.c), so json-c's, the runtime's and the other static
 * libraries' calls to calloc come here.
 *
 * glibc's calloc (2.36, Debian 12) never takes a block from the thread's
 * cache (tcache) as its malloc does: each call goes through _int_malloc.
 * json-c makes every object's hash table with two callocs (lh_table_new),
 * so a program building many small objects paid that path twice per
 * object: b5, 28% of its instructions in calloc and _int_malloc.  A small
 * block is taken with malloc and cleared, the same bytes; a big one keeps
 * glibc's calloc, which skips clearing fresh pages (no page touched, no
 * RSS for a table never filled).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* The size up to which glibc's malloc serves blocks from its tcache. */
#define SMALL 1024

void *__real_calloc(size_t n, size_t size);

void *aslrt_calloc(size_t n, size_t size)
{
	size_t len;
	if (__builtin_mul_overflow(n, size, &len)) {
		/* refused here: a sanitizer's calloc would abort on it */
		errno = ENOMEM;
		return NULL;
	}
	if (len > SMALL)
		return __real_calloc(n, size);
	void *p = malloc(len);
	if (p)
		memset(p, 0, len);
	return p;
}

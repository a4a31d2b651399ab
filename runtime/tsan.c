/*
 * tsan.c - json-c values as ThreadSanitizer sees them; built into libaslrt.a
 * only with -DASLC_SANITIZE=thread (runtime/CMakeLists.txt).
 *
 * libjson-c.a is Debian's, not instrumented, and its reference counts are
 * plain integers (json_object_get is a load, an add and a store): two
 * threads getting or putting one value race, and so do a thread changing a
 * container and another reading it.  That is the race the pool must never
 * have (a branch or iteration on a thread gets a tree of its own,
 * branch.c), and TSan cannot see it inside json-c.  aslc links a TSan
 * machine with -Wl,--wrap for the functions of tsan.h (codegen/cc.c): a call
 * from the runtime or the generated code first tells TSan it writes (or
 * reads) the value's count or contents, then calls json-c.  Calls json-c
 * makes itself (a container releasing its members) are not seen.
 */
#include <json.h>
#include <stddef.h>
#include <stdint.h>

#include "tsan.h"

/* libtsan's entry points for an instrumented access of 4 bytes */
void __tsan_read4(void *addr);
void __tsan_write4(void *addr);

#define TSAN_WRAP(fn, access, off, ret, params, args)                                              \
	ret __real_##fn params;                                                                    \
	ret aslrt_tsan_##fn params;                                                                \
	ret aslrt_tsan_##fn params                                                                 \
	{                                                                                          \
		if (o)                                                                             \
			__tsan_##access##4((char *)(uintptr_t)o + off);                            \
		return __real_##fn args;                                                           \
	}
ASLRT_TSAN_WRAPS(TSAN_WRAP)

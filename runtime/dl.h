/*
 * dl.h - dlopen/dlsym for the libraries the runtime loads on first use
 * (libcurl, libmicrohttpd), or their built-in stand-ins where the
 * executable links them: a static executable (aslc build --static) has no
 * shared libraries to load, so aslc links the built-in HTTP client and
 * server (builtin_curl.c, builtin_mhd.c) and their table (builtin.c).
 */
#ifndef ASLRT_DL_H
#define ASLRT_DL_H

typedef struct aslrt_builtin_sym {
	const char *name;
	void (*fn)(void);
} aslrt_builtin_sym;

typedef struct aslrt_builtin_lib {
	const char *soname; /* as dlopen is asked for it */
	const aslrt_builtin_sym *syms;
} aslrt_builtin_lib;

/* NULL-terminated; defined (builtin.c) only where aslc links it in. */
extern const aslrt_builtin_lib aslrt_builtin_libs[] __attribute__((weak));

/* As dlopen(name, RTLD_NOW | RTLD_LOCAL), dlsym and dlerror, but a library
 * built into the executable is used instead of a shared one. */
void *aslrt_dlopen(const char *name);
void *aslrt_dlsym(void *lib, const char *name);
const char *aslrt_dlerror(void);
void aslrt_dlclose(void *lib);

#endif

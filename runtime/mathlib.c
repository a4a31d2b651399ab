/*
 * mathlib.c - libm loaded on first use (mathlib.h says why), through
 * dl.c so that a static executable uses the copies builtin.c links in.
 * Loaded once for all threads (pthread_once); a libm that cannot be
 * loaded aborts with its name, as a missing C library would.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "dl.h"
#include "mathlib.h"

static struct {
	double (*ceil)(double);
	double (*floor)(double);
	double (*fmax)(double, double);
	double (*fmin)(double, double);
	double (*fmod)(double, double);
	double (*log10)(double);
	double (*pow)(double, double);
	double (*sqrt)(double);
	double (*trunc)(double);
	long long (*llround)(double);
} m;
static pthread_once_t m_once = PTHREAD_ONCE_INIT;

static void load_sym(void *lib, void **fn, const char *name)
{
	if (!(*fn = aslrt_dlsym(lib, name))) {
		fprintf(stderr, "aslrt: libm.so.6 has no %s: %s\n", name, aslrt_dlerror());
		abort();
	}
}

static void load(void)
{
	void *lib = aslrt_dlopen("libm.so.6");
	if (!lib) {
		fprintf(stderr, "aslrt: cannot load libm.so.6: %s\n", aslrt_dlerror());
		abort();
	}
#define SYM(f) load_sym(lib, (void **)&m.f, #f)
	SYM(ceil);
	SYM(floor);
	SYM(fmax);
	SYM(fmin);
	SYM(fmod);
	SYM(log10);
	SYM(pow);
	SYM(sqrt);
	SYM(trunc);
	SYM(llround);
#undef SYM
}

#define M(f) (pthread_once(&m_once, load), m.f)

double aslrt_ceil(double x)
{
	return M(ceil)(x);
}

double aslrt_floor(double x)
{
	return M(floor)(x);
}

double aslrt_fmax(double x, double y)
{
	return M(fmax)(x, y);
}

double aslrt_fmin(double x, double y)
{
	return M(fmin)(x, y);
}

double aslrt_fmod(double x, double y)
{
	return M(fmod)(x, y);
}

double aslrt_log10(double x)
{
	return M(log10)(x);
}

double aslrt_pow(double x, double y)
{
	return M(pow)(x, y);
}

double aslrt_sqrt(double x)
{
	return M(sqrt)(x);
}

double aslrt_trunc(double x)
{
	return M(trunc)(x);
}

long long aslrt_llround(double x)
{
	return M(llround)(x);
}

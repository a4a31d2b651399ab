/*
 * mathlib.h - the few libm functions the runtime calls (JSONata's numbers
 * and pictures, Retry's backoff, ...), loaded with libm on first use
 * (ceil and trunc too: gcc inlines them at -O2, not at -O0).
 * Linking libm costs every executable its start-up relocations and IFUNC
 * resolvers (b6: 330 KB of peak RSS, a quarter of the hand-written C's
 * whole); most machines never call one.  Same results as libm's: they are
 * libm's.  A static executable has them built in (builtin.c).
 */
#ifndef ASLRT_MATHLIB_H
#define ASLRT_MATHLIB_H

double aslrt_ceil(double x);
double aslrt_floor(double x);
double aslrt_fmax(double x, double y);
double aslrt_fmin(double x, double y);
double aslrt_fmod(double x, double y);
double aslrt_log10(double x);
double aslrt_pow(double x, double y);
double aslrt_sqrt(double x);
double aslrt_trunc(double x);
long long aslrt_llround(double x);

#endif

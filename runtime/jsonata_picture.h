/*
 * jsonata_picture.h - internal to the JSONata engine: the picture strings of
 * XPath/XQuery Functions and Operators 3.1 as JSONata 2.0.6 implements them
 * ($formatInteger, $parseInteger, $fromMillis and $toMillis with a picture).
 *
 * Plain C values in and out, so the evaluator (jsonata.c) only converts its
 * values and raises the error these report.
 */
#ifndef ASLRT_JSONATA_PICTURE_H
#define ASLRT_JSONATA_PICTURE_H

#include <stdbool.h>
#include <stdint.h>

/* A JSONata error: its code ("D3130") and the {{value}} of its message. */
typedef struct aslrt_pic_err {
	const char *code;
	char value[128];
} aslrt_pic_err;

/* fn:format-integer.  malloc'd UTF-8, or NULL with err set. */
char *aslrt_pic_format_integer(double value, const char *picture, aslrt_pic_err *err);

/* fn:parse-integer as JSONata does it: 0 with *out (NaN when the text holds
 * no number), -1 with err set. */
int aslrt_pic_parse_integer(const char *text, const char *picture, double *out, aslrt_pic_err *err);

/* fn:format-dateTime of ms since the epoch; picture NULL is ISO 8601,
 * timezone NULL is UTC, else "+hhmm"/"-hhmm".  malloc'd, or NULL with err. */
char *aslrt_pic_format_datetime(double ms, const char *picture, const char *timezone,
				aslrt_pic_err *err);

/* Parse text by a date/time picture; now_ms fills the components the picture
 * leaves out above the ones it gives.  0 with *out, 1 when the text does not
 * match (undefined), -1 with err set. */
int aslrt_pic_parse_datetime(const char *text, const char *picture, double now_ms, double *out,
			     aslrt_pic_err *err);

#ifdef ASLRT_PICTURE_INTERNAL
/* ---- shared by jsonata_picture.c and jsonata_datetime.c ---- */

#include <stddef.h>

#include "rt.h"

/* jsonata_picture.c: a growing UTF-8 string (rt.h's aslrt_buf), code points,
 * errors. */
typedef aslrt_buf PicOut;
/* UTF-8 text as code points (malloc'd). */
uint32_t *aslrt_pic_decode(const char *s, int *n);
void aslrt_pic_set_err(aslrt_pic_err *err, const char *code, const char *value);
void aslrt_pic_set_err_u(aslrt_pic_err *err, const char *code, const uint32_t *u, int n);
/* The last index of ch in u[0..n), or -1. */
int aslrt_pic_u_last(const uint32_t *u, int n, uint32_t ch);
/* JavaScript's parseInt(s): NaN when no digits. */
double aslrt_pic_js_parse_int(const char *s, size_t n);

/* jsonata_picture.c: integer pictures, also a date/time component's format. */
#define MAXSEP 64
enum { P_DECIMAL, P_LETTERS, P_ROMAN, P_WORDS, P_SEQUENCE };
enum { CASE_NONE, CASE_LOWER, CASE_UPPER, CASE_TITLE };

typedef struct IntFmt {
	int primary, tcase;
	bool ordinal;
	uint32_t zero;
	int mandatory, optional;
	bool regular;
	int reg_pos;
	uint32_t reg_ch;
	int sep_pos[MAXSEP]; /* counted from the right, in right-to-left order */
	uint32_t sep_ch[MAXSEP];
	int nsep;
	int parse_width; /* digits a date/time part must have when parsed; 0: any */
	uint32_t token[64];
	int ntoken;
} IntFmt;

int aslrt_pic_analyse_int(const uint32_t *p, int n, IntFmt *f, aslrt_pic_err *err);
int aslrt_pic_format_int(double value, const IntFmt *f, PicOut *o, aslrt_pic_err *err);
/* A matched integer's value by its picture (NaN: none). */
double aslrt_pic_int_value(const IntFmt *f, const char *s, size_t n);

/* The value of each number word (JSONata's table, in its order); t has room
 * for 80. */
typedef struct WordVal {
	char w[16];
	double v;
} WordVal;
int aslrt_pic_word_table(WordVal *t);
#endif

#endif

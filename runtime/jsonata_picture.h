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

#endif

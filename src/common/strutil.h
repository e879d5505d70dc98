/*
 * strutil.h — small string helpers shared by the programs.
 */
#ifndef REPLAB_STRUTIL_H
#define REPLAB_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* strdup that exits with a message when memory runs out. */
char *xstrdup(const char *s);

/* snprintf that exits with a message instead of truncating. */
void xsnprintf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Strip leading and trailing blanks in place; returns the start. */
char *str_trim(char *s);

/*
 * Parse a whole string as a decimal whole number within [min, max]: an
 * optional '-' and digits, nothing else (no blanks, '+', hex or trailing
 * text).  Returns false (and leaves *out alone) otherwise.
 */
bool str_to_long(const char *s, long min, long max, long *out);

/*
 * Parse a whole string as a decimal number within [min, max]: an optional
 * '-', digits, optionally a '.' and more digits ("12", "0.5", "-3.25").
 * No exponent, hex, "inf" or "nan", blanks or trailing text, and at most
 * 63 characters, so the value is always finite.  Returns false (and leaves
 * *out alone) otherwise.
 */
bool str_to_double(const char *s, double min, double max, double *out);

/* A unit a number may carry, and what it multiplies the number by. */
struct str_unit {
	const char *name; /* matched without regard to case; "" for a bare number */
	double factor;
};

/*
 * A decimal number (as str_to_double) directly followed by one of the
 * units (a NULL-named entry ends the list), e.g. "1.5mbit": the number
 * times the unit's factor, which must lie within [min, max].  Returns
 * false (and leaves *out alone) for anything else.
 */
bool str_to_scaled(const char *s, const struct str_unit *units, double min, double max,
		   double *out);

/*
 * A copy of the len bytes at s (NUL bytes included) that is safe to show on
 * a terminal, for text that came from a guest or a file: valid UTF-8 stays,
 * control characters become caret notation ("^[" for ESC, "^@" for NUL, "^?"
 * for DEL), so no escape sequence reaches the terminal; C1 controls and bytes
 * that are not UTF-8 become "\xNN", and bidirectional-text controls
 * "<U+XXXX>".  Tabs stay.  With keep_lines, newlines stay too (CRs before
 * one are dropped); otherwise they become "^J".  The caller frees the result.
 */
char *str_sanitize_terminal(const char *s, size_t len, bool keep_lines);

/* Print s to f made safe for a terminal (str_sanitize_terminal, newlines kept). */
void str_print_safe(FILE *f, const char *s);

#endif

/*
 * strutil.h — small string helpers shared by the programs.
 */
#ifndef REPLAB_STRUTIL_H
#define REPLAB_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* strdup that exits with a message when memory runs out. */
char *xstrdup(const char *s);

/* snprintf that exits with a message instead of truncating. */
void xsnprintf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Strip leading and trailing blanks in place; returns the start. */
char *str_trim(char *s);

/*
 * Parse a whole string as a number within [min, max].  Returns false (and
 * leaves *out alone) for empty input, trailing garbage or out-of-range values.
 */
bool str_to_long(const char *s, long min, long max, long *out);

#endif

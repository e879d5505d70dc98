/*
 * strutil.c — small string helpers shared by the programs.
 */
#define _POSIX_C_SOURCE 200809L
#include "strutil.h"

#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *xstrdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = malloc(len);

	if (!copy)
		fatal("out of memory");
	return memcpy(copy, s, len);
}

void xsnprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t) n >= len)
		fatal("internal error: a %zu-byte buffer is too small for \"%s\"", len, fmt);
}

char *str_trim(char *s)
{
	char *end;

	while (isspace((unsigned char) *s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char) end[-1]))
		end--;
	*end = '\0';
	return s;
}

bool str_to_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !(isdigit((unsigned char) *s) || (*s == '-' && isdigit((unsigned char) s[1]))))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Length of the decimal number at the start of s ("-12.5"), 0 when none. */
static size_t decimal_span(const char *s)
{
	size_t n = *s == '-' ? 1 : 0, digits = 0;

	for (; isdigit((unsigned char) s[n]); n++)
		digits++;
	if (s[n] == '.')
		for (n++; isdigit((unsigned char) s[n]); n++)
			digits++;
	return digits ? n : 0;
}

/* The decimal number in s[0..len), finite, in *out; false when it overflows. */
static bool decimal_value(const char *s, size_t len, double *out)
{
	char buf[64], *end;
	double v;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return false;
	*out = v;
	return true;
}

bool str_to_double(const char *s, double min, double max, double *out)
{
	size_t len;
	double v;

	if (!s || (len = decimal_span(s)) == 0 || s[len] != '\0' || !decimal_value(s, len, &v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool str_to_scaled(const char *s, const struct str_unit *units, double min, double max, double *out)
{
	size_t len;
	double v;

	if (!s || (len = decimal_span(s)) == 0 || !decimal_value(s, len, &v))
		return false;
	for (const struct str_unit *u = units; u->name; u++)
		if (strcasecmp(s + len, u->name) == 0) {
			v *= u->factor;
			if (!isfinite(v) || v < min || v > max)
				return false;
			*out = v;
			return true;
		}
	return false;
}

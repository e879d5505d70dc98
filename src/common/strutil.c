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

	if (!s || (len = decimal_span(s)) == 0 || s[len] != '\0' || !decimal_value(s, len, &v) ||
	    v < min || v > max)
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

/* Length of the UTF-8 sequence at s (n bytes left), 0 when it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len;
	unsigned long c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, c = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, c = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* Code points that reorder or hide text on a terminal (Unicode's bidi controls). */
static bool is_bidi_control(unsigned long c)
{
	return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069);
}

char *str_sanitize_terminal(const char *s, size_t len, bool keep_lines)
{
	const unsigned char *in = (const unsigned char *) s;
	char *out, *o;

	/* The longest output per input byte: "\xNN" (4), or "<U+XXXX>" (8) for 2-3 bytes. */
	if (len > (((size_t) -1) - 1) / 4)
		fatal("out of memory");
	out = malloc(4 * len + 1);
	if (!out)
		fatal("out of memory");
	o = out;
	for (size_t i = 0; i < len;) {
		unsigned long c;
		size_t n = utf8_len(in + i, len - i, &c);

		if (n == 0 || (c >= 0x80 && c < 0xA0)) {
			/* not UTF-8, or a C1 control (CSI is one): each byte as \xNN */
			size_t k = n == 0 ? 1 : n;

			for (size_t j = 0; j < k; j++)
				o += sprintf(o, "\\x%02X", in[i + j]);
			i += k;
			continue;
		}
		if (c == '\r' && keep_lines) {
			size_t j = i;

			while (j < len && in[j] == '\r')
				j++;
			if (j < len && in[j] == '\n') {
				i = j; /* CRs ending a line */
				continue;
			}
		}
		if ((c == '\n' && keep_lines) || c == '\t')
			*o++ = (char) c;
		else if (c < 0x20)
			o += sprintf(o, "^%c", (char) (c + '@'));
		else if (c == 0x7F)
			o += sprintf(o, "^?");
		else if (is_bidi_control(c))
			o += sprintf(o, "<U+%04lX>", c);
		else {
			memcpy(o, in + i, n);
			o += n;
		}
		i += n;
	}
	*o = '\0';
	return out;
}

void str_print_safe(FILE *f, const char *s)
{
	char *safe = str_sanitize_terminal(s, strlen(s), true);

	fputs(safe, f);
	free(safe);
}

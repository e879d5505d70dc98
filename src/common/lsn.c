/*
 * lsn.c — parsing, printing and subtracting WAL positions.
 */
#include "lsn.h"

#include <ctype.h>
#include <stdio.h>

/* Parse 1 to 8 hex digits; returns the position after them or NULL. */
static const char *parse_hex32(const char *p, uint32_t *out)
{
	uint32_t v = 0;
	int n = 0;

	for (; isxdigit((unsigned char) *p); p++, n++) {
		if (n == 8)
			return NULL;
		v = v * 16 + (uint32_t) (isdigit((unsigned char) *p)
						 ? *p - '0'
						 : (tolower((unsigned char) *p) - 'a' + 10));
	}
	if (n == 0)
		return NULL;
	*out = v;
	return p;
}

bool lsn_parse(const char *text, lsn_t *out)
{
	uint32_t hi, lo;
	const char *p;

	if (!text)
		return false;
	p = parse_hex32(text, &hi);
	if (!p || *p != '/')
		return false;
	p = parse_hex32(p + 1, &lo);
	if (!p || *p != '\0')
		return false;
	*out = ((lsn_t) hi << 32) | lo;
	return true;
}

void lsn_format(lsn_t lsn, char *buf)
{
	snprintf(buf, LSN_TEXT_MAX, "%X/%X", (unsigned) (lsn >> 32),
		 (unsigned) (lsn & 0xFFFFFFFFu));
}

int64_t lsn_diff(lsn_t a, lsn_t b)
{
	return (int64_t) (a - b);
}

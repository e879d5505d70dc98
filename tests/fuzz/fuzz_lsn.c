/*
 * fuzz_lsn.c — WAL positions (lsn_parse): what parses prints back as
 * PostgreSQL would and parses to the same position.
 */
#include "fuzz.h"

#include "lsn.h"

FUZZ_QUIET_INITIALIZE

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size), buf[LSN_TEXT_MAX];
	lsn_t a, b;

	if (lsn_parse(text, &a)) {
		lsn_format(a, buf);
		FUZZ_ASSERT(strlen(buf) < LSN_TEXT_MAX);
		FUZZ_ASSERT(lsn_parse(buf, &b) && a == b);
		FUZZ_ASSERT(lsn_diff(a, b) == 0);
	}
	free(text);
	return 0;
}

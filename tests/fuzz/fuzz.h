/*
 * fuzz.h — what the libFuzzer targets share: the code's own diagnostics
 * silenced (the sanitizers and libFuzzer report on file descriptor 2, not
 * through stdio's stderr, so crashes still show), and input as a string.
 */
#ifndef REPLAB_FUZZ_H
#define REPLAB_FUZZ_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fdopen, fmemopen, memmem, strndup: include this first */
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* log_error() and friends write to stdio's stderr: point it at /dev/null. */
static inline void fuzz_quiet(void)
{
	FILE *null;

	if (getenv("FUZZ_VERBOSE"))
		return;
	null = fopen("/dev/null", "w");
	if (null)
		stderr = null;
}

/* The initialisation of a target that needs nothing but quiet. */
#define FUZZ_QUIET_INITIALIZE                             \
	int LLVMFuzzerInitialize(int *argc, char ***argv) \
	{                                                 \
		(void) argc;                              \
		(void) argv;                              \
		fuzz_quiet();                             \
		return 0;                                 \
	}

/* The input as a NUL-terminated copy (cut at its first NUL byte). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A failed property: abort, which libFuzzer reports as a crash with the input. */
#define FUZZ_ASSERT(cond)                                                                    \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(fuzz_report_stream(), "fuzz: property failed: %s (%s:%d)\n", \
				#cond, __FILE__, __LINE__);                                  \
			fflush(fuzz_report_stream());                                        \
			abort();                                                             \
		}                                                                            \
	} while (0)

/* Where a failed property is told: the real standard error, whatever fuzz_quiet did. */
static inline FILE *fuzz_report_stream(void)
{
	static FILE *err;

	if (!err)
		err = fdopen(2, "w");
	return err ? err : stdout;
}

#endif

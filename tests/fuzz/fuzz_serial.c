/*
 * fuzz_serial.c — a guest's serial log: the milestone scanner fed in
 * chunks of any sizes finds exactly the markers the whole stream holds; the
 * end of the log and any text made safe for a terminal carry no control
 * character, escape sequence or byte that is not UTF-8.
 */
#include "fuzz.h"

#include "lab/ready.h"
#include "strutil.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *const markers[] = {
	"Linux version",
	"running 'init",
	"replab-ready: postgres role=primary",
	"replab-ready: failed",
	"aa",
	"a",
};
#define N_MARKERS (sizeof(markers) / sizeof(markers[0]))

/* The log as a file in memory (a disk file's truncation costs more than the rest of a run). */
static char log_path[64];
static int log_fd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	fuzz_quiet();
	if ((log_fd = memfd_create("fuzz-serial.log", 0)) < 0)
		abort();
	snprintf(log_path, sizeof(log_path), "/proc/self/fd/%d", log_fd);
	return 0;
}

static void log_write(const void *data, size_t len, off_t at)
{
	FUZZ_ASSERT(len == 0 || pwrite(log_fd, data, len, at) == (ssize_t) len);
}

/* Only newlines, tabs, printable ASCII and valid UTF-8 without C1 controls. */
static void check_safe(const char *s, bool lines)
{
	const unsigned char *p = (const unsigned char *) s;

	while (*p) {
		if (*p < 0x80) {
			FUZZ_ASSERT(*p >= 0x20 || *p == '\t' || (lines && *p == '\n'));
			FUZZ_ASSERT(*p != 0x7F);
			p++;
			continue;
		}
		/* a valid sequence, as the sanitizer let it through */
		size_t n = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;

		FUZZ_ASSERT(*p >= 0xC2 && *p <= 0xF4);
		for (size_t i = 1; i < n; i++)
			FUZZ_ASSERT((p[i] & 0xC0) == 0x80);
		FUZZ_ASSERT(!(p[0] == 0xC2 && p[1] < 0xA0)); /* no C1 control */
		p += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct serial_scan s;
	uint32_t whole = 0;
	size_t chunk, off, tail_bytes;
	int tail_lines;
	char *safe;

	if (size < 2)
		return 0;
	/* The first two bytes: the chunk size and the number of tail lines. */
	chunk = (size_t) data[0] % 70 + 1;
	tail_bytes = (size_t) data[0] * 16 + 1;
	tail_lines = data[1] % 30;
	data += 2;
	size -= 2;
	for (size_t i = 0; i < N_MARKERS; i++)
		if (memmem(data, size, markers[i], strlen(markers[i])))
			whole |= UINT32_C(1) << i;
	serial_scan_init(&s, markers, N_MARKERS);
	for (off = 0; off < size; off += chunk)
		serial_scan_feed(&s, (const char *) data + off,
				 size - off < chunk ? size - off : chunk);
	FUZZ_ASSERT(s.seen == whole);

	/* The same through a file, read in two polls. */
	serial_scan_init(&s, markers, N_MARKERS);
	FUZZ_ASSERT(ftruncate(log_fd, 0) == 0);
	log_write(data, size / 2, 0);
	FUZZ_ASSERT(serial_scan_file(&s, log_path));
	log_write(data + size / 2, size - size / 2, (off_t) (size / 2));
	FUZZ_ASSERT(serial_scan_file(&s, log_path));
	FUZZ_ASSERT(s.seen == whole && s.offset == (off_t) size);

	safe = serial_tail(log_path, tail_lines, tail_bytes);
	FUZZ_ASSERT(safe);
	check_safe(safe, true);
	free(safe);
	safe = str_sanitize_terminal((const char *) data, size, false);
	check_safe(safe, false);
	free(safe);
	return 0;
}

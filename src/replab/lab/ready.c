/*
 * ready.c — the lab's boot milestones, read from the serial logs.
 */
#define _GNU_SOURCE
#include "ready.h"

#include "clock.h"
#include "lab.h"
#include "interrupt.h"
#include "log.h"
#include "strutil.h"
#include "vm.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK    65536
#define READ_PER_POLL (64 * 1024 * 1024) /* the rest waits for the next poll */
#define TAIL_LINES    25
#define TAIL_BYTES    16384

/* What each VM of a role prints on its console, in order; "*": every VM. */
static const struct milestone {
	const char *role;
	const char *marker; /* a line on the VM's console */
	const char *name;   /* printed after the VM's name */
} milestones[] = {
	{ "*", "Linux version", "kernel booting" },
	{ "*", "running 'init", "cloud-init applying the seed" },
	{ "primary", "replab-ready: postgres role=primary", "accepting connections" },
	{ "replica", "replica-bootstrap: copying the primary", "base backup from the primary" },
	{ "replica", "replab-ready: postgres role=replica", "hot standby accepting reads" },
	{ "replica", "replab-ready: streaming role=replica", "streaming WAL from its upstream" },
};
#define N_MILESTONES  (sizeof(milestones) / sizeof(milestones[0]))
#define FAILED_MARKER "replab-ready: failed"

static bool applies(const struct milestone *m, const struct vm *vm)
{
	return strcmp(m->role, "*") == 0 || strcmp(m->role, vm->role) == 0;
}

/* A VM's last milestone: once it is reached, the earlier ones no longer matter. */
static size_t final_milestone(const struct vm *vm)
{
	size_t last = 0;

	for (size_t i = 0; i < N_MILESTONES; i++)
		if (applies(&milestones[i], vm))
			last = i;
	return last;
}

void serial_scan_init(struct serial_scan *s, const char *const *markers, size_t nmarkers)
{
	*s = (struct serial_scan){ .markers = markers, .nmarkers = nmarkers, .longest = 1 };
	if (nmarkers > SERIAL_MARKERS_MAX)
		fatal("internal error: more than %d serial markers", SERIAL_MARKERS_MAX);
	for (size_t i = 0; i < nmarkers; i++) {
		size_t len = strlen(markers[i]);

		if (len == 0 || len > SERIAL_MARKER_MAX)
			fatal("internal error: a serial marker of %zu bytes", len);
		if (len > s->longest)
			s->longest = len;
	}
}

static void match(struct serial_scan *s, const char *buf, size_t len)
{
	for (size_t i = 0; i < s->nmarkers; i++)
		if (!(s->seen & (UINT32_C(1) << i)) &&
		    memmem(buf, len, s->markers[i], strlen(s->markers[i])))
			s->seen |= UINT32_C(1) << i;
}

void serial_scan_feed(struct serial_scan *s, const char *data, size_t len)
{
	size_t keep = s->longest - 1;

	if (len == 0)
		return;
	/* A marker that began in the bytes before: the carry and the start of data. */
	if (s->ncarry > 0) {
		char join[2 * SERIAL_MARKER_MAX];
		size_t head = len < keep ? len : keep;

		memcpy(join, s->carry, s->ncarry);
		memcpy(join + s->ncarry, data, head);
		match(s, join, s->ncarry + head);
	}
	match(s, data, len);
	if (len >= keep) {
		memcpy(s->carry, data + len - keep, keep);
		s->ncarry = keep;
	} else {
		size_t old = s->ncarry < keep - len ? s->ncarry : keep - len;

		memmove(s->carry, s->carry + s->ncarry - old, old);
		memcpy(s->carry + old, data, len);
		s->ncarry = old + len;
	}
}

bool serial_scan_file(struct serial_scan *s, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t limit;
	struct stat st;
	char buf[READ_CHUNK];

	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return false;
	}
	if (st.st_dev != s->dev || st.st_ino != s->ino || st.st_size < s->offset) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		s->offset = 0;
		s->ncarry = 0;
	}
	for (limit = s->offset + READ_PER_POLL; s->offset < limit;) {
		ssize_t n = pread(fd, buf, sizeof(buf), s->offset);

		if (n <= 0)
			break;
		serial_scan_feed(s, buf, (size_t) n);
		s->offset += n;
	}
	close(fd);
	return true;
}

char *serial_tail(const char *path, int lines, size_t max_bytes)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	off_t from = 0;
	size_t n = 0, base, i, start;
	int found = 0;
	char *text, *nl, *safe;

	if (fd < 0)
		return NULL;
	if (lines < 1)
		lines = 1;
	if (fstat(fd, &st) == 0 && st.st_size > (off_t) max_bytes)
		from = st.st_size - (off_t) max_bytes;
	/* From the end, with the byte before: does the window begin a line? */
	base = from > 0 ? 1 : 0;
	text = malloc(max_bytes + 2);
	if (!text)
		fatal("out of memory");
	for (ssize_t got;
	     n < max_bytes + base && (got = pread(fd, text + n, max_bytes + base - n,
						  from - (off_t) base + (off_t) n)) > 0;)
		n += (size_t) got;
	close(fd);
	if (n < base)
		n = base = 0;
	/* back over the last lines' newlines (the final one aside) */
	i = n > base && text[n - 1] == '\n' ? n - 1 : n;
	while (i > base && found < lines)
		if (text[--i] == '\n')
			found++;
	if (found == lines)
		start = i + 1;
	else if (base == 0 || text[0] == '\n')
		start = base;
	else if ((nl = memchr(text + base, '\n', n - base)) && nl + 1 < text + n)
		start = (size_t) (nl + 1 - text); /* began in the middle of a line: left out */
	else
		start = base;
	safe = str_sanitize_terminal(text + start, n - start, true);
	free(text);
	return safe;
}

static void print_tail(const char *vm_name)
{
	char path[PATH_MAX];
	char *text;

	xsnprintf(path, sizeof(path), "%s/%s.serial.log", lab_state_dir(), vm_name);
	fprintf(stderr, "--- the end of the %s VM's serial log (%s):\n", vm_name, path);
	if (!(text = serial_tail(path, TAIL_LINES, TAIL_BYTES)))
		return;
	fputs(text, stderr);
	if (*text && text[strlen(text) - 1] != '\n')
		fputc('\n', stderr);
	fputs("---\n", stderr);
	free(text);
}

bool ready_wait(double start_ms, int timeout_s, json_t *timings)
{
	static const char *markers[N_MILESTONES + 1];
	struct serial_scan scans[3];
	bool reached[3][N_MILESTONES] = { { false } };
	int done = 0;
	double next_note = start_ms + 30000;

	for (size_t i = 0; i < N_MILESTONES; i++)
		markers[i] = milestones[i].marker;
	markers[N_MILESTONES] = FAILED_MARKER;
	for (int v = 0; v < 3; v++)
		serial_scan_init(&scans[v], markers, N_MILESTONES + 1);
	for (;;) {
		double now = clock_now_ms(), t = (now - start_ms) / 1000;
		const char *behind = NULL;

		for (int v = 0; v < lab_nvms && v < 3; v++) {
			char path[PATH_MAX];

			xsnprintf(path, sizeof(path), "%s/%s.serial.log", lab_state_dir(),
				  lab_vms[v].name);
			serial_scan_file(&scans[v], path);
			for (size_t i = 0; i < N_MILESTONES; i++) {
				char name[96];

				if (reached[v][i] || !applies(&milestones[i], &lab_vms[v]))
					continue;
				if (scans[v].seen & (UINT32_C(1) << i)) {
					reached[v][i] = true;
					done += i == final_milestone(&lab_vms[v]);
					xsnprintf(name, sizeof(name), "%s: %s", lab_vms[v].name,
						  milestones[i].name);
					printf("[%6.1f s] %s\n", t, name);
					fflush(stdout);
					json_object_set_new(timings, name, json_real(t));
				} else if (!behind)
					behind = lab_vms[v].name;
			}
			if (scans[v].seen & (UINT32_C(1) << N_MILESTONES)) {
				log_error("a lab service failed in the %s VM", lab_vms[v].name);
				print_tail(lab_vms[v].name);
				return false;
			}
			if (!vm_pid(&lab_vms[v])) {
				log_error("the %s VM's QEMU process has exited", lab_vms[v].name);
				print_tail(lab_vms[v].name);
				return false;
			}
		}
		if (done == lab_nvms)
			return true;
		if (interrupted())
			return false;
		if (now - start_ms > timeout_s * 1000.0) {
			log_error("the lab was not up after %d s", timeout_s);
			print_tail(behind ? behind : lab_vms[0].name);
			return false;
		}
		if (now > next_note) {
			printf("[%6.1f s] ... still waiting (%s is next)\n", t,
			       behind ? behind : "the last milestone");
			fflush(stdout);
			next_note += 30000;
		}
		clock_sleep_ms(100);
	}
}

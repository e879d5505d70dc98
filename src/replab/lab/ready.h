/*
 * ready.h — waiting for the lab to come up, phase by phase, by reading the
 * VMs' serial logs (the guests' replab-ready.service and bootstrap unit
 * print their milestones on the console).
 *
 * A serial log is guest output: it may hold anything (NUL bytes, bytes that
 * are not UTF-8, escape sequences) and grow without bound.  It is read
 * incrementally, from where the last read stopped, with bounded memory; a
 * marker split across two reads is still found.  What is shown of it on the
 * terminal is made safe first.
 */
#ifndef REPLAB_READY_H
#define REPLAB_READY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Print each milestone with the time since start_ms as it is reached;
 * return true when the replica streams.  On failure (a VM reports a failed
 * unit, its QEMU exits, or timeout_s passes) print the end of the log of
 * the VM that is behind and return false.  Milestone times go into
 * timings (seconds, by milestone name).
 */
bool ready_wait(double start_ms, int timeout_s, json_t *timings);

#define SERIAL_MARKER_MAX  64 /* bytes of the longest marker, at most */
#define SERIAL_MARKERS_MAX 32

/* Which of some markers (byte strings without NUL) a stream has shown so far. */
struct serial_scan {
	const char *const *markers;
	size_t nmarkers;
	size_t longest;
	uint32_t seen;		       /* bit i: markers[i] has appeared */
	char carry[SERIAL_MARKER_MAX]; /* the last bytes fed, longest - 1 of them */
	size_t ncarry;
	off_t offset; /* bytes of the file consumed */
	dev_t dev;    /* the file read last, to notice a new one */
	ino_t ino;
};

/* Start scanning for markers (at most SERIAL_MARKERS_MAX, each 1 to SERIAL_MARKER_MAX bytes). */
void serial_scan_init(struct serial_scan *s, const char *const *markers, size_t nmarkers);

/* The next len bytes of the stream (any bytes). */
void serial_scan_feed(struct serial_scan *s, const char *data, size_t len);

/*
 * Feed what the file at path gained since the last call (a file that
 * shrank or was replaced is read again from its start).  False when it
 * cannot be opened, e.g. before QEMU has made it.
 */
bool serial_scan_file(struct serial_scan *s, const char *path);

/*
 * The last lines (at most max_bytes read from the end) of the file at path,
 * safe for a terminal (str_sanitize_terminal, newlines kept); NULL when it
 * cannot be read.  The caller frees.
 */
char *serial_tail(const char *path, int lines, size_t max_bytes);

#endif

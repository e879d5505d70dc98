/*
 * fileread.c — a whole file into memory, bounded in size (see fileread.h).
 */
#define _GNU_SOURCE
#include "fileread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* Room for at least one more byte and the NUL after it, up to max + 1 bytes of data. */
static int grow(char **buf, size_t *cap, size_t max)
{
	size_t more = *cap ? *cap * 2 : 65536;
	char *bigger;

	if (more > max + 1)
		more = max + 1;
	if (!(bigger = realloc(*buf, more + 1)))
		return -1;
	*buf = bigger;
	*cap = more;
	return 0;
}

/* Read fd to its end into *buf, stopping after max + 1 bytes: the byte count, or -1 (errno). */
static ssize_t read_bounded(int fd, char **buf, size_t max)
{
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (len == cap && (len > max || grow(buf, &cap, max) != 0))
			break;
		n = read(fd, *buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t) n;
	}
	if (len == cap && len <= max)
		return -1; /* realloc failed; errno is ENOMEM */
	return (ssize_t) len;
}

char *file_read_all(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), saved;
	char *buf = NULL;
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read_bounded(fd, &buf, max);
	saved = errno;
	close(fd);
	if (n >= 0 && (size_t) n > max) {
		n = -1;
		saved = EFBIG;
	}
	if (n < 0) {
		free(buf);
		errno = saved;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = (size_t) n;
	return buf;
}

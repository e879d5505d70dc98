/*
 * jsonfile.c — JSON files the harness reads and writes (see jsonfile.h).
 */
#define _GNU_SOURCE
#include "jsonfile.h"

#include "fileread.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool json_write_atomic(const char *path, json_t *doc, size_t flags)
{
	char tmp[PATH_MAX];
	mode_t mask;
	int fd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int) sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return false;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return false;
	errno = 0;
	/* mkstemp makes it 0600; a result is as readable as any file the user makes */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) == 0 && json_dumpfd(doc, fd, flags) == 0 &&
	    write(fd, "\n", 1) == 1 && fsync(fd) == 0) {
		if (close(fd) == 0 && rename(tmp, path) == 0)
			return true;
		fd = -1;
	}
	saved = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return false;
}

static json_t *read_error(json_error_t *err, const char *fmt, const char *what)
{
	memset(err, 0, sizeof(*err));
	err->line = err->column = -1;
	snprintf(err->text, sizeof(err->text), fmt, what);
	return NULL;
}

json_t *json_read_file(const char *path, size_t max_bytes, json_error_t *err)
{
	size_t len;
	char *buf = file_read_all(path, max_bytes, &len), limit[32];
	json_t *doc;

	if (!buf && errno == EFBIG) {
		snprintf(limit, sizeof(limit), "%zu", max_bytes);
		return read_error(err, "larger than %s bytes, more than any result of the lab's",
				  limit);
	}
	if (!buf)
		return read_error(err, "%s", strerror(errno));
	doc = json_loadb(buf, len, 0, err);
	free(buf);
	return doc;
}

json_t *jfield(const json_t *obj, const char *key, json_type type)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return v && json_typeof(v) == type ? v : NULL;
}

const char *jfield_string(const json_t *obj, const char *key)
{
	return json_string_value(jfield(obj, key, JSON_STRING));
}

bool jnumber(const json_t *v, double *out)
{
	double d;

	if (!json_is_number(v))
		return false;
	d = json_number_value(v);
	if (!isfinite(d))
		return false;
	*out = d;
	return true;
}

bool jfield_number(const json_t *obj, const char *key, double *out)
{
	return jnumber(json_is_object(obj) ? json_object_get(obj, key) : NULL, out);
}

json_int_t jfield_int(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

double jfield_real(const json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

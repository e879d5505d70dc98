/*
 * proc.c — process records: a PID with its start time, executable and
 * command line (see proc.h).
 */
#define _GNU_SOURCE
#include "proc.h"

#include "clock.h"
#include "lab.h"
#include "log.h"
#include "strutil.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMDLINE_MAX 65536

/* The whole of a small file (up to max bytes) into buf; its length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t len = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -1;
	while (len < max && (n = read(fd, buf + len, max - len)) > 0)
		len += (size_t) n;
	close(fd);
	return n < 0 ? -1 : (ssize_t) len;
}

bool proc_start_time(pid_t pid, unsigned long long *start, bool *alive)
{
	char path[64], stat[1024];
	ssize_t n;
	char *p, state;
	int field = 3;

	xsnprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	n = read_small(path, stat, sizeof(stat) - 1);
	if (n <= 0)
		return false;
	stat[n] = '\0';
	/* "PID (COMM) STATE ...": COMM may hold spaces and parentheses. */
	p = strrchr(stat, ')');
	if (!p || sscanf(p + 1, " %c", &state) != 1)
		return false;
	for (p += 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", start) != 1)
		return false;
	*alive = state != 'Z' && state != 'X';
	return true;
}

/* What identifies pid now: "PID START\nEXE\n" and its command line. */
static char *identity(pid_t pid, size_t *len)
{
	char path[64], exe[PATH_MAX];
	unsigned long long start;
	bool alive;
	ssize_t n, cmd_len;
	char *text;
	int head;

	if (!proc_start_time(pid, &start, &alive) || !alive)
		return NULL;
	xsnprintf(path, sizeof(path), "/proc/%d/exe", (int) pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	text = malloc(CMDLINE_MAX + PATH_MAX + 64);
	if (!text)
		fatal("out of memory");
	head = snprintf(text, PATH_MAX + 64, "%d %llu\n%s\n", (int) pid, start, exe);
	xsnprintf(path, sizeof(path), "/proc/%d/cmdline", (int) pid);
	cmd_len = read_small(path, text + head, CMDLINE_MAX);
	if (cmd_len <= 0) {
		free(text);
		return NULL;
	}
	*len = (size_t) head + (size_t) cmd_len;
	return text;
}

static const char *record_path(const char *name, char *buf, size_t len)
{
	char file[64];

	xsnprintf(file, sizeof(file), "%s.proc", name);
	return lab_state_path(file, buf, len);
}

static bool proc_alive(pid_t pid)
{
	unsigned long long start;
	bool alive;

	return proc_start_time(pid, &start, &alive) && alive;
}

/* Is id (identity's text) the command line argv, exactly? */
static bool runs_argv(const char *id, size_t len, char *const argv[])
{
	size_t want = 0, head = strchr(strchr(id, '\n') + 1, '\n') + 1 - id;
	bool ok;

	for (int i = 0; argv[i]; i++)
		want += strlen(argv[i]) + 1;
	ok = len - head == want;
	for (size_t off = head, i = 0; ok && argv[i]; off += strlen(argv[i]) + 1, i++)
		ok = memcmp(id + off, argv[i], strlen(argv[i]) + 1) == 0;
	return ok;
}

bool proc_record(const char *name, pid_t pid, char *const argv[])
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	double deadline = clock_now_ms() + 2000;
	size_t len = 0;
	char *id;
	bool ok;
	int fd;

	assert(pid > 0 && argv && argv[0]);
	/*
	 * The command line must be exactly the one we started.  The kernel
	 * closes the exec status pipe before it has set the new command line
	 * up, so for a moment after exec /proc shows an empty one: look again.
	 */
	while (!((id = identity(pid, &len)) && runs_argv(id, len, argv)) &&
	       clock_now_ms() < deadline && proc_alive(pid)) {
		free(id);
		clock_sleep_ms(5);
	}
	if (!id || !runs_argv(id, len, argv)) {
		log_error("process %d is not the %s the lab started (it ended, or runs something "
			  "else)",
			  (int) pid, argv[0]);
		free(id);
		return false;
	}
	record_path(name, path, sizeof(path));
	xsnprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	ok = fd >= 0 && write(fd, id, len) == (ssize_t) len;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (ok && rename(tmp, path) != 0)
		ok = false;
	if (!ok) {
		log_error("could not write %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	free(id);
	return ok;
}

pid_t proc_find(const char *name)
{
	char path[PATH_MAX];
	char *recorded = malloc(CMDLINE_MAX + PATH_MAX + 64), *now;
	ssize_t n;
	size_t now_len;
	long pid = 0;
	bool same;

	if (!recorded)
		fatal("out of memory");
	n = read_small(record_path(name, path, sizeof(path)), recorded,
		       CMDLINE_MAX + PATH_MAX + 63);
	if (n <= 0 || sscanf(recorded, "%ld ", &pid) != 1 || pid <= 1 || pid > INT_MAX) {
		free(recorded);
		return 0;
	}
	now = identity((pid_t) pid, &now_len);
	same = now && now_len == (size_t) n && memcmp(now, recorded, now_len) == 0;
	free(now);
	free(recorded);
	return same ? (pid_t) pid : 0;
}

bool proc_wait_gone(pid_t pid, int timeout_s)
{
	double deadline = clock_now_ms() + timeout_s * 1000.0;
	unsigned long long start;
	bool alive = true;

	while (proc_start_time(pid, &start, &alive) && alive) {
		if (clock_now_ms() > deadline)
			return false;
		clock_sleep_ms(50);
	}
	return true;
}

bool proc_kill(const char *name, int timeout_s)
{
	pid_t pid = proc_find(name);

	if (!pid)
		return true;
	if (kill(pid, SIGKILL) == -1 && errno != ESRCH) {
		log_error("could not kill process %d (%s): %s", (int) pid, name, strerror(errno));
		return false;
	}
	return proc_wait_gone(pid, timeout_s);
}

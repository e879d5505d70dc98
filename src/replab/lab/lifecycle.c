/*
 * lifecycle.c — the lab's state directory, its lock and its cleanup stack
 * (see lifecycle.h).
 */
#define _GNU_SOURCE
#include "lifecycle.h"

#include "interrupt.h"
#include "lab.h"
#include "log.h"
#include "strutil.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <limits.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MARKER	    ".replab-lab"
#define MARKER_TEXT "replab lab state directory\n"

/* The entries a lab makes in its state directory; directories among them are the lab's whole. */
static const char *const lab_entries[] = {
	MARKER,	      "*.json",	     "*.json.*", "*.png", "*.png.*", "*.log",	  "*.qcow2",
	"*-seed.iso", "*.pid",	     "*.proc",	 "*.new", "*.qmp",   "*.console", "*.out",
	"*.txt",      "known_hosts", "secrets",	 "nodes", "seed-*",  NULL,
};

static const struct lab_dir *state_dir(void)
{
	static struct lab_dir d = { .kind = "a replab lab's state directory",
				    .env = "REPLAB_STATE",
				    .marker = MARKER,
				    .marker_text = MARKER_TEXT,
				    .entries = lab_entries };

	d.path = lab_state_dir();
	return &d;
}

static bool is_entry(const struct lab_dir *d, const char *name)
{
	for (size_t i = 0; d->entries[i]; i++)
		if (fnmatch(d->entries[i], name, FNM_PERIOD) == 0 ||
		    strcmp(d->entries[i], name) == 0)
			return true;
	return false;
}

static bool marker_present(const struct lab_dir *d, int dirfd)
{
	char text[64];
	int fd = openat(dirfd, d->marker, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	struct stat st;
	bool ok = n > 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);

	if (fd >= 0)
		close(fd);
	if (!ok)
		return false;
	text[n] = '\0';
	return strcmp(text, d->marker_text) == 0;
}

static void foreign(const struct lab_dir *d, const char *why)
{
	log_error("%s is not %s: %s", d->path, d->kind, why);
	log_detail("nothing in it was touched");
	log_hint("point %s at a directory that does not exist yet (replab makes it), or unset it",
		 d->env);
}

enum lab_state lab_dir_check(const struct lab_dir *d)
{
	struct stat st;
	enum lab_state kind = STATE_FOREIGN;
	int fd;

	if (lstat(d->path, &st) != 0) {
		if (errno == ENOENT)
			return STATE_ABSENT;
		log_error("could not look at %s: %s", d->path, strerror(errno));
		return STATE_FOREIGN;
	}
	if (S_ISLNK(st.st_mode))
		foreign(d, "it is a symbolic link");
	else if (!S_ISDIR(st.st_mode))
		foreign(d, "it is not a directory");
	else if (st.st_uid != geteuid())
		foreign(d, "it belongs to another user");
	else if ((st.st_mode & 077) != 0)
		foreign(d, "others may enter it (it should be mode 0700)");
	else if ((fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		log_error("could not open %s: %s", d->path, strerror(errno));
	else {
		kind = marker_present(d, fd) ? STATE_LAB : STATE_FOREIGN;
		close(fd);
		if (kind == STATE_FOREIGN) {
			char why[64];

			xsnprintf(why, sizeof(why), "it has no %s marker", d->marker);
			foreign(d, why);
		}
	}
	return kind;
}

enum lab_state lab_state_check(void)
{
	return lab_dir_check(state_dir());
}

bool lab_dir_create(const struct lab_dir *d)
{
	char marker[PATH_MAX];
	size_t len = strlen(d->marker_text);
	int fd;

	if (mkdir(d->path, 0700) != 0) {
		log_error("could not create %s: %s", d->path, strerror(errno));
		return false;
	}
	xsnprintf(marker, sizeof(marker), "%s/%s", d->path, d->marker);
	fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, d->marker_text, len) != (ssize_t) len || close(fd) != 0) {
		log_error("could not write %s: %s", marker, strerror(errno));
		return false;
	}
	return true;
}

bool lab_state_create(void)
{
	return lab_dir_create(state_dir());
}

bool lab_dir_ensure(const struct lab_dir *d)
{
	switch (lab_dir_check(d)) {
	case STATE_LAB:
		return true;
	case STATE_ABSENT:
		return lab_dir_create(d);
	default:
		return false;
	}
}

bool lab_state_ensure(void)
{
	return lab_dir_ensure(state_dir());
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void) st;
	(void) ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0) {
		log_error("could not remove %s: %s", path, strerror(errno));
		return 1;
	}
	return 0;
}

bool lab_dir_remove_entry(const struct lab_dir *d, const char *name)
{
	char path[PATH_MAX];

	if (!is_entry(d, name) || strchr(name, '/'))
		fatal("internal error: \"%s\" is not an entry replab makes in %s", name, d->path);
	xsnprintf(path, sizeof(path), "%s/%s", d->path, name);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return true;
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) == 0;
}

bool lab_state_remove_entry(const char *name)
{
	return lab_dir_remove_entry(state_dir(), name);
}

bool lab_dir_remove(const struct lab_dir *d, bool verbose)
{
	char path[PATH_MAX];
	struct dirent *e;
	bool ok = true;
	int kept = 0;
	DIR *dir;

	switch (lab_dir_check(d)) {
	case STATE_ABSENT:
		return true;
	case STATE_FOREIGN:
		return false;
	default:
		break;
	}
	dir = opendir(d->path);
	if (!dir) {
		log_error("could not open %s: %s", d->path, strerror(errno));
		return false;
	}
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, d->marker) == 0)
			continue;
		if (!is_entry(d, e->d_name)) {
			if (kept++ == 0)
				log_warning("kept %s/%s: replab did not make it", d->path,
					    e->d_name);
			continue;
		}
		xsnprintf(path, sizeof(path), "%s/%s", d->path, e->d_name);
		/* Depth first, never through a symbolic link nor into another file system. */
		if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0)
			ok = false;
	}
	closedir(dir);
	if (kept) {
		if (verbose)
			printf("kept %s: it holds %d entr%s replab did not make\n", d->path, kept,
			       kept == 1 ? "y" : "ies");
		return ok;
	}
	xsnprintf(path, sizeof(path), "%s/%s", d->path, d->marker);
	if (ok && (unlink(path) != 0 || rmdir(d->path) != 0)) {
		log_error("could not remove %s: %s", d->path, strerror(errno));
		ok = false;
	}
	return ok;
}

bool lab_state_remove(bool verbose)
{
	bool ok = lab_dir_remove(state_dir(), verbose);

	if (ok && verbose && access(lab_state_dir(), F_OK) != 0)
		printf("removed the lab's state (%s)\n", lab_state_dir());
	return ok;
}

int lab_scratch_fd(void)
{
	int fd = open(lab_state_dir(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	FILE *f;

	if (fd >= 0)
		return fd;
	/* A file system without O_TMPFILE: a temporary file, unlinked at once. */
	f = tmpfile();
	if (!f || (fd = fcntl(fileno(f), F_DUPFD_CLOEXEC, 0)) < 0)
		fatal("could not make a scratch file: %s", strerror(errno));
	fclose(f);
	return fd;
}

json_t *lab_scratch_json(int fd)
{
	json_error_t jerr;
	json_t *doc = lseek(fd, 0, SEEK_SET) == 0 ? json_loadfd(fd, 0, &jerr) : NULL;

	close(fd);
	return doc;
}

/* ---- the lock ------------------------------------------------------------ */

static int lock_fd = -1;

static const char *lock_path(char *buf, size_t len)
{
	xsnprintf(buf, len, "%s.lock", lab_state_dir());
	return buf;
}

bool lab_lock(bool wait)
{
	char path[PATH_MAX];
	struct stat held, now;

	if (lock_fd >= 0)
		return true;
	lock_path(path, sizeof(path));
	for (;;) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

		if (fd < 0) {
			log_error("could not open the lab's lock %s: %s", path, strerror(errno));
			return false;
		}
		if (flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
			if (errno == EWOULDBLOCK) {
				log_error("another replab is changing this lab (it holds %s)",
					  path);
				log_hint("wait for it to finish, or see replab status");
			} else
				log_error("could not lock %s: %s", path, strerror(errno));
			close(fd);
			return false;
		}
		/* The lock file may have been removed and made anew meanwhile: ours must be the one
		 * named. */
		if (fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_ino == now.st_ino &&
		    held.st_dev == now.st_dev) {
			lock_fd = fd;
			return true;
		}
		close(fd);
	}
}

/* ---- the cleanup stack ------------------------------------------------- */

#define CLEANUP_MAX 64

static struct {
	char what[160];
	cleanup_fn fn;
	void *arg;
} pending[CLEANUP_MAX];
static int npending;

int lab_cleanup_push(const char *what, cleanup_fn fn, void *arg)
{
	assert(what && fn);
	assert(npending < CLEANUP_MAX);
	xsnprintf(pending[npending].what, sizeof(pending[npending].what), "%s", what);
	pending[npending].fn = fn;
	pending[npending].arg = arg;
	return npending++;
}

void lab_cleanup_pop(int handle)
{
	assert(handle >= 0 && handle < npending && pending[handle].fn);
	pending[handle].fn = NULL;
	while (npending > 0 && !pending[npending - 1].fn)
		npending--;
}

void lab_cleanup_run(void)
{
	if (npending == 0)
		return;
	interrupt_hold(true);
	if (interrupt_signal())
		printf("interrupted (%s): undoing what this run did\n",
		       strsignal(interrupt_signal()));
	else
		printf("restoring what this run changed\n");
	while (npending > 0) {
		npending--;
		if (!pending[npending].fn)
			continue;
		printf("  undo: %s\n", pending[npending].what);
		fflush(stdout);
		pending[npending].fn(pending[npending].arg);
	}
	fflush(stdout);
	interrupt_hold(false);
}

static void cleanup_at_exit(void)
{
	lab_cleanup_run();
}

void lifecycle_init(void)
{
	interrupt_catch();
	atexit(cleanup_at_exit);
}

int lifecycle_finish(int rc)
{
	char path[PATH_MAX];

	lab_cleanup_run();
	/* The lock goes with the lab: removed while held, so no one else can be holding it. */
	if (lock_fd >= 0 && access(lab_state_dir(), F_OK) != 0 && errno == ENOENT)
		unlink(lock_path(path, sizeof(path)));
	if (interrupt_signal())
		return 128 + interrupt_signal();
	return rc;
}

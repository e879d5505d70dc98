/*
 * saved.c — the saved lab's directory, its key and its files (see saved.h).
 */
#define _GNU_SOURCE
#include "saved.h"

#include "child.h"
#include "jsonfile.h"
#include "lifecycle.h"
#include "log.h"
#include "strutil.h"
#include "vm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FORMAT	  1
#define QEMU_BIN  "qemu-system-x86_64"
#define MANIFEST  "manifest.json"
#define SAVED_LAB "lab"
#define SAVED_TMP "lab.tmp"

static const char *const saved_entries[] = { ".replab-saved", SAVED_LAB, SAVED_TMP, NULL };

static const struct lab_dir *saved_dir(void)
{
	static struct lab_dir d = { .kind = "a replab saved lab's directory",
				    .env = "REPLAB_SAVED",
				    .marker = ".replab-saved",
				    .marker_text = "replab saved lab\n",
				    .entries = saved_entries };

	d.path = lab_saved_dir();
	return &d;
}

/* SAVED's lock, held from the first use until replab exits or forgets SAVED. */
static int lock_fd = -1;

/*
 * Take SAVED's lock (flock on the directory itself), so labs that share
 * SAVED never save, restore or forget it at once.  False when another
 * replab holds it (*busy) or on an error (logged).
 */
static bool saved_lock(bool *busy)
{
	int fd;

	*busy = false;
	if (lock_fd >= 0)
		return true;
	fd = open(lab_saved_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		log_error("could not open %s: %s", lab_saved_dir(), strerror(errno));
		return false;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		lock_fd = fd;
		return true;
	}
	*busy = errno == EWOULDBLOCK;
	if (!*busy)
		log_error("could not lock %s: %s", lab_saved_dir(), strerror(errno));
	close(fd);
	return false;
}

/* saved_lock, saying what is refused when another replab holds it. */
static bool saved_lock_for(const char *what)
{
	bool busy;

	if (saved_lock(&busy))
		return true;
	if (busy)
		log_error("could not %s: another replab is saving, restoring or forgetting "
			  "the lab saved in %s",
			  what, lab_saved_dir());
	return false;
}

const char *saved_path(bool tmp, const char *file, char *buf, size_t len)
{
	xsnprintf(buf, len, "%s/%s%s%s", lab_saved_dir(), tmp ? SAVED_TMP : SAVED_LAB,
		  file ? "/" : "", file ? file : "");
	return buf;
}

/* ---- the key ------------------------------------------------------------ */

/* A file's identity: size, modification time and inode; JSON null when it is missing. */
static json_t *file_identity(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return json_null();
	return json_pack("{s:s,s:I,s:I,s:I,s:I}", "path", path, "size", (json_int_t) st.st_size,
			 "mtime_s", (json_int_t) st.st_mtim.tv_sec, "mtime_ns",
			 (json_int_t) st.st_mtim.tv_nsec, "inode", (json_int_t) st.st_ino);
}

/* The QEMU that vm.c starts: the first in PATH. */
static bool qemu_binary(char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char *copy = xstrdup(path && *path ? path : "/usr/bin:/bin"), *save = NULL;
	bool found = false;

	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		xsnprintf(buf, len, "%s/%s", *d ? d : ".", QEMU_BIN);
		found = access(buf, X_OK) == 0;
	}
	free(copy);
	if (!found)
		log_error("could not find %s in PATH", QEMU_BIN);
	return found;
}

static bool stdout_to(void *arg)
{
	return dup2(*(int *) arg, STDOUT_FILENO) == STDOUT_FILENO;
}

/* The first line of "QEMU --version" (caller frees); NULL (logged). */
static char *qemu_version(const char *qemu)
{
	char *argv[] = { (char *) qemu, "--version", NULL };
	char *out = NULL, *nl;
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		fatal("could not make a pipe: %s", strerror(errno));
	pid = child_start(argv, NULL, stdout_to, &fds[1]);
	close(fds[1]);
	if (child_collect(pid, fds[0], &out) != 0 || !out[0]) {
		log_error("%s --version failed", qemu);
		free(out);
		return NULL;
	}
	if ((nl = strchr(out, '\n')))
		*nl = '\0';
	return out;
}

json_t *saved_key(const struct vm_config *c)
{
	static const char *const images[] = { "vmlinuz", "initrd.img", "base.qcow2", "wal.qcow2" };
	struct vm_config generic = *c;
	char qemu[PATH_MAX], path[PATH_MAX];
	json_t *key, *files = json_object(), *vms = json_array();
	char *version;

	if (!qemu_binary(qemu, sizeof(qemu)) || !(version = qemu_version(qemu))) {
		json_decref(files);
		json_decref(vms);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		xsnprintf(path, sizeof(path), "%s/%s", c->images_dir, images[i]);
		json_object_set_new(files, images[i], file_identity(path));
	}
	/* The command line with placeholders: the device model, not where this lab's files are. */
	generic.state_dir = "STATE";
	generic.images_dir = "IMAGES";
	generic.incoming = false;
	generic.disks_from = NULL;
	for (int i = 0; i < lab_nvms; i++) {
		struct argv_list a = { 0 };
		json_t *words = json_array();
		char role[64];

		xsnprintf(role, sizeof(role), "%s.qcow2", lab_vms[i].role);
		xsnprintf(path, sizeof(path), "%s/%s", c->images_dir, role);
		json_object_set_new(files, role, file_identity(path));
		vm_qemu_argv(&lab_vms[i], &generic, &a);
		for (size_t w = 0; w < a.n; w++)
			json_array_append_new(words, json_string(a.v[w]));
		argv_free(&a);
		json_array_append_new(vms, json_pack("{s:s,s:o}", "name", lab_vms[i].name, "argv",
						     words));
	}
	key = json_pack("{s:i,s:{s:s,s:o,s:s},s:s,s:i,s:i,s:i,s:b,s:o,s:o}", "format", FORMAT,
			"qemu", "binary", qemu, "identity", file_identity(qemu), "version", version,
			"accel", c->kvm ? "kvm" : "tcg", "memory_mb", c->memory_mb, "cpus", c->cpus,
			"replicas", lab_nvms - 1, "cascade", lab_cascade, "images", files, "vms",
			vms);
	free(version);
	return key;
}

/* What differs between the saved key and this lab's, in words (caller frees). */
static char *key_difference(json_t *saved, json_t *now)
{
	static const struct {
		const char *member, *what;
	} members[] = {
		{ "format", "replab's format for saved labs" },
		{ "accel", "the accelerator" },
		{ "memory_mb", "--memory" },
		{ "cpus", "--cpus" },
		{ "replicas", "--replicas" },
		{ "cascade", "--cascade" },
		{ "qemu", "the QEMU binary or its version" },
		{ "images", "what the images hold (rebuilt since)" },
		{ "vms", "QEMU's command line" },
	};
	char *why = NULL;

	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]) && !why; i++) {
		json_t *a = json_object_get(saved, members[i].member);
		json_t *b = json_object_get(now, members[i].member);
		char *sa, *sb;

		if (a == b || json_equal(a, b)) /* both absent, or the same */
			continue;
		if (!json_is_integer(b) && !json_is_boolean(b)) {
			why = xstrdup(members[i].what);
			continue;
		}
		sa = a ? json_dumps(a, JSON_ENCODE_ANY) : NULL;
		sb = json_dumps(b, JSON_ENCODE_ANY);
		if (asprintf(&why, "%s (saved with %s, now %s)", members[i].what,
			     sa ? sa : "nothing", sb ? sb : "?") < 0)
			fatal("out of memory");
		free(sa);
		free(sb);
	}
	return why ? why : xstrdup("its key");
}

/* ---- finding one ---------------------------------------------------------- */

static bool file_size_is(const char *file, json_int_t want, char **why)
{
	char path[PATH_MAX];
	struct stat st;

	saved_path(false, file, path, sizeof(path));
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (asprintf(why, "%s is missing", path) < 0)
			fatal("out of memory");
		return false;
	}
	if (st.st_size != want) {
		if (asprintf(why, "%s is %lld bytes, it was saved with %lld", path,
			     (long long) st.st_size, (long long) want) < 0)
			fatal("out of memory");
		return false;
	}
	return true;
}

enum saved_found saved_find(json_t *key, char **why, json_t **manifest)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *doc, *files, *size;
	const char *file;
	bool busy;

	*why = NULL;
	*manifest = NULL;
	if (lab_dir_check(saved_dir()) != STATE_LAB)
		return SAVED_NONE;
	saved_path(false, NULL, path, sizeof(path));
	if (access(path, F_OK) != 0)
		return SAVED_NONE;
	if (!saved_lock(&busy)) {
		*why = xstrdup(busy ? "another replab is saving, restoring or forgetting it"
				    : "it could not be locked");
		return SAVED_OTHER;
	}
	doc = json_read_file(saved_path(false, MANIFEST, path, sizeof(path)), 1 << 20, &jerr);
	files = jfield(doc, "files", JSON_OBJECT);
	if (!doc || !files || !json_is_object(json_object_get(doc, "key"))) {
		if (asprintf(why, "%s is unreadable: %s", path,
			     doc ? "no key or files" : jerr.text) < 0)
			fatal("out of memory");
		json_decref(doc);
		return SAVED_BAD;
	}
	json_object_foreach(files, file, size) {
		if (!json_is_integer(size) || strchr(file, '/') ||
		    !file_size_is(file, json_integer_value(size), why)) {
			if (!*why && asprintf(why, "%s lists a bad file \"%s\"", path, file) < 0)
				fatal("out of memory");
			json_decref(doc);
			return SAVED_BAD;
		}
	}
	if (!json_equal(json_object_get(doc, "key"), key)) {
		*why = key_difference(json_object_get(doc, "key"), key);
		json_decref(doc);
		return SAVED_OTHER;
	}
	*manifest = doc;
	return SAVED_MATCH;
}

const char *saved_when(json_t *manifest)
{
	const char *when = jfield_string(manifest, "saved_at");

	return when ? when : "an unknown time";
}

/* ---- writing one ---------------------------------------------------------- */

static int remove_tmp(void)
{
	return lab_dir_remove_entry(saved_dir(), SAVED_TMP) ? 0 : -1;
}

bool saved_begin(void)
{
	char path[PATH_MAX];

	if (!lab_dir_ensure(saved_dir()) || !saved_lock_for("save the lab") || remove_tmp() != 0)
		return false;
	if (mkdir(saved_path(true, NULL, path, sizeof(path)), 0700) != 0) {
		log_error("could not create %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

int saved_create(const char *file)
{
	char path[PATH_MAX];
	int fd = open(saved_path(true, file, path, sizeof(path)),
		      O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		log_error("could not create %s: %s", path, strerror(errno));
	return fd;
}

/* Copy the regular file from to a new file to (0600), flushed to disk. */
static bool copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int out = in < 0 ? -1
			 : open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	const char *failed = in < 0 ? from : to;
	bool ok = out >= 0;
	char buf[1 << 16];

	while (ok) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
			/* Another file system, or none that copies: by hand. */
			n = read(in, buf, sizeof(buf));
			if (n > 0 && write(out, buf, (size_t) n) != n) {
				if (errno == 0)
					errno = ENOSPC;
				n = -1;
			}
		}
		if (n == 0)
			break;
		ok = n > 0 || errno == EINTR;
	}
	if (ok && fsync(out) != 0)
		ok = false;
	if (in < 0 || out < 0)
		log_error("could not open %s: %s", failed, strerror(errno));
	else if (!ok)
		log_error("could not copy %s to %s: %s", from, to, strerror(errno));
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0 && ok) {
		log_error("could not write %s: %s", to, strerror(errno));
		ok = false;
	}
	return ok;
}

/* Copy the regular files of directory from into a new directory to (0700). */
static bool copy_dir(const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct dirent *e;
	bool ok = true;
	DIR *d = opendir(from);

	if (!d) {
		log_error("could not open %s: %s", from, strerror(errno));
		return false;
	}
	if (mkdir(to, 0700) != 0 && errno != EEXIST) {
		log_error("could not create %s: %s", to, strerror(errno));
		closedir(d);
		return false;
	}
	while (ok && (e = readdir(d)) != NULL) {
		if (e->d_type != DT_REG)
			continue;
		xsnprintf(a, sizeof(a), "%s/%s", from, e->d_name);
		xsnprintf(b, sizeof(b), "%s/%s", to, e->d_name);
		ok = copy_file(a, b);
	}
	closedir(d);
	return ok;
}

bool saved_add_files(void)
{
	char from[PATH_MAX], to[PATH_MAX], name[64];
	bool ok = true;

	for (int i = 0; ok && i < lab_nvms; i++) {
		static const char *const suffixes[] = { ".qcow2", "-wal.qcow2", "-seed.iso" };

		for (size_t s = 0; ok && s < sizeof(suffixes) / sizeof(suffixes[0]); s++) {
			xsnprintf(name, sizeof(name), "%s%s", lab_vms[i].name, suffixes[s]);
			ok = copy_file(lab_state_path(name, from, sizeof(from)),
				       saved_path(true, name, to, sizeof(to)));
		}
	}
	return ok && copy_dir(lab_state_path("secrets", from, sizeof(from)),
			      saved_path(true, "secrets", to, sizeof(to)));
}

static bool fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool ok = fd >= 0 && fsync(fd) == 0;

	if (!ok)
		log_error("could not flush %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * Each regular file of SAVED/lab.tmp with its size, flushed to disk (QEMU
 * does not flush the streams it wrote); NULL (logged) when one cannot be.
 */
static json_t *flushed_files(void)
{
	char dir[PATH_MAX], path[PATH_MAX];
	json_t *files = json_object();
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(saved_path(true, NULL, dir, sizeof(dir)));
	bool ok = d != NULL;

	while (ok && (e = readdir(d)) != NULL) {
		int fd;

		xsnprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		ok = fd >= 0 && fsync(fd) == 0;
		if (fd >= 0)
			close(fd);
		json_object_set_new(files, e->d_name, json_integer(st.st_size));
	}
	if (!ok) {
		log_error("could not flush %s: %s", d ? path : dir, strerror(errno));
		json_decref(files);
		files = NULL;
	}
	if (d)
		closedir(d);
	return files;
}

bool saved_commit(json_t *key)
{
	char path[PATH_MAX], tmp[PATH_MAX], when[64];
	time_t now = time(NULL);
	json_t *doc;
	bool ok;
	int fd;

	json_t *files = flushed_files();

	if (!files) {
		saved_abort();
		return false;
	}
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	doc = json_pack("{s:i,s:s,s:I,s:O,s:o}", "format", FORMAT, "saved_at", when,
			"saved_at_unix", (json_int_t) now, "key", key, "files", files);
	fd = saved_create(MANIFEST);
	ok = fd >= 0 && json_dumpfd(doc, fd, JSON_INDENT(2)) == 0 && fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	json_decref(doc);
	if (!ok)
		log_error("could not write %s: %s", saved_path(true, MANIFEST, path, sizeof(path)),
			  strerror(errno));
	saved_path(true, NULL, tmp, sizeof(tmp));
	saved_path(false, NULL, path, sizeof(path));
	ok = ok && fsync_path(tmp) && lab_dir_remove_entry(saved_dir(), SAVED_LAB);
	if (ok && rename(tmp, path) != 0) {
		log_error("could not rename %s to %s: %s", tmp, path, strerror(errno));
		ok = false;
	}
	ok = ok && fsync_path(lab_saved_dir());
	if (!ok)
		saved_abort();
	return ok;
}

void saved_abort(void)
{
	if (lab_dir_check(saved_dir()) == STATE_LAB)
		remove_tmp();
}

/* ---- using and removing one ---------------------------------------------- */

bool saved_install(void)
{
	char from[PATH_MAX], to[PATH_MAX], name[64];
	bool ok = lab_state_remove_entry("secrets") &&
		  copy_dir(saved_path(false, "secrets", from, sizeof(from)),
			   lab_state_path("secrets", to, sizeof(to)));

	for (int i = 0; ok && i < lab_nvms; i++) {
		xsnprintf(name, sizeof(name), "%s-seed.iso", lab_vms[i].name);
		lab_state_path(name, to, sizeof(to));
		ok = (unlink(to) == 0 || errno == ENOENT) &&
		     copy_file(saved_path(false, name, from, sizeof(from)), to);
	}
	return ok;
}

bool saved_forget(bool verbose)
{
	const struct lab_dir *d = saved_dir();
	bool had;

	switch (lab_dir_check(d)) {
	case STATE_ABSENT:
		if (verbose)
			printf("no saved lab in %s: nothing to forget\n", d->path);
		return true;
	case STATE_FOREIGN:
		return false;
	default:
		break;
	}
	if (!saved_lock_for("forget the saved lab"))
		return false;
	had = saved_bytes() >= 0;
	if (!lab_dir_remove(d, false))
		return false;
	close(lock_fd); /* SAVED is gone: a new one is locked anew */
	lock_fd = -1;
	if (verbose)
		printf("%s (%s)\n", had ? "removed the saved lab and its secrets" : "removed",
		       d->path);
	return true;
}

static long long total_bytes;

static int add_blocks(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void) path;
	(void) type;
	(void) ftw;
	total_bytes += (long long) st->st_blocks * 512;
	return 0;
}

long long saved_bytes(void)
{
	char path[PATH_MAX];
	struct stat st;

	saved_path(false, NULL, path, sizeof(path));
	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return -1;
	total_bytes = 0;
	if (nftw(path, add_blocks, 16, FTW_PHYS | FTW_MOUNT) != 0)
		return -1;
	return total_bytes;
}

const char *saved_size_text(long long bytes, char *buf, size_t len)
{
	if (bytes < 0)
		xsnprintf(buf, len, "none");
	else if (bytes >= 10LL << 30)
		xsnprintf(buf, len, "%.1f GiB", bytes / (double) (1LL << 30));
	else
		xsnprintf(buf, len, "%lld MiB", (bytes + (1 << 19)) >> 20);
	return buf;
}

void saved_print_status(void)
{
	char path[PATH_MAX], size[32];
	long long bytes;
	json_error_t jerr;
	json_t *doc;

	/* Looking is all this does: a directory that is not ours is reported, never read. */
	if (lab_dir_check(saved_dir()) != STATE_LAB || (bytes = saved_bytes()) < 0) {
		printf("saved lab: none (replab up saves one once the replicas stream)\n");
		return;
	}
	doc = json_read_file(saved_path(false, MANIFEST, path, sizeof(path)), 1 << 20, &jerr);
	printf("saved lab: %s, %s, saved %s%s\n", saved_path(false, NULL, path, sizeof(path)),
	       saved_size_text(bytes, size, sizeof(size)), saved_when(doc),
	       doc ? "" : " (no readable manifest: replab up will remove it)");
	json_decref(doc);
}

/*
 * netns.c — the lab's network namespace and the processes that run in it.
 */
#define _GNU_SOURCE
#include "netns.h"

#include "child.h"
#include "lab.h"
#include "log.h"
#include "proc.h"
#include "strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool write_proc_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t) strlen(text);

	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * In the holder, before exec: new namespaces, then "sleep infinity" under
 * the name in arg (never returns on success).  child_start_detached has
 * already given it a session of its own and /dev/null for stdio.
 */
static bool become_holder(void *arg)
{
	int rootless = geteuid() != 0;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	if (unshare(CLONE_NEWNET | (rootless ? CLONE_NEWUSER : 0)) == -1)
		return false;
	if (rootless) {
		snprintf(map, sizeof(map), "0 %d 1", (int) uid);
		if (!write_proc_file("/proc/self/uid_map", map) ||
		    !write_proc_file("/proc/self/setgroups", "deny"))
			return false;
		snprintf(map, sizeof(map), "0 %d 1", (int) gid);
		if (!write_proc_file("/proc/self/gid_map", map))
			return false;
	}
	execvp("sleep", (char **) arg);
	return false;
}

struct entry {
	pid_t holder;
	const char *cwd;
	int stdout_fd;
	int stderr_fd;
};

/* In a child, before exec: join the holder's namespaces (user first). */
static bool enter_lab(void *arg)
{
	const struct entry *e = arg;
	pid_t holder = e->holder;
	static const struct {
		const char *name;
		int type;
	} kinds[] = { { "user", CLONE_NEWUSER }, { "net", CLONE_NEWNET } };
	char path[64];

	if (e->cwd && chdir(e->cwd) == -1)
		return false;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int fd;

		if (kinds[i].type == CLONE_NEWUSER && geteuid() == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int) holder, kinds[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, kinds[i].type) == -1)
			return false;
		close(fd);
	}
	return (e->stdout_fd < 0 || dup2(e->stdout_fd, STDOUT_FILENO) >= 0) &&
	       (e->stderr_fd < 0 || dup2(e->stderr_fd, STDERR_FILENO) >= 0);
}

/* The holder's PID into e; false (logged) when the namespace is gone. */
static bool find_holder(struct entry *e)
{
	e->holder = proc_find("netns");
	if (e->holder)
		return true;
	log_error("the lab's network namespace is gone");
	log_hint("run \"replab down\", then \"replab up\"");
	return false;
}

pid_t netns_start(char *const argv[], const char *out_path, int stdout_fd, int stderr_fd)
{
	struct entry e = { .stdout_fd = stdout_fd, .stderr_fd = stderr_fd };

	return find_holder(&e) ? child_start(argv, out_path, enter_lab, &e) : -1;
}

pid_t netns_start_detached(char *const argv[], const char *out_path, const char *cwd)
{
	struct entry e = { .cwd = cwd, .stdout_fd = -1, .stderr_fd = -1 };

	return find_holder(&e) ? child_start_detached(argv, out_path, enter_lab, &e) : -1;
}

int netns_run(char *const argv[], const char *out_path)
{
	pid_t pid = netns_start(argv, out_path, -1, -1);

	return pid < 0 ? -1 : child_wait(pid);
}

/* Run "ip ARGS..." in the lab; log and return false on failure. */
static bool ip(const char *log_path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool ip(const char *log_path, const char *fmt, ...)
{
	struct argv_list a = { 0 };
	char *line, *words, *save = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		fatal("out of memory");
	va_end(ap);
	words = xstrdup(line);
	argv_add(&a, "ip");
	for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv_add(&a, "%s", w);
	rc = netns_run(a.v, log_path);
	if (rc != 0)
		log_error("in the lab's namespace, \"ip %s\" failed (see %s)", line, log_path);
	free(line);
	free(words);
	argv_free(&a);
	return rc == 0;
}

bool netns_create(void)
{
	char log_path[PATH_MAX], name[PATH_MAX + 16], tap[32];
	char *holder_argv[] = { name, "infinity", NULL };
	pid_t pid;

	/* "sleep" under another name, so that ps says whose it is. */
	xsnprintf(name, sizeof(name), "replab-netns:%s", lab_state_dir());
	lab_state_path("replab.log", log_path, sizeof(log_path));
	pid = child_start_detached((char *[]){ "sleep", NULL }, NULL, become_holder, holder_argv);
	if (pid < 0) {
		if (geteuid() != 0)
			log_hint("unprivileged user namespaces seem disabled here (sysctl "
				 "user.max_user_namespaces, kernel.unprivileged_userns_clone): run "
				 "replab as root");
		return false;
	}
	if (!proc_record("netns", pid, holder_argv)) {
		kill(pid, SIGKILL); /* ours: started just now, and not recorded */
		return false;
	}
	if (!ip(log_path, "link set lo up") ||
	    !ip(log_path, "link add " LAB_BRIDGE " type bridge") ||
	    !ip(log_path, "link set " LAB_BRIDGE " up"))
		return false;
	for (int i = 0; i < lab_nvms; i++) {
		lab_tap_name(&lab_vms[i], tap, sizeof(tap));
		if (!ip(log_path, "tuntap add dev %s mode tap", tap) ||
		    !ip(log_path, "link set %s master " LAB_BRIDGE " up", tap))
			return false;
	}
	return true;
}

void netns_destroy(void)
{
	proc_kill("netns", 10);
}

/*
 * lab.c — the lab's shape and its files.
 */
#define _GNU_SOURCE
#include "lab.h"

#include "log.h"
#include "strutil.h"

#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const struct vm lab_vms[] = {
	{ "primary", "primary", "10.77.0.10", 10, 2210 },
	{ "replica", "replica", "10.77.0.11", 11, 2211 },
	{ "replica2", "replica", "10.77.0.12", 12, 2212 },
};
const int lab_vms_known = sizeof(lab_vms) / sizeof(lab_vms[0]);
int lab_nvms = 2;
bool lab_cascade;

void lab_set_shape(int replicas, bool cascade)
{
	lab_nvms = 1 + replicas;
	lab_cascade = cascade && replicas > 1;
}

void lab_load_shape(void)
{
	char path[PATH_MAX];
	json_t *doc = json_load_file(lab_state_path("options.json", path, sizeof(path)), 0, NULL);
	json_t *replicas = json_object_get(doc, "replicas");

	if (json_is_integer(replicas) && json_integer_value(replicas) >= 1 && json_integer_value(replicas) < lab_vms_known)
		lab_set_shape((int) json_integer_value(replicas), json_is_true(json_object_get(doc, "cascade")));
	json_decref(doc);
}

const char *lab_upstream(const struct vm *vm)
{
	return lab_cascade && vm == &lab_vms[2] ? lab_vms[1].addr : lab_vms[0].addr;
}

const struct vm *lab_find_vm(const char *name)
{
	for (int i = 0; i < lab_nvms; i++)
		if (strcmp(lab_vms[i].name, name) == 0)
			return &lab_vms[i];
	log_error("unknown VM \"%s\"", name);
	log_hint(lab_nvms > 2 ? "the lab's VMs are \"primary\", \"replica\" and \"replica2\""
			      : "the lab's VMs are \"primary\" and \"replica\" (replab up --replicas 2 adds \"replica2\")");
	return NULL;
}

void lab_tap_name(const struct vm *vm, char *buf, size_t len)
{
	xsnprintf(buf, len, "tap-%s", vm->name);
}

/* The directory above build/ that holds cloud-init/: found from our own binary. */
const char *lab_root(void)
{
	static char root[PATH_MAX];
	char probe[PATH_MAX + 16];
	ssize_t n;

	if (root[0])
		return root;
	n = readlink("/proc/self/exe", root, sizeof(root) - 1);
	if (n <= 0)
		fatal("cannot find my own executable");
	root[n] = '\0';
	for (char *slash; (slash = strrchr(root, '/')) != NULL && slash != root;) {
		*slash = '\0';
		xsnprintf(probe, sizeof(probe), "%s/cloud-init", root);
		if (access(probe, F_OK) == 0)
			return root;
	}
	fatal("cannot find the replab source tree (a directory with cloud-init/) above my executable");
}

static const char *under_root(const char *env, const char *rel, char *buf, size_t len)
{
	const char *v = getenv(env);

	if (!buf[0])
		xsnprintf(buf, len, "%s", v && *v ? v : "");
	if (!buf[0])
		xsnprintf(buf, len, "%s/%s", lab_root(), rel);
	return buf;
}

const char *lab_images_dir(void)
{
	static char dir[PATH_MAX];

	return under_root("REPLAB_IMAGES", "build/images", dir, sizeof(dir));
}

const char *lab_state_dir(void)
{
	static char dir[PATH_MAX];

	return under_root("REPLAB_STATE", "build/lab", dir, sizeof(dir));
}

const char *lab_state_path(const char *name, char *buf, size_t len)
{
	xsnprintf(buf, len, "%s/%s", lab_state_dir(), name);
	return buf;
}

/* Does the process's command line mention our state directory?  Then we started it. */
static bool started_by_lab(pid_t pid)
{
	char path[64], cmdline[8192];
	size_t n;
	FILE *f;

	xsnprintf(path, sizeof(path), "/proc/%d/cmdline", (int) pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(cmdline, 1, sizeof(cmdline) - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (cmdline[i] == '\0')
			cmdline[i] = ' ';
	cmdline[n] = '\0';
	return strstr(cmdline, lab_state_dir()) != NULL;
}

pid_t lab_read_pid(const char *pidfile_name)
{
	char path[PATH_MAX], text[32];
	FILE *f = fopen(lab_state_path(pidfile_name, path, sizeof(path)), "r");
	long pid = 0;

	if (!f)
		return 0;
	if (fgets(text, sizeof(text), f))
		str_to_long(str_trim(text), 1, INT_MAX, &pid);
	fclose(f);
	if (pid > 0 && kill((pid_t) pid, 0) == 0 && started_by_lab((pid_t) pid))
		return (pid_t) pid;
	return 0;
}

bool lab_is_up(void)
{
	char name[64];

	for (int i = 0; i < lab_vms_known; i++) {
		xsnprintf(name, sizeof(name), "%s.pid", lab_vms[i].name);
		if (lab_read_pid(name))
			return true;
	}
	return lab_read_pid("netns.pid") != 0;
}

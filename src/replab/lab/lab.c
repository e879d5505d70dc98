/*
 * lab.c — the lab's shape and its files.
 */
#define _GNU_SOURCE
#include "lab.h"

#include "log.h"
#include "proc.h"
#include "strutil.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
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

	if (json_is_integer(replicas) && json_integer_value(replicas) >= 1 &&
	    json_integer_value(replicas) < lab_vms_known)
		lab_set_shape((int) json_integer_value(replicas),
			      json_is_true(json_object_get(doc, "cascade")));
	json_decref(doc);
}

const char *lab_upstream(const struct vm *vm)
{
	return lab_cascade && vm == &lab_vms[2] ? lab_vms[1].addr : lab_vms[0].addr;
}

const struct vm *lab_vm_by_host_id(long host_id)
{
	for (int i = 0; i < lab_nvms; i++)
		if (lab_vms[i].host_id == host_id)
			return &lab_vms[i];
	return NULL;
}

const struct vm *lab_find_vm(const char *name)
{
	for (int i = 0; i < lab_nvms; i++)
		if (strcmp(lab_vms[i].name, name) == 0)
			return &lab_vms[i];
	log_error("unknown VM \"%s\"", name);
	log_hint(lab_nvms > 2 ? "the lab's VMs are \"primary\", \"replica\" and \"replica2\""
			      : "the lab's VMs are \"primary\" and \"replica\" (replab up "
				"--replicas 2 adds \"replica2\")");
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
	fatal("cannot find the replab source tree (a directory with cloud-init/) above my "
	      "executable");
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

const char *lab_saved_dir(void)
{
	static char dir[PATH_MAX];

	return under_root("REPLAB_SAVED", "build/saved", dir, sizeof(dir));
}

const char *lab_state_path(const char *name, char *buf, size_t len)
{
	xsnprintf(buf, len, "%s/%s", lab_state_dir(), name);
	return buf;
}

const char *lab_state_fresh(const char *name, char *buf, size_t len)
{
	lab_state_path(name, buf, len);
	if (unlink(buf) != 0 && errno != ENOENT)
		fatal("could not remove %s: %s", buf, strerror(errno));
	return buf;
}

bool lab_is_up(void)
{
	for (int i = 0; i < lab_vms_known; i++)
		if (proc_find(lab_vms[i].name))
			return true;
	return proc_find("netns") != 0;
}

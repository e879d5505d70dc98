/*
 * ssh.c — running commands in the VMs over the management link.
 */
#define _GNU_SOURCE
#include "ssh.h"

#include "child.h"
#include "log.h"
#include "netns.h"
#include "secrets.h"
#include "strutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool ssh_write_known_hosts(void)
{
	char path[PATH_MAX], name[64];
	FILE *f = fopen(lab_state_path("known_hosts", path, sizeof(path)), "w");
	bool ok = f != NULL;

	for (int i = 0; ok && i < lab_nvms; i++) {
		char *pub;

		xsnprintf(name, sizeof(name), "host-%s.pub", lab_vms[i].name);
		pub = secrets_read(name);
		ok = pub && fprintf(f, "[127.0.0.1]:%d %s\n", lab_vms[i].ssh_port, pub) > 0;
		free(pub);
	}
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		log_error("could not write %s: %s", path, strerror(errno));
	return ok;
}

char *ssh_quote(const char *word)
{
	size_t len = 2;
	char *out, *o;

	for (const char *p = word; *p; p++)
		len += *p == '\'' ? 4 : 1;
	o = out = malloc(len + 1);
	if (!out)
		fatal("out of memory");
	*o++ = '\'';
	for (const char *p = word; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = *p;
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

pid_t ssh_start(const struct vm *vm, char *const cmd[], bool tty, const char *out_path,
		int stdout_fd, int stderr_fd)
{
	struct argv_list a = { 0 };
	pid_t pid;

	argv_add(&a, "ssh");
	/*
	 * None of the user's or the system's ssh configuration: no agent or X11
	 * forwarding into a guest, no shared control master (every lab's VMs
	 * are at 127.0.0.1:2210 in its own namespace), no other key or host.
	 */
	argv_add(&a, "-F");
	argv_add(&a, "none");
	argv_add(&a, "-a");
	argv_add(&a, "-x");
	argv_add(&a, "-o");
	argv_add(&a, "ControlMaster=no");
	argv_add(&a, "-o");
	argv_add(&a, "ControlPath=none");
	argv_add(&a, "-o");
	argv_add(&a, "ClearAllForwardings=yes");
	argv_add(&a, "-o");
	argv_add(&a, "GlobalKnownHostsFile=/dev/null");
	argv_add(&a, "-o");
	argv_add(&a, "UpdateHostKeys=no");
	argv_add(&a, "-q");
	argv_add(&a, tty ? "-t" : "-T");
	argv_add(&a, "-i");
	argv_add(&a, "%s/secrets/id_ed25519", lab_state_dir());
	argv_add(&a, "-o");
	argv_add(&a, "IdentitiesOnly=yes");
	argv_add(&a, "-o");
	argv_add(&a, "UserKnownHostsFile=%s/known_hosts", lab_state_dir());
	argv_add(&a, "-o");
	argv_add(&a, "StrictHostKeyChecking=yes");
	argv_add(&a, "-o");
	argv_add(&a, "BatchMode=yes");
	argv_add(&a, "-o");
	argv_add(&a, "ConnectTimeout=20");
	argv_add(&a, "-o");
	argv_add(&a, "ServerAliveInterval=5");
	argv_add(&a, "-p");
	argv_add(&a, "%d", vm->ssh_port);
	argv_add(&a, "root@127.0.0.1");
	argv_add(&a, "--");
	for (int i = 0; cmd[i]; i++) {
		char *q = ssh_quote(cmd[i]);

		argv_add(&a, "%s", q);
		free(q);
	}
	pid = netns_start(a.v, out_path, stdout_fd, stderr_fd);
	argv_free(&a);
	return pid;
}

int ssh_run(const struct vm *vm, char *const cmd[], bool tty, const char *out_path)
{
	pid_t pid = ssh_start(vm, cmd, tty, out_path, -1, -1);

	return pid < 0 ? -1 : child_wait(pid);
}

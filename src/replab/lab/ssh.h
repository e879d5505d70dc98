/*
 * ssh.h — commands inside a VM, over its management link: ssh as root with
 * the lab's key, the VM's host key pinned in STATE/known_hosts, no ssh
 * configuration of the user's or the system's (no agent, X11 or control
 * master), run from
 * inside the lab's namespace (where the link's port is).  Data-network
 * faults never touch this path.
 */
#ifndef REPLAB_SSH_H
#define REPLAB_SSH_H

#include "lab.h"

#include <stdbool.h>
#include <sys/types.h>

/* Write STATE/known_hosts from the VMs' host keys. */
bool ssh_write_known_hosts(void);

/*
 * Start "ssh ... root@VM -- CMD" (CMD words are quoted for the remote
 * shell, so they arrive as given).  tty asks for a terminal (interactive
 * use).  out_path, stdout_fd and stderr_fd as in netns_start.
 */
pid_t ssh_start(const struct vm *vm, char *const cmd[], bool tty, const char *out_path,
		int stdout_fd, int stderr_fd);

/* ssh_start and wait: the remote command's exit status (255: ssh failed). */
int ssh_run(const struct vm *vm, char *const cmd[], bool tty, const char *out_path);

/* Quote one word for a POSIX shell ('...'); exposed for tests. */
char *ssh_quote(const char *word);

#endif

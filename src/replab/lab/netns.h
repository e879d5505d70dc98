/*
 * netns.h — the lab's own network namespace, holding the bridge br0 and
 * one tap per VM (tap-primary, tap-replica), where tc faults go.
 *
 * A holder process (a "sleep" whose argv[0] names the state directory)
 * keeps the namespace alive; it is recorded as STATE/netns.proc (proc.h).  As root the
 * holder has a network namespace; as anyone else it first makes a user
 * namespace (as rootless container tools do), in which the lab's processes
 * then have the network privileges they need.  The host's own network
 * namespace is never changed.
 */
#ifndef REPLAB_NETNS_H
#define REPLAB_NETNS_H

#include <stdbool.h>
#include <sys/types.h>

/* Create the namespace, the bridge and the taps. */
bool netns_create(void);

/*
 * Start argv inside the lab's namespaces (see child_start); stdout_fd and
 * stderr_fd, when not -1, replace the child's stdout and stderr.
 */
pid_t netns_start(char *const argv[], const char *out_path, int stdout_fd, int stderr_fd);

/*
 * Start argv as a daemon inside the lab's namespaces (child_start_detached),
 * in the working directory cwd.
 */
pid_t netns_start_detached(char *const argv[], const char *out_path, const char *cwd);

/* netns_start and wait: the exit status. */
int netns_run(char *const argv[], const char *out_path);

/* SIGKILL the holder; the namespace goes with its last process. */
void netns_destroy(void);

#endif

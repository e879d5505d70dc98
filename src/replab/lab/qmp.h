/*
 * qmp.h — the QEMU Machine Protocol over a VM's unix socket, with jansson:
 * connect (greeting + qmp_capabilities), then one command at a time.
 */
#ifndef REPLAB_QMP_H
#define REPLAB_QMP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

struct qmp {
	FILE *in;  /* messages from QEMU, one JSON document per line */
	FILE *out; /* commands to QEMU */
};

/*
 * Take fd, a connection to a QMP socket (-1: a failed connect, already
 * logged), and negotiate; false with the error logged and fd closed.
 */
bool qmp_open(struct qmp *q, int fd, const char *name);
void qmp_close(struct qmp *q);

/*
 * Execute a command (args may be NULL; the reference is stolen).  Returns
 * the "return" member (new reference), or NULL with the error logged.
 * Asynchronous events read meanwhile are skipped.
 */
json_t *qmp_execute(struct qmp *q, const char *command, json_t *args);

/*
 * qmp_execute, with fd passed along with the command (SCM_RIGHTS on the
 * socket), as "getfd" and "add-fd" want; fd stays ours to close.
 */
json_t *qmp_execute_fd(struct qmp *q, const char *command, json_t *args, int fd);

/* Hand fd to QEMU under name ("getfd"), for a "fd:NAME" migration URI; false (logged) on error. */
bool qmp_getfd(struct qmp *q, const char *name, int fd);

/*
 * Poll "query-status" every 20 ms until the run state is one of want
 * (NULL-terminated: "paused", "postmigrate"...), for up to timeout_ms.
 * False (logged) on a timeout, an error, or a closed connection.
 */
bool qmp_wait_status(struct qmp *q, const char *const want[], int timeout_ms);

/* Read messages from in until the reply to a command; exposed for tests. */
json_t *qmp_read_reply(FILE *in, const char *command);

#endif

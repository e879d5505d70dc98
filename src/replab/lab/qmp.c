/*
 * qmp.c — QMP client.
 */
#define _GNU_SOURCE
#include "qmp.h"

#include "clock.h"
#include "interrupt.h"
#include "log.h"
#include "strutil.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

json_t *qmp_read_reply(FILE *in, const char *command)
{
	char *line = NULL;
	size_t cap = 0;
	json_t *result = NULL;

	for (ssize_t n; (n = getline(&line, &cap, in)) > 0;) {
		json_error_t jerr;
		json_t *msg = json_loadb(line, (size_t) n, 0, &jerr);
		json_t *ret, *err;

		if (!msg || !json_is_object(msg)) {
			log_error("QMP: malformed message for %s: %s", command,
				  msg ? "not a JSON object" : jerr.text);
			json_decref(msg);
			free(line);
			return NULL;
		}
		if (json_object_get(msg, "event")) {
			json_decref(msg);
			continue;
		}
		ret = json_object_get(msg, "return");
		err = json_object_get(msg, "error");
		if (ret)
			result = json_incref(ret);
		else if (err) {
			const char *desc = json_string_value(json_object_get(err, "desc"));
			char *safe = desc ? str_sanitize_terminal(desc, strlen(desc), false) : NULL;

			log_error("QMP %s failed: %s", command, safe ? safe : "(no description)");
			free(safe);
		} else
			log_error("QMP: unexpected reply to %s", command);
		json_decref(msg);
		free(line);
		return result;
	}
	free(line);
	if (!result)
		log_error("QMP: connection closed while waiting for the reply to %s", command);
	return NULL;
}

bool qmp_open(struct qmp *q, int fd, const char *name)
{
	char *greeting = NULL;
	size_t cap = 0;
	json_t *caps;
	int fd2;

	*q = (struct qmp){ 0 };
	if (fd < 0)
		return false;
	fd2 = dup(fd);
	q->in = fdopen(fd, "r");
	if (!q->in)
		close(fd);
	q->out = fd2 >= 0 ? fdopen(fd2, "w") : NULL;
	if (!q->out && fd2 >= 0)
		close(fd2);
	if (!q->in || !q->out || getline(&greeting, &cap, q->in) <= 0 ||
	    !strstr(greeting, "\"QMP\"")) {
		log_error("no QMP greeting from %s", name);
		free(greeting);
		qmp_close(q);
		return false;
	}
	free(greeting);
	caps = qmp_execute(q, "qmp_capabilities", NULL);
	if (!caps) {
		qmp_close(q);
		return false;
	}
	json_decref(caps);
	return true;
}

void qmp_close(struct qmp *q)
{
	if (q->in)
		fclose(q->in);
	if (q->out)
		fclose(q->out);
	*q = (struct qmp){ 0 };
}

/* The command as QMP's wire text, "\r\n" ended (caller frees). */
static char *command_text(const char *command, json_t *args)
{
	json_t *cmd = json_pack("{s:s}", "execute", command);
	char *body, *text;

	if (args)
		json_object_set_new(cmd, "arguments", args);
	body = json_dumps(cmd, JSON_COMPACT);
	json_decref(cmd);
	if (!body || asprintf(&text, "%s\r\n", body) < 0)
		fatal("out of memory");
	free(body);
	return text;
}

json_t *qmp_execute(struct qmp *q, const char *command, json_t *args)
{
	char *text = command_text(command, args);
	bool sent;

	assert(q->in && q->out);
	sent = fputs(text, q->out) >= 0 && fflush(q->out) == 0;
	free(text);
	if (!sent) {
		log_error("QMP: could not send %s", command);
		return NULL;
	}
	return qmp_read_reply(q->in, command);
}

json_t *qmp_execute_fd(struct qmp *q, const char *command, json_t *args, int fd)
{
	char *text = command_text(command, args);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control = { 0 };
	struct iovec iov = { .iov_base = text, .iov_len = strlen(text) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	ssize_t n;

	assert(q->in && q->out && fd >= 0);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	/* The FILE is flushed after every command: nothing of ours is buffered ahead of this. */
	do
		n = sendmsg(fileno(q->out), &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	free(text);
	if (n != (ssize_t) iov.iov_len) {
		log_error("QMP: could not send %s: %s", command,
			  n < 0 ? strerror(errno) : "short write");
		return NULL;
	}
	return qmp_read_reply(q->in, command);
}

bool qmp_getfd(struct qmp *q, const char *name, int fd)
{
	json_t *r = qmp_execute_fd(q, "getfd", json_pack("{s:s}", "fdname", name), fd);

	json_decref(r);
	return r != NULL;
}

bool qmp_wait_status(struct qmp *q, const char *const want[], int timeout_ms)
{
	double deadline = clock_now_ms() + timeout_ms;
	char last[32] = "unknown";

	for (;;) {
		json_t *r = qmp_execute(q, "query-status", NULL);
		const char *status = r ? json_string_value(json_object_get(r, "status")) : NULL;

		if (!r)
			return false;
		xsnprintf(last, sizeof(last), "%s", status ? status : "unknown");
		json_decref(r);
		for (int i = 0; want[i]; i++)
			if (strcmp(last, want[i]) == 0)
				return true;
		if (interrupted() || clock_now_ms() > deadline)
			break;
		clock_sleep_ms(20);
	}
	log_error("QEMU stayed \"%s\" (waited for \"%s\")", last, want[0]);
	return false;
}

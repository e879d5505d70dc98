/*
 * qmp.c — QMP client.
 */
#define _GNU_SOURCE
#include "qmp.h"

#include "log.h"
#include "strutil.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

json_t *qmp_execute(struct qmp *q, const char *command, json_t *args)
{
	json_t *cmd = json_pack("{s:s}", "execute", command);

	assert(q->in && q->out);
	if (args)
		json_object_set_new(cmd, "arguments", args);
	if (json_dumpf(cmd, q->out, JSON_COMPACT) != 0 || fputs("\r\n", q->out) < 0 ||
	    fflush(q->out) != 0) {
		log_error("QMP: could not send %s", command);
		json_decref(cmd);
		return NULL;
	}
	json_decref(cmd);
	return qmp_read_reply(q->in, command);
}

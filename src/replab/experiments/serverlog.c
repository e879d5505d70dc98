/*
 * serverlog.c — the lines of a member's server log (its journal) that say
 * what happened, for the experiments that show them (see experiment.h).
 */
#define _GNU_SOURCE
#include "experiment.h"

#include "lab/lifecycle.h"
#include "lab/node.h"
#include "strutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* vm's server log, copied to STATE/VM-server.log and opened; NULL (logged) if it could not be. */
static FILE *open_log(const struct vm *vm)
{
	char path[PATH_MAX], name[64];

	xsnprintf(name, sizeof(name), "%s-server.log", vm->name);
	lab_state_fresh(name, path, sizeof(path));
	return node_server_log(vm, path) ? fopen(path, "r") : NULL;
}

/* Does line hold one of texts? */
static bool holds_any(const char *line, const char *const texts[])
{
	for (size_t i = 0; texts[i]; i++)
		if (strstr(line, texts[i]))
			return true;
	return false;
}

/*
 * Each line after the first since lines of vm's log: counted, and when it
 * holds one of texts (texts NULL: never) appended to lines, at most max.
 */
static long scan_log(const struct vm *vm, long since, const char *const texts[], int max,
		     json_t *lines)
{
	char *line = NULL;
	size_t cap = 0;
	long n = 0;
	FILE *f = open_log(vm);

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0)
		if (n++ >= since && texts && holds_any(line, texts) &&
		    json_array_size(lines) < (size_t) max)
			json_array_append_new(lines, json_string(str_trim(line)));
	free(line);
	fclose(f);
	return n;
}

long experiment_log_mark(const struct vm *vm)
{
	long n = scan_log(vm, 0, NULL, 0, NULL);

	return n < 0 ? 0 : n;
}

void experiment_log_lines(const struct vm *vm, long since, const char *const texts[], int max,
			  json_t *lines)
{
	scan_log(vm, since, texts, max, lines);
}

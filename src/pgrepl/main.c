/*
 * main.c — pgrepl: parse the command line, resolve the targets, run one
 * command, print its JSON document when asked.
 */
#include "commands.h"
#include "log.h"
#include "narrate.h"

#include <libpq-fe.h>

#include <stdio.h>

#ifndef PGREPL_VERSION
#define PGREPL_VERSION "dev"
#endif

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct options o;
	struct targets t;
	json_t *doc;
	int rc;

	log_init(argv[0]);
	rc = options_parse(argc, argv, &o);
	if (rc != EXIT_OK)
		return rc;
	if (o.help) {
		options_usage(stdout, o.help_for);
		return EXIT_OK;
	}
	if (o.version) {
		printf("pgrepl %s (libpq %d)\n", PGREPL_VERSION, PQlibVersion());
		return EXIT_OK;
	}
	rc = targets_resolve(&o, &t);
	if (rc != EXIT_OK)
		return rc;

	narrate_init(o.json);
	doc = json_pack("{s:s}", "command", o.command);
	cmd = command_find(o.command); /* options_parse made sure there is one */
	rc = cmd->run(&o, &t, doc);

	json_object_set_new(doc, "ok", json_boolean(rc == EXIT_OK));
	if (rc != EXIT_OK)
		json_object_set_new(doc, "error", json_string(log_last_error()));
	if (o.json) {
		json_dumpf(doc, stdout,
			   JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		putchar('\n');
	}
	json_decref(doc);
	targets_free(&t);
	return rc;
}

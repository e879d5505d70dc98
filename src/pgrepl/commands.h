/*
 * commands.h — pgrepl's commands.  Each cmd_*.c file defines one entry:
 * the command's name, its line in --help, its own option table and the
 * function that runs it.  That function narrates what it does, fills the
 * JSON document doc, and returns an exit status (options.h).
 */
#ifndef PGREPL_COMMANDS_H
#define PGREPL_COMMANDS_H

#include "options.h"
#include "targets.h"

#include <jansson.h>

struct command {
	const char *name;
	const char *summary;	   /* for --help; lines after the first are indented */
	const struct opt *options; /* its own options, ended by OPT_END() */
	const char *operand;	   /* a word it takes after its name ("ROLE"), or NULL */
	size_t operand_member; /* the struct options member (const char *) the operand goes to */
	const char
		*operand_needed; /* what the operand is, for the usage error when it is missing */
	int (*run)(const struct options *o, const struct targets *t, json_t *doc);
};

extern const struct command cmd_status_entry;
extern const struct command cmd_demo_entry;
extern const struct command cmd_failover_entry;
extern const struct command cmd_load_entry;
extern const struct command cmd_readers_entry;
extern const struct command cmd_watch_entry;
extern const struct command cmd_set_password_entry;

/* Every command, in the order --help lists them; NULL-terminated. */
extern const struct command *const command_table[];

/* The command called name, or NULL. */
const struct command *command_find(const char *name);

#endif

/*
 * commands.c — the table of pgrepl's commands, and looking one up by name.
 */
#include "commands.h"

#include <string.h>

const struct command *const command_table[] = {
	&cmd_status_entry,  &cmd_demo_entry,  &cmd_failover_entry,     &cmd_load_entry,
	&cmd_readers_entry, &cmd_watch_entry, &cmd_set_password_entry, NULL,
};

const struct command *command_find(const char *name)
{
	for (size_t i = 0; command_table[i]; i++)
		if (strcmp(command_table[i]->name, name) == 0)
			return command_table[i];
	return NULL;
}

/*
 * commands.h — replab's verbs, one cmd_<verb> each; every one parses its
 * own options (argv[0] is the verb) and returns an exit status (log.h).
 */
#ifndef REPLAB_COMMANDS_H
#define REPLAB_COMMANDS_H

int cmd_build(int argc, char **argv);
int cmd_inspect(int argc, char **argv);

#endif

/*
 * commands.h — replab's verbs, one cmd_<verb> each; every one parses its
 * own options (argv[0] is the verb) and returns an exit status (log.h).
 * Also the lab's life cycle, which several verbs share.
 */
#ifndef REPLAB_COMMANDS_H
#define REPLAB_COMMANDS_H

#include <stdbool.h>

int cmd_build(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_psql(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_partition(int argc, char **argv);
int cmd_isolate(int argc, char **argv);
int cmd_heal(int argc, char **argv);
int cmd_shape(int argc, char **argv);
int cmd_crash(int argc, char **argv);
int cmd_freeze(int argc, char **argv);
int cmd_thaw(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_experiment(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_seed(int argc, char **argv);
int cmd_accel(int argc, char **argv);

struct up_options {
	int timeout_s;
	int memory_mb;
	int cpus;
	bool keep;    /* leave a failed lab running */
	int replicas; /* 1 or 2 */
	bool cascade; /* replica2 streams from the replica */
};

void up_options_default(struct up_options *u);

struct vm_config;
/* The VM settings a lab was brought up with (u: its up options). */
void vm_config_for(const struct up_options *u, struct vm_config *c);

/* Bring the lab up (cmd_up without the parsing); an exit status. */
int lab_up(const struct up_options *u);

/* Stop the lab's processes and remove its state; verbose says what it does. */
bool lab_teardown(bool verbose);

#endif

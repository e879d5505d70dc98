/*
 * commands.h — replab's verbs, one cmd_<verb> each, with its --help text
 * (cmd_<verb>_help) and, for some, its options parser: each runs once what
 * it needs is checked (verb.h) and returns an exit status (log.h).  Also
 * the lab's life cycle, which several verbs share.
 */
#ifndef REPLAB_COMMANDS_H
#define REPLAB_COMMANDS_H

#include "verb.h"

#include <stdbool.h>

int cmd_build(const struct verb_args *a);
extern const char cmd_build_help[];
int cmd_inspect(const struct verb_args *a);
extern const char cmd_inspect_help[];
int cmd_up(const struct verb_args *a);
extern const char cmd_up_help[];
int cmd_down(const struct verb_args *a);
extern const char cmd_down_help[];
int cmd_status(const struct verb_args *a);
extern const char cmd_status_help[];
int cmd_exec(const struct verb_args *a);
extern const char cmd_exec_help[];
int cmd_psql(const struct verb_args *a);
extern const char cmd_psql_help[];
int cmd_console(const struct verb_args *a);
extern const char cmd_console_help[];
int cmd_run(const struct verb_args *a);
extern const char cmd_run_help[];
int cmd_partition(const struct verb_args *a);
extern const char cmd_partition_help[];
int cmd_isolate(const struct verb_args *a);
extern const char cmd_isolate_help[];
int cmd_heal(const struct verb_args *a);
extern const char cmd_heal_help[];
int cmd_shape(const struct verb_args *a);
extern const char cmd_shape_help[];
int cmd_disk(const struct verb_args *a);
extern const char cmd_disk_help[];
int cmd_link(const struct verb_args *a);
extern const char cmd_link_help[];
int cmd_clock(const struct verb_args *a);
extern const char cmd_clock_help[];
int cmd_crash(const struct verb_args *a);
extern const char cmd_crash_help[];
int cmd_freeze(const struct verb_args *a);
extern const char cmd_freeze_help[];
int cmd_thaw(const struct verb_args *a);
extern const char cmd_thaw_help[];
int cmd_stop(const struct verb_args *a);
extern const char cmd_stop_help[];
int cmd_start(const struct verb_args *a);
extern const char cmd_start_help[];
int cmd_experiment(const struct verb_args *a);
extern const char cmd_experiment_help[];
int cmd_report(const struct verb_args *a);
extern const char cmd_report_help[];
int cmd_check(const struct verb_args *a);
extern const char cmd_check_help[];
int cmd_seed(const struct verb_args *a);
extern const char cmd_seed_help[];
int cmd_reset(const struct verb_args *a);
extern const char cmd_reset_help[];
int cmd_forget(const struct verb_args *a);
extern const char cmd_forget_help[];
int cmd_accel(const struct verb_args *a);
extern const char cmd_accel_help[];

/* The verbs whose options are parsed before their needs are checked (verb.h). */
int cmd_run_options(int argc, char **argv);
int cmd_partition_options(int argc, char **argv);
int cmd_shape_options(int argc, char **argv);
int cmd_disk_options(int argc, char **argv);
int cmd_heal_options(int argc, char **argv);
int cmd_link_options(int argc, char **argv);
int cmd_clock_options(int argc, char **argv);
int cmd_experiment_options(int argc, char **argv);
int cmd_reset_options(int argc, char **argv);

struct up_options {
	int timeout_s;
	int memory_mb;
	int cpus;
	bool keep;    /* leave a failed lab running */
	int replicas; /* 1 or 2 */
	bool cascade; /* replica2 streams from the replica */
	bool cold;    /* boot from power-on even when a saved lab matches */
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

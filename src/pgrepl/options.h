/*
 * options.h — pgrepl's command line: one command plus options, parsed with
 * getopt_long.  Exit status follows the client tools: 0 ok, 1 failure,
 * 2 usage error.
 */
#ifndef PGREPL_OPTIONS_H
#define PGREPL_OPTIONS_H

#include "log.h"

#include <stdbool.h>

struct options {
	const char *command; /* NULL with --help or --version */
	const char *primary; /* conninfo from --primary, or NULL */
	const char *replica; /* conninfo from --replica, or NULL */
	const char *config;  /* --config path, or NULL */
	bool json;
	bool help;
	bool version;
	long connect_timeout_ms;
	long probe_interval_ms; /* failover */
	long wait_s;		/* failover: how long to wait for the primary to go */
	long promote_timeout_s; /* failover */
	long rate;		/* load: rows per second */
	bool follow;		/* load: write wherever writes are accepted */
	bool until_failure;	/* load: stop at the first failed write */
	long duration_s;	/* load, watch */
	long interval_ms;	/* watch: time between samples */
	const char *role;	   /* set-password: the role (its argument) */
	const char *password_file; /* set-password: where its password is */
};

/*
 * Fill *o from argv.  Returns EXIT_OK, or EXIT_USAGE after printing what was
 * wrong and a hint to stderr.
 */
int options_parse(int argc, char **argv, struct options *o);

void options_usage(void);

#endif

/*
 * options.c — parsing pgrepl's command line.
 */
#define _GNU_SOURCE
#include "options.h"

#include "log.h"
#include "strutil.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *const commands[] = { "status", "demo", "failover", "load", "watch", "set-password", NULL };

enum {
	OPT_CONNECT_TIMEOUT = 256,
	OPT_PROBE_INTERVAL,
	OPT_WAIT,
	OPT_PROMOTE_TIMEOUT,
	OPT_RATE,
	OPT_DURATION,
	OPT_INTERVAL,
	OPT_FOLLOW,
	OPT_UNTIL_FAILURE,
	OPT_PASSWORD_FILE,
};

void options_usage(void)
{
	printf("pgrepl shows PostgreSQL streaming replication at work: it writes on a\n"
	       "primary, reads on its hot standby, measures the lag, and walks through a\n"
	       "failover, explaining each step.\n\n"
	       "Usage:\n"
	       "  pgrepl [OPTION]... COMMAND\n"
	       "  pgrepl [OPTION]... set-password ROLE --password-file=FILE\n\n"
	       "Commands:\n"
	       "  status      replication state of each server (pg_stat_replication on the\n"
	       "              primary; receive/replay positions on the standby)\n"
	       "  demo        create a table, write on the primary, read on the replica,\n"
	       "              try a write on the replica, measure lag over 100 inserts\n"
	       "  failover    wait for the primary to go away, keep reading on the replica,\n"
	       "              promote it with pg_promote() and write to it\n"
	       "  load        write numbered rows to the primary at a steady rate and count\n"
	       "              the acknowledged ones (for experiments)\n"
	       "  watch       sample the primary's pg_stat_replication, one JSON line each\n"
	       "              --interval (for experiments)\n"
	       "  set-password ROLE\n"
	       "              give ROLE the password in --password-file on the --primary\n"
	       "              server (as a superuser): only its SCRAM-SHA-256 verifier,\n"
	       "              computed here, is sent, and kept out of the server's log\n\n"
	       "Options:\n"
	       "  -p, --primary=CONNINFO      connection string of the primary\n"
	       "  -r, --replica=CONNINFO      connection string of the replica\n"
	       "  -c, --config=FILE           read targets from FILE (default %s)\n"
	       "  -j, --json                  print one JSON document on stdout; the\n"
	       "                              narrative goes to stderr\n"
	       "      --connect-timeout=MS    give up connecting after MS ms (default 3000);\n"
	       "                              also bounds each failover probe\n"
	       "  -V, --version               print the version and exit\n"
	       "  -h, --help                  show this help and exit\n\n"
	       "Failover options:\n"
	       "      --probe-interval=MS     probe the primary every MS ms (default 200)\n"
	       "      --wait=SECONDS          wait at most SECONDS for the primary to stop\n"
	       "                              (default 300)\n"
	       "      --promote-timeout=SECONDS  let pg_promote() take at most SECONDS\n"
	       "                              (default 60)\n\n"
	       "Load and watch options:\n"
	       "      --rate=N                load: rows per second (default 100)\n"
	       "      --duration=SECONDS      load, watch: how long (default 30)\n"
	       "      --follow                load: connect to the primary or, once it is\n"
	       "                              promoted, the replica (libpq multi-host,\n"
	       "                              target_session_attrs=read-write)\n"
	       "      --until-failure         load: stop at the first failed write\n"
	       "      --interval=MS           watch: time between samples (default 100)\n\n"
	       "Set-password options:\n"
	       "      --password-file=FILE    the password, alone on one line, in a file\n"
	       "                              readable by its owner only (mode 0600)\n\n"
	       "Targets come from --primary/--replica, then the config file (lines\n"
	       "\"primary = CONNINFO\" and \"replica = CONNINFO\"; PGREPL_CONFIG names another\n"
	       "file), then the environment variables PGREPL_PRIMARY and PGREPL_REPLICA.\n"
	       "Exit status: 0 success, 1 failure, 2 usage error.\n",
	       "/etc/replab/pgrepl.conf");
}

static bool known_command(const char *name)
{
	for (int i = 0; commands[i]; i++)
		if (strcmp(commands[i], name) == 0)
			return true;
	return false;
}

/* A numeric option's value within [min, max], or a usage error naming it. */
static bool number_arg(const char *name, const char *arg, long min, long max, long *out)
{
	if (str_to_long(arg, min, max, out))
		return true;
	usage_error(NULL, "invalid %s \"%s\": expected a whole number from %ld to %ld", name, arg, min, max);
	return false;
}

/* Is word one of the blank-separated words of list? */
static bool word_in(const char *word, const char *list)
{
	size_t len = strlen(word);

	for (const char *p = list; (p = strstr(p, word)) != NULL; p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == '\0' || p[len] == ' '))
			return true;
	return false;
}

#define SCOPED(option, command_list)                                      \
	do {                                                              \
		if (nscoped < 10) {                                       \
			scoped[nscoped][0] = (option);                    \
			scoped[nscoped++][1] = (command_list);            \
		}                                                         \
	} while (0)

int options_parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "primary", required_argument, NULL, 'p' },
		{ "replica", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
		{ "probe-interval", required_argument, NULL, OPT_PROBE_INTERVAL },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "promote-timeout", required_argument, NULL, OPT_PROMOTE_TIMEOUT },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "until-failure", no_argument, NULL, OPT_UNTIL_FAILURE },
		{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* Options that belong to some commands only: the option and its commands. */
	const char *scoped[10][2];
	int nscoped = 0;
	int c;

	*o = (struct options){
		.connect_timeout_ms = 3000,
		.probe_interval_ms = 200,
		.wait_s = 300,
		.promote_timeout_s = 60,
		.rate = 100,
		.duration_s = 30,
		.interval_ms = 100,
	};
	optind = 0; /* full reset, so the parser can run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "p:r:c:jVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->primary = optarg;
			break;
		case 'r':
			o->replica = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'V':
			o->version = true;
			break;
		case 'h':
			o->help = true;
			break;
		case OPT_CONNECT_TIMEOUT:
			if (!number_arg("--connect-timeout", optarg, 100, 600000, &o->connect_timeout_ms))
				return EXIT_USAGE;
			break;
		case OPT_PROBE_INTERVAL:
			if (!number_arg("--probe-interval", optarg, 10, 60000, &o->probe_interval_ms))
				return EXIT_USAGE;
			SCOPED("--probe-interval", "failover");
			break;
		case OPT_WAIT:
			if (!number_arg("--wait", optarg, 1, 86400, &o->wait_s))
				return EXIT_USAGE;
			SCOPED("--wait", "failover");
			break;
		case OPT_PROMOTE_TIMEOUT:
			if (!number_arg("--promote-timeout", optarg, 1, 3600, &o->promote_timeout_s))
				return EXIT_USAGE;
			SCOPED("--promote-timeout", "failover");
			break;
		case OPT_RATE:
			if (!number_arg("--rate", optarg, 1, 10000, &o->rate))
				return EXIT_USAGE;
			SCOPED("--rate", "load");
			break;
		case OPT_DURATION:
			if (!number_arg("--duration", optarg, 1, 86400, &o->duration_s))
				return EXIT_USAGE;
			SCOPED("--duration", "load watch");
			break;
		case OPT_INTERVAL:
			if (!number_arg("--interval", optarg, 10, 60000, &o->interval_ms))
				return EXIT_USAGE;
			SCOPED("--interval", "watch");
			break;
		case OPT_FOLLOW:
			o->follow = true;
			SCOPED("--follow", "load");
			break;
		case OPT_UNTIL_FAILURE:
			o->until_failure = true;
			SCOPED("--until-failure", "load");
			break;
		case OPT_PASSWORD_FILE:
			o->password_file = optarg;
			SCOPED("--password-file", "set-password");
			break;
		default:
			return usage_error(NULL, "unknown option or missing value: \"%s\"", argv[optind - 1]);
		}
	}
	if (o->help || o->version)
		return EXIT_OK;
	if (optind >= argc)
		return usage_error(NULL, "no command given");
	o->command = argv[optind++];
	if (!known_command(o->command))
		return usage_error(NULL, "unknown command \"%s\"", o->command);
	if (strcmp(o->command, "set-password") == 0) {
		if (optind >= argc || argv[optind][0] == '\0')
			return usage_error(NULL, "set-password needs the name of a role");
		o->role = argv[optind++];
		if (!o->password_file || !*o->password_file)
			return usage_error(NULL, "set-password needs --password-file=FILE (the password never goes on the"
						 " command line)");
	}
	if (optind < argc)
		return usage_error(NULL, "unexpected argument \"%s\" after the command", argv[optind]);
	for (int i = 0; i < nscoped; i++)
		if (!word_in(o->command, scoped[i][1]))
			return usage_error(NULL, "%s applies to \"%s\" only, not to \"%s\"", scoped[i][0], scoped[i][1],
					   o->command);
	return EXIT_OK;
}

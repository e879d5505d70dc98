/*
 * options.h — pgrepl's command line: one command plus options, parsed with
 * getopt_long from option tables.  The global options have a table here;
 * each command has its own (commands.h), and an option of one command given
 * to another is a usage error.  --help is written from the same tables.
 * Exit status follows the client tools: 0 ok, 1 failure, 2 usage error.
 */
#ifndef PGREPL_OPTIONS_H
#define PGREPL_OPTIONS_H

#include "log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct command;

struct options {
	const char *command;		/* NULL with --help or --version */
	const struct command *help_for; /* --help with a command's name: that command */
	const char *primary;		/* conninfo from --primary, or NULL */
	const char *replica;		/* conninfo from --replica, or NULL */
	const char *config;		/* --config path, or NULL */
	bool json;
	bool help;
	bool version;
	long connect_timeout_ms;
	long probe_interval_ms;	      /* failover */
	long wait_s;		      /* failover: how long to wait for the primary to go */
	long promote_timeout_s;	      /* failover */
	bool detect_only;	      /* failover: stop once the primary is found gone */
	long rate;		      /* load: rows per second */
	bool follow;		      /* load: write wherever writes are accepted */
	bool until_failure;	      /* load: stop at the first failed write */
	long duration_s;	      /* load, watch, readers */
	long clients;		      /* readers: sessions at once */
	const char *session_prefix;   /* readers: before each session's name */
	long standbys;		      /* readers: 1, or 2 to read on replica2 too */
	const char *primary_conninfo; /* readers: the primary's, resolved (not an option) */
	long interval_ms;	      /* watch: time between samples */
	const char *role;	      /* set-password: the role (its argument) */
	const char *password_file;    /* set-password: where its password is */
};

/*
 * One entry of an option table: the option, what it sets, and its line in
 * --help.  Write entries with the OPT_ macros below; OPT_END() ends a table.
 * An option that several commands' tables hold means the same in each (the
 * same kind, member, range and default); only its help may differ.
 */
enum opt_kind {
	OPT_KIND_END,
	OPT_KIND_FLAG,	 /* no value; sets a bool member to true */
	OPT_KIND_STRING, /* a value kept as given, in a const char * member */
	OPT_KIND_NUMBER, /* a whole number within [min, max], in a long member */
};

struct opt {
	enum opt_kind kind;
	char short_name;       /* 0 for none */
	const char *long_name; /* without the leading "--" */
	size_t member;	       /* offset of the struct options member it sets */
	const char *arg_name;  /* the value's name in --help ("MS", "FILE"); NULL for flags */
	long min, max, def;    /* numbers: the range, and the default shown in --help */
	const char *required;  /* strings the command cannot do without: why, for the usage error */
	const char *help;      /* lines after the first are indented in --help */
};

/* The offset of member m of struct options, which must be of type T (else it does not compile). */
#define OPTIONS_MEMBER(m, T) _Generic(((struct options *) 0)->m, T : offsetof(struct options, m))

#define OPT_FLAG(s, l, m, h)                                                \
	{                                                                   \
		.kind = OPT_KIND_FLAG, .short_name = (s), .long_name = (l), \
		.member = OPTIONS_MEMBER(m, bool), .help = (h)              \
	}
#define OPT_STRING(s, l, m, a, h)                                                       \
	{                                                                               \
		.kind = OPT_KIND_STRING, .short_name = (s), .long_name = (l),           \
		.member = OPTIONS_MEMBER(m, const char *), .arg_name = (a), .help = (h) \
	}
/* A string option the command needs, not empty; why says what it is for. */
#define OPT_REQUIRED_STRING(s, l, m, a, why, h)                                                \
	{                                                                                      \
		.kind = OPT_KIND_STRING, .short_name = (s), .long_name = (l),                  \
		.member = OPTIONS_MEMBER(m, const char *), .arg_name = (a), .required = (why), \
		.help = (h)                                                                    \
	}
#define OPT_NUMBER(s, l, m, a, lo, hi, d, h)                                                  \
	{                                                                                     \
		.kind = OPT_KIND_NUMBER, .short_name = (s), .long_name = (l),                 \
		.member = OPTIONS_MEMBER(m, long), .arg_name = (a), .min = (lo), .max = (hi), \
		.def = (d), .help = (h)                                                       \
	}
#define OPT_END()                    \
	{                            \
		.kind = OPT_KIND_END \
	}

/* The options of every command: --primary, --replica, --config, --json, ... */
extern const struct opt global_options[];

/* The entry for --NAME in table, or NULL. */
const struct opt *opt_find(const struct opt *table, const char *long_name);

/*
 * Fill *o from argv.  Options may come before or after the command.
 * Returns EXIT_OK, or EXIT_USAGE after printing what was wrong and a hint
 * to stderr.
 */
int options_parse(int argc, char **argv, struct options *o);

/* pgrepl's --help on f: the whole program's, or with cmd, that command's. */
void options_usage(FILE *f, const struct command *cmd);

#endif

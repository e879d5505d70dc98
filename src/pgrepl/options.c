/*
 * options.c — pgrepl's command line from option tables: the global one
 * here, each command's own in its cmd_*.c file.  getopt_long is given the
 * options of every table, so that an option may stand before the command
 * as well as after it; once the command is known, an option that neither
 * the global table nor the command's holds is a usage error naming the
 * commands it belongs to.  --help is written from the same tables.
 */
#define _GNU_SOURCE
#include "options.h"

#include "commands.h"
#include "log.h"
#include "strutil.h"
#include "targets.h"

#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define HELP_COLUMN    30 /* where an option's help starts in --help */
#define SUMMARY_COLUMN 14 /* where a command's summary starts */
/* getopt_long's value for the first long option; short options stay below */
#define FIRST_LONG_VAL 256

const struct opt global_options[] = {
	OPT_STRING('p', "primary", primary, "CONNINFO", "connection string of the primary"),
	OPT_STRING('r', "replica", replica, "CONNINFO", "connection string of the replica"),
	OPT_STRING('c', "config", config, "FILE",
		   "read targets from FILE\n(default " TARGETS_DEFAULT_CONFIG ")"),
	OPT_FLAG('j', "json", json,
		 "print one JSON document on stdout; the\nnarrative goes to stderr"),
	OPT_NUMBER(0, "connect-timeout", connect_timeout_ms, "MS", 100, 600000, 3000,
		   "give up connecting after MS ms; also bounds\neach failover probe"),
	OPT_FLAG('V', "version", version, "print the version and exit"),
	OPT_FLAG('h', "help", help, "show this help and exit"),
	OPT_END(),
};

static const char intro[] = "pgrepl shows PostgreSQL streaming replication at work: it writes on "
			    "a\n"
			    "primary, reads on its hot standby, measures the lag, and walks "
			    "through a\n"
			    "failover, explaining each step.\n";

static const char targets_text[] = "Targets come from --primary/--replica, then the config file "
				   "(lines\n"
				   "\"primary = CONNINFO\" and \"replica = CONNINFO\"; "
				   "PGREPL_CONFIG names another\n"
				   "file), then the environment variables PGREPL_PRIMARY and "
				   "PGREPL_REPLICA.\n";

static const char exit_text[] = "Exit status: 0 success, 1 failure, 2 usage error.\n";

/*
 * What getopt_long is given: the options of every table, each name once
 * (a name several commands share means the same in each), and the order
 * each was first given in.
 */
struct parser {
	size_t n;
	const struct opt **opts; /* opts[i] comes back from getopt_long as FIRST_LONG_VAL + i */
	struct option *longopts; /* n entries, then the zeroed one that ends them */
	char *shortopts;
	unsigned *first_seen; /* 1, 2, ... in the order given; 0 when not given */
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		fatal("out of memory");
	return p;
}

static size_t table_len(const struct opt *table)
{
	size_t n = 0;

	while (table[n].kind != OPT_KIND_END)
		n++;
	return n;
}

const struct opt *opt_find(const struct opt *table, const char *long_name)
{
	for (const struct opt *opt = table; opt->kind != OPT_KIND_END; opt++)
		if (strcmp(opt->long_name, long_name) == 0)
			return opt;
	return NULL;
}

static void *member(struct options *o, size_t offset)
{
	return (char *) o + offset;
}

static void parser_add(struct parser *p, const struct opt *table)
{
	for (const struct opt *opt = table; opt->kind != OPT_KIND_END; opt++) {
		size_t i = 0;

		while (i < p->n && strcmp(p->opts[i]->long_name, opt->long_name) != 0)
			i++;
		if (i < p->n)
			continue;
		p->opts[p->n] = opt;
		p->longopts[p->n] = (struct option){ .name = opt->long_name,
						     .has_arg = opt->kind == OPT_KIND_FLAG
									? no_argument
									: required_argument,
						     .val = FIRST_LONG_VAL + (int) p->n };
		if (opt->short_name) {
			size_t len = strlen(p->shortopts);

			p->shortopts[len++] = opt->short_name;
			if (opt->kind != OPT_KIND_FLAG)
				p->shortopts[len++] = ':';
		}
		p->n++;
	}
}

static void parser_init(struct parser *p)
{
	size_t max = table_len(global_options);

	for (size_t i = 0; command_table[i]; i++)
		max += table_len(command_table[i]->options);
	p->n = 0;
	p->opts = xcalloc(max, sizeof(*p->opts));
	p->longopts = xcalloc(max + 1, sizeof(*p->longopts));
	p->shortopts = xcalloc(2 * max + 1, 1);
	p->first_seen = xcalloc(max, sizeof(*p->first_seen));
	parser_add(p, global_options);
	for (size_t i = 0; command_table[i]; i++)
		parser_add(p, command_table[i]->options);
}

static void parser_free(struct parser *p)
{
	free(p->opts);
	free(p->longopts);
	free(p->shortopts);
	free(p->first_seen);
}

/* The index of what getopt_long returned, or p->n for an unknown option or a missing value. */
static size_t parser_index(const struct parser *p, int c)
{
	size_t i = 0;

	if (c >= FIRST_LONG_VAL)
		return (size_t) (c - FIRST_LONG_VAL);
	while (i < p->n && !(p->opts[i]->short_name && p->opts[i]->short_name == c))
		i++;
	return i;
}

static void set_defaults(const struct opt *table, struct options *o)
{
	for (const struct opt *opt = table; opt->kind != OPT_KIND_END; opt++)
		if (opt->kind == OPT_KIND_NUMBER)
			*(long *) member(o, opt->member) = opt->def;
}

/* Store one option's value; a number out of range or malformed is a usage error. */
static bool set_option(const struct opt *opt, const char *arg, struct options *o)
{
	switch (opt->kind) {
	case OPT_KIND_FLAG:
		*(bool *) member(o, opt->member) = true;
		return true;
	case OPT_KIND_STRING:
		*(const char **) member(o, opt->member) = arg;
		return true;
	case OPT_KIND_NUMBER:
		if (str_to_long(arg, opt->min, opt->max, member(o, opt->member)))
			return true;
		usage_error(NULL, "invalid --%s \"%s\": expected a whole number from %ld to %ld",
			    opt->long_name, arg, opt->min, opt->max);
		return false;
	case OPT_KIND_END:
		break;
	}
	return false;
}

static int read_options(struct parser *p, int argc, char **argv, struct options *o)
{
	unsigned order = 0;
	int c;

	optind = 0; /* full reset, so the parser can run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, p->shortopts, p->longopts, NULL)) != -1) {
		size_t i = parser_index(p, c);

		if (i >= p->n)
			return usage_error(NULL, "unknown option or missing value: \"%s\"",
					   argv[optind - 1]);
		if (!set_option(p->opts[i], optarg, o))
			return EXIT_USAGE;
		if (!p->first_seen[i])
			p->first_seen[i] = ++order;
	}
	return EXIT_OK;
}

/* The names of the commands whose tables hold --long_name, blank-separated; the caller frees it. */
static char *owners_of(const char *long_name)
{
	size_t len = 1;
	char *list;

	for (size_t i = 0; command_table[i]; i++)
		if (opt_find(command_table[i]->options, long_name))
			len += strlen(command_table[i]->name) + 1;
	list = xcalloc(len, 1);
	for (size_t i = 0; command_table[i]; i++)
		if (opt_find(command_table[i]->options, long_name)) {
			if (*list)
				strcat(list, " ");
			strcat(list, command_table[i]->name);
		}
	return list;
}

/* The first option given that belongs to other commands than cmd is a usage error. */
static int check_scope(const struct parser *p, const struct command *cmd)
{
	size_t stray = p->n;
	char *owners;
	int rc;

	for (size_t i = 0; i < p->n; i++)
		if (p->first_seen[i] && !opt_find(global_options, p->opts[i]->long_name) &&
		    !opt_find(cmd->options, p->opts[i]->long_name) &&
		    (stray == p->n || p->first_seen[i] < p->first_seen[stray]))
			stray = i;
	if (stray == p->n)
		return EXIT_OK;
	owners = owners_of(p->opts[stray]->long_name);
	rc = usage_error(NULL, "--%s applies to \"%s\" only, not to \"%s\"",
			 p->opts[stray]->long_name, owners, cmd->name);
	free(owners);
	return rc;
}

/* After the options: the command, its operand, its required options, and nothing else. */
static int read_command(const struct parser *p, int argc, char **argv, struct options *o)
{
	const struct command *cmd;

	if (o->help || o->version) {
		if (o->help && optind < argc)
			o->help_for = command_find(argv[optind]);
		return EXIT_OK;
	}
	if (optind >= argc)
		return usage_error(NULL, "no command given");
	o->command = argv[optind++];
	cmd = command_find(o->command);
	if (!cmd)
		return usage_error(NULL, "unknown command \"%s\"", o->command);
	if (cmd->operand) {
		if (optind >= argc || argv[optind][0] == '\0')
			return usage_error(NULL, "%s needs %s", cmd->name, cmd->operand_needed);
		*(const char **) member(o, cmd->operand_member) = argv[optind++];
	}
	for (const struct opt *opt = cmd->options; opt->kind != OPT_KIND_END; opt++) {
		const char *value;

		if (!opt->required)
			continue;
		value = *(const char **) member(o, opt->member);
		if (!value || !*value)
			return usage_error(NULL, "%s needs --%s=%s (%s)", cmd->name, opt->long_name,
					   opt->arg_name, opt->required);
	}
	if (optind < argc)
		return usage_error(NULL, "unexpected argument \"%s\" after the command",
				   argv[optind]);
	return check_scope(p, cmd);
}

int options_parse(int argc, char **argv, struct options *o)
{
	struct parser p;
	int rc;

	*o = (struct options){ 0 };
	set_defaults(global_options, o);
	for (size_t i = 0; command_table[i]; i++)
		set_defaults(command_table[i]->options, o);
	parser_init(&p);
	rc = read_options(&p, argc, argv, o);
	if (rc == EXIT_OK)
		rc = read_command(&p, argc, argv, o);
	parser_free(&p);
	return rc;
}

/*
 * The cursor is at column at: go to column indent (on the next line if at
 * is too close to it) and print text, its lines after the first from
 * column indent too.
 */
static void print_indented(FILE *f, int at, int indent, const char *text)
{
	if (at + 2 > indent) {
		fputc('\n', f);
		at = 0;
	}
	fprintf(f, "%*s", indent - at, "");
	for (const char *c = text; *c; c++) {
		fputc(*c, f);
		if (*c == '\n')
			fprintf(f, "%*s", indent, "");
	}
}

static void print_options(FILE *f, const char *title, const struct opt *table)
{
	fprintf(f, "\n%s:\n", title);
	for (const struct opt *opt = table; opt->kind != OPT_KIND_END; opt++) {
		int at = opt->short_name
				 ? fprintf(f, "  -%c, --%s", opt->short_name, opt->long_name)
				 : fprintf(f, "      --%s", opt->long_name);

		if (opt->arg_name)
			at += fprintf(f, "=%s", opt->arg_name);
		print_indented(f, at, HELP_COLUMN, opt->help);
		if (opt->kind == OPT_KIND_NUMBER)
			fprintf(f, " (default %ld)", opt->def);
		fputc('\n', f);
	}
}

/* "Failover options:", unless the command has none. */
static void print_command_options(FILE *f, const struct command *cmd)
{
	char *title;

	if (cmd->options[0].kind == OPT_KIND_END)
		return;
	if (asprintf(&title, "%c%s options", toupper((unsigned char) cmd->name[0]), cmd->name + 1) <
	    0)
		fatal("out of memory");
	print_options(f, title, cmd->options);
	free(title);
}

/* Does a usage line of its own show what cmd needs (an operand, a required option)? */
static bool needs_words(const struct command *cmd)
{
	if (cmd->operand)
		return true;
	for (const struct opt *opt = cmd->options; opt->kind != OPT_KIND_END; opt++)
		if (opt->required)
			return true;
	return false;
}

static void print_usage_line(FILE *f, const struct command *cmd)
{
	fprintf(f, "  pgrepl [OPTION]... %s", cmd->name);
	if (cmd->operand)
		fprintf(f, " %s", cmd->operand);
	for (const struct opt *opt = cmd->options; opt->kind != OPT_KIND_END; opt++)
		if (opt->required)
			fprintf(f, " --%s=%s", opt->long_name, opt->arg_name);
	fputc('\n', f);
}

static void command_usage(FILE *f, const struct command *cmd)
{
	fprintf(f, "pgrepl %s%s%s:\n", cmd->name, cmd->operand ? " " : "",
		cmd->operand ? cmd->operand : "");
	print_indented(f, 0, 2, cmd->summary);
	fputs("\n\nUsage:\n", f);
	print_usage_line(f, cmd);
	print_command_options(f, cmd);
	print_options(f, "Options of every command", global_options);
	fprintf(f, "\n%s\"pgrepl --help\" lists every command.\n%s", targets_text, exit_text);
}

void options_usage(FILE *f, const struct command *cmd)
{
	if (cmd) {
		command_usage(f, cmd);
		return;
	}
	fprintf(f, "%s\nUsage:\n  pgrepl [OPTION]... COMMAND\n", intro);
	for (size_t i = 0; command_table[i]; i++)
		if (needs_words(command_table[i]))
			print_usage_line(f, command_table[i]);
	fputs("\nCommands:\n", f);
	for (size_t i = 0; command_table[i]; i++) {
		const struct command *c = command_table[i];
		int at = fprintf(f, "  %s%s%s", c->name, c->operand ? " " : "",
				 c->operand ? c->operand : "");

		print_indented(f, at, SUMMARY_COLUMN, c->summary);
		fputc('\n', f);
	}
	print_options(f, "Options", global_options);
	for (size_t i = 0; command_table[i]; i++)
		print_command_options(f, command_table[i]);
	fprintf(f, "\n%s\"pgrepl COMMAND --help\" shows one command and its options.\n%s",
		targets_text, exit_text);
}

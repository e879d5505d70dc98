/*
 * fuzz_pgrepl_config.c — pgrepl's inputs from files and the command line:
 * config file lines (config_parse_line, split as load_config splits them),
 * the connection strings they hold (libpq's parser, and the "any writable"
 * string built from two of them), and the command line (options_parse,
 * arguments separated by NUL bytes).
 */
#include "fuzz.h"

#include "db.h"
#include "options.h"
#include "targets.h"

#define LINE_MAX_BYTES 4095 /* load_config refuses longer lines */
#define MAX_ARGS       32

FUZZ_QUIET_INITIALIZE

static void config_lines(const char *text, size_t len)
{
	struct targets t = { 0 };
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);
		char *line, *key, *value, msg[256];

		if (n > LINE_MAX_BYTES)
			break;
		line = strndup(p, n);
		if (!line)
			abort();
		if (config_parse_line(line, &key, &value) == 1) {
			FUZZ_ASSERT(*key != '\0' && !strchr(key, '=') && !strchr(key, ' ') &&
				    !strchr(key, '\t'));
			if (db_conninfo_valid(value, msg, sizeof(msg))) {
				char **slot = !t.primary   ? &t.primary
					      : !t.replica ? &t.replica
							   : NULL;

				if (slot)
					*slot = strdup(value);
			}
		}
		free(line);
		p += n + 1;
	}
	if (t.primary && t.replica)
		free(targets_any_writable(&t));
	targets_free(&t);
}

static void command_line(const char *text, size_t len)
{
	char *copy = malloc(len + 1), *argv[MAX_ARGS + 2] = { "pgrepl" };
	int argc = 1;
	struct options o;

	if (!copy)
		abort();
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (char *a = copy; a < copy + len && argc <= MAX_ARGS; a += strlen(a) + 1)
		argv[argc++] = a;
	argv[argc] = NULL;
	if (options_parse(argc, argv, &o) == EXIT_OK && o.command)
		FUZZ_ASSERT(!o.help && !o.version);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A first byte of 0 makes the rest a command line; anything else, a config file. */
	if (size > 0 && data[0] == 0)
		command_line((const char *) data + 1, size - 1);
	else
		config_lines((const char *) data, size);
	return 0;
}

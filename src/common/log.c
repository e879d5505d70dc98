/*
 * log.c — diagnostics in the style of PostgreSQL's client tools.
 */
#include "log.h"

#include "strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *progname = "replab";
static char last_error[1024];

void log_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	progname = slash ? slash + 1 : argv0;
}

const char *log_progname(void)
{
	return progname;
}

const char *log_last_error(void)
{
	return last_error;
}

static void vlog(const char *level, const char *fmt, va_list ap)
{
	char text[sizeof(last_error)];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (strcmp(level, "error") == 0)
		memcpy(last_error, text, sizeof(last_error));
	/* A message may quote a server, a guest or a file: no escape sequence reaches the terminal.
	 */
	fprintf(stderr, "%s: %s: ", progname, level);
	str_print_safe(stderr, text);
	fputc('\n', stderr);
}

#define DEFINE_LOGGER(name, level)      \
	void name(const char *fmt, ...) \
	{                               \
		va_list ap;             \
		va_start(ap, fmt);      \
		vlog(level, fmt, ap);   \
		va_end(ap);             \
	}

DEFINE_LOGGER(log_error, "error")
DEFINE_LOGGER(log_warning, "warning")
DEFINE_LOGGER(log_info, "info")
DEFINE_LOGGER(log_detail, "detail")
DEFINE_LOGGER(log_hint, "hint")

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error", fmt, ap);
	va_end(ap);
	exit(1);
}

int usage_error(const char *subcommand, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error", fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: hint: Try \"%s%s%s --help\" for more information.\n", progname,
		progname, subcommand ? " " : "", subcommand ? subcommand : "");
	return EXIT_USAGE;
}

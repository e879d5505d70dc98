/*
 * narrate.c — the explanations pgrepl prints as it works.
 */
#include "narrate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static FILE *out;
static int step_no;

void narrate_init(bool to_stderr)
{
	out = to_stderr ? stderr : stdout;
	step_no = 0;
}

void narrate_step(const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "\n[%d] ", ++step_no);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

void narrate_sql(const char *sql)
{
	const char *line = sql;

	/* Indent every line of a multi-line statement under the prompt. */
	while (*line) {
		size_t len = strcspn(line, "\n");

		fprintf(out, "    %s %.*s\n", line == sql ? "sql>" : "    ", (int) len, line);
		line += len;
		if (*line == '\n')
			line++;
	}
	fflush(out);
}

void narrate(const char *fmt, ...)
{
	va_list ap;

	fputs("    ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

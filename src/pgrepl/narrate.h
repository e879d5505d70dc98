/*
 * narrate.h — the explanations pgrepl prints as it works: numbered steps,
 * the SQL it runs, and what the results mean.  They go to stdout, or to
 * stderr when stdout carries the JSON document.
 */
#ifndef PGREPL_NARRATE_H
#define PGREPL_NARRATE_H

#include "log.h"

#include <stdbool.h>

void narrate_init(bool to_stderr);

/* "\n[3] Title" — a new numbered step. */
void narrate_step(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* The SQL about to run, shown as a psql user would type it. */
void narrate_sql(const char *sql);

/* One indented line of explanation or result. */
void narrate(const char *fmt, ...) PRINTF_LIKE(1, 2);

#endif

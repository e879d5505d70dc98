/*
 * log.h — diagnostics in the style of PostgreSQL's client tools.
 *
 * Every message goes to stderr as "progname: level: text".  log_error says
 * what failed; log_detail and log_hint may follow it with the why and the
 * what-to-do.  fatal() logs an error and exits with status 1.
 */
#ifndef REPLAB_LOG_H
#define REPLAB_LOG_H

#include <stdarg.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/*
 * Exit statuses of both programs.  PostgreSQL's client tools exit 1 for a
 * usage error too; ours exit 2 for one, so a script tells a mistyped
 * command from a failed one.
 */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

void log_init(const char *argv0);
const char *log_progname(void);

/* Text of the latest log_error() or fatal() message, "" when none. */
const char *log_last_error(void);

void log_error(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_warning(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_info(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_detail(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_hint(const char *fmt, ...) PRINTF_LIKE(1, 2);
_Noreturn void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2);

/*
 * Report a usage error with the hint 'Try "PROG [SUBCOMMAND] --help"'
 * (subcommand may be NULL); returns EXIT_USAGE.
 */
int usage_error(const char *subcommand, const char *fmt, ...) PRINTF_LIKE(2, 3);

#endif

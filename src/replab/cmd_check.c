/*
 * cmd_check.c — "replab check HISTORY": the checkers (history/check.h) over
 * any history file, printed for a person or as the "checks" JSON; with the
 * writes found on the surviving server, the acknowledged writes lost and
 * the unknown ones resolved; a history of several runs (records naming
 * their mode, as replica-reads') checked run by run, with the total.
 */
#include "commands.h"
#include "fileread.h"
#include "history/check.h"
#include "history/history.h"
#include "history/runs.h"
#include "history/summary.h"
#include "log.h"
#include "lsn.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOUND_FILE_MAX (64 * 1024 * 1024)
#define FOUND_WRITER   "load" /* a line holding only a seq: pgrepl load's table */

const char cmd_check_help[] =
	"Usage: replab check HISTORY [--found FILE [--at-loss RECEIVED,FLUSHED,REPLAYED]]\n"
	"                    [--json]\n"
	"\n"
	"Checks a history (an experiment's NAME.history.jsonl: one line per client\n"
	"operation) and prints what it finds: stale reads (a read that missed a write\n"
	"acknowledged before it was sent), read-your-writes violations (a session not\n"
	"seeing its own acknowledged write), monotonic-read violations (a session\n"
	"seeing less than its previous read did), and the staleness of every read in\n"
	"ms and in bytes of WAL behind, with a histogram.\n"
	"\n"
	"  --found FILE   the writes found on the surviving server, one a line:\n"
	"                 \"WRITER SEQ\", or only \"SEQ\" for the writer \"load\" (e.g.\n"
	"                 replab psql replica -At -c 'SELECT id FROM load_test');\n"
	"                 adds the acknowledged writes lost and resolves the unknown\n"
	"                 ones (committed or not)\n"
	"  --at-loss R,F,P  the standby's received, flushed and replayed WAL positions\n"
	"                 when the primary died (\"0/3000480,0/3000380,0/3000200\"):\n"
	"                 each lost write's stage\n"
	"  --json         print the checks as JSON (an experiment's \"checks\")\n"
	"\n"
	"Anomalies are findings, not failures: the exit status is 0 once the history\n"
	"is checked, 1 when a file cannot be read or is malformed.\n";

/* The writes found: ids pointing into text, the file's lines cut in place. */
struct found_file {
	char *text;
	struct history_id *ids;
	size_t n;
};

static bool found_line(struct found_file *ff, char *line, const char *path, size_t lineno)
{
	char *space = strchr(line, ' '), *seq = space ? space + 1 : line, *end;
	long long v;

	if (space)
		*space = '\0';
	errno = 0;
	v = strtoll(seq, &end, 10);
	if (seq[0] < '0' || seq[0] > '9' || *end || errno || v < 1 || v > HISTORY_SEQ_MAX ||
	    space == line) {
		log_error("%s line %zu: expected \"WRITER SEQ\" or \"SEQ\" (a whole number from 1)",
			  path, lineno);
		return false;
	}
	ff->ids[ff->n++] = (struct history_id){ space ? line : FOUND_WRITER, v };
	return true;
}

static bool found_read(struct found_file *ff, const char *path)
{
	size_t len, lines = 1;
	char *p;

	memset(ff, 0, sizeof(*ff));
	if (!(ff->text = file_read_all(path, FOUND_FILE_MAX, &len))) {
		log_error("could not read %s: %s", path,
			  errno == EFBIG ? "larger than 64 MiB" : strerror(errno));
		return false;
	}
	if (strlen(ff->text) != len) {
		log_error("%s holds a NUL byte: expected lines of text", path);
		return false;
	}
	for (size_t i = 0; i < len; i++)
		lines += ff->text[i] == '\n';
	if (!(ff->ids = calloc(lines, sizeof(*ff->ids))))
		fatal("out of memory");
	p = ff->text;
	for (size_t lineno = 1; *p; lineno++) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		if (nl && nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (*p && !found_line(ff, p, path, lineno))
			return false;
		p = nl ? nl + 1 : p + strlen(p);
	}
	return true;
}

/* "R,F,P" into at; false after a usage error. */
static bool parse_at_loss(const char *value, struct standby_positions *at)
{
	char buf[3 * LSN_TEXT_MAX + 2], *f, *p;

	if (strlen(value) < sizeof(buf)) {
		strcpy(buf, value);
		f = strchr(buf, ',');
		p = f ? strchr(f + 1, ',') : NULL;
		if (p) {
			*f++ = '\0';
			*p++ = '\0';
			if (lsn_parse(buf, &at->received) && lsn_parse(f, &at->flushed) &&
			    lsn_parse(p, &at->replayed))
				return true;
		}
	}
	usage_error("check",
		    "invalid --at-loss \"%s\": three WAL positions, e.g. "
		    "0/3000480,0/3000380,0/3000200",
		    value);
	return false;
}

/* The run's name for a person: its mode, and its delay when it has one. */
static void print_run_name(const struct history_run *run)
{
	printf("%s%s%s", run->mode ? run->mode : "(no mode)", run->delay ? ", delay " : "",
	       run->delay ? run->delay : "");
}

/* The runs' total (history_runs_total's) as text. */
static void print_total(const json_t *total)
{
	static const struct {
		const char *key, *what;
	} counts[] = { { "lost_writes", "lost writes" },
		       { "unknown_writes", "unknown writes" },
		       { "stale_reads", "stale reads" },
		       { "read_your_writes", "read-your-writes violations" },
		       { "monotonic_reads", "monotonic-read violations" } };

	printf("total: %lld operations",
	       (long long) json_integer_value(json_object_get(total, "operations")));
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++)
		if (json_object_get(total, counts[k].key))
			printf("; %s %lld", counts[k].what,
			       (long long) json_integer_value(
				       json_object_get(json_object_get(total, counts[k].key),
						       "count")));
	putchar('\n');
}

/*
 * The checks of h, run by run when its records name their runs:
 * {"runs": [{"mode", "delay", "checks"}], "total"}, else history_check's
 * object; printed as JSON or for a person.
 */
static void check_and_print(const struct history *h, const struct history_found *found,
			    const struct standby_positions *at, bool json)
{
	struct history_runs runs;
	json_t *out, *list, *all = json_array();

	history_runs(h, &runs);
	for (size_t i = 0; i < runs.n; i++)
		json_array_append_new(all, history_check_run(h, &runs.run[i], found, at, NULL));
	if (!runs.named) {
		out = json_incref(json_array_get(all, 0));
	} else {
		list = json_array();
		for (size_t i = 0; i < runs.n; i++)
			json_array_append_new(list,
					      json_pack("{s:s?,s:s?,s:O}", "mode", runs.run[i].mode,
							"delay", runs.run[i].delay, "checks",
							json_array_get(all, i)));
		out = json_pack("{s:o,s:o}", "runs", list, "total", history_runs_total(all));
	}
	if (json) {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
		putchar('\n');
	} else if (!runs.named) {
		history_print_checks(stdout, out, h);
	} else {
		for (size_t i = 0; i < runs.n; i++) {
			printf("run %zu of %zu: ", i + 1, runs.n);
			print_run_name(&runs.run[i]);
			printf(" (%zu operations)\n", runs.run[i].n);
			history_print_checks(stdout, json_array_get(all, i), h);
			putchar('\n');
		}
		print_total(json_object_get(out, "total"));
	}
	json_decref(out);
	json_decref(all);
	history_runs_free(&runs);
}

int cmd_check(const struct verb_args *a)
{
	static const struct option longopts[] = {
		{ "found", required_argument, NULL, 'f' },
		{ "at-loss", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *found_path = NULL;
	struct standby_positions at;
	struct found_file ff = { 0 };
	struct history_found found;
	struct history h;
	bool json = false, has_at = false;
	int c, rc = EXIT_FAIL;

	while ((c = getopt_long(a->argc, a->argv, "", longopts, NULL)) != -1) {
		if (c == 'f')
			found_path = optarg;
		else if (c == 'a' && !parse_at_loss(optarg, &at))
			return EXIT_USAGE;
		else if (c == 'j')
			json = true;
		else if (c != 'a')
			return usage_error("check", "unknown option or missing value: \"%s\"",
					   a->argv[optind - 1]);
		has_at = has_at || c == 'a';
	}
	if (optind != a->argc - 1)
		return usage_error("check", "give one history file");
	if (has_at && !found_path)
		return usage_error("check", "--at-loss needs --found: the stages are the losses'");
	history_init(&h);
	if (!history_read_file(&h, a->argv[optind])) {
		log_hint("a history has one JSON object a line, one per operation, as an "
			 "experiment writes into NAME.history.jsonl");
	} else if (found_path && !found_read(&ff, found_path)) {
		log_hint("--found takes the ids found, one a line: \"WRITER SEQ\" or \"SEQ\"");
	} else {
		found = (struct history_found){ ff.ids, ff.n };
		check_and_print(&h, found_path ? &found : NULL, has_at ? &at : NULL, json);
		rc = EXIT_OK;
	}
	free(ff.text);
	free(ff.ids);
	history_free(&h);
	return rc;
}

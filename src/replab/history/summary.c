/*
 * summary.c — a history's checks as text (summary.h): one paragraph per
 * checker, its count first, then where the first anomalies are.
 */
#include "history/summary.h"

#define HISTOGRAM_BAR 40 /* characters of the longest bar */

static long long count(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static double number(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static const char *text(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

static void print_outcomes(FILE *f, const char *what, const json_t *o)
{
	fprintf(f, "%s %lld ok, %lld failed, %lld unknown", what, count(o, "ok"), count(o, "fail"),
		count(o, "unknown"));
}

static void print_lost(FILE *f, const json_t *lost)
{
	const json_t *by = json_object_get(lost, "by_stage"), *e;
	size_t i;

	if (!lost) {
		fprintf(f, "lost writes: not checked (give the writes found on the surviving "
			   "server)\n");
		return;
	}
	fprintf(f, "lost writes: %lld acknowledged, not on the server", count(lost, "count"));
	if (count(lost, "count") > 0)
		fprintf(f, " (%lld rows, %lld bytes of WAL, %.1f ms of acknowledgements)",
			count(lost, "rows"), count(lost, "wal_bytes"), number(lost, "ms"));
	fputc('\n', f);
	if (by && count(lost, "count") > 0)
		fprintf(f,
			"  where the standby had them: %lld not received, %lld received but not "
			"flushed, %lld flushed but not replayed%s\n",
			count(by, "not_received"), count(by, "received_not_flushed"),
			count(by, "flushed_not_replayed"),
			json_object_get(by, "replayed") ? ", and some replayed" : "");
	json_array_foreach(json_object_get(lost, "first"), i, e) {
		if (i == HISTORY_SUMMARY_SHOWN)
			break;
		fprintf(f, "  %s %lld at %s%s%s%s\n", text(e, "writer"), count(e, "seq"),
			json_is_string(json_object_get(e, "lsn")) ? text(e, "lsn") : "(no lsn)",
			json_object_get(e, "stage") ? " (" : "",
			json_object_get(e, "stage") ? text(e, "stage") : "",
			json_object_get(e, "stage") ? ")" : "");
	}
}

static void print_unknown(FILE *f, const json_t *u)
{
	fprintf(f, "unknown writes: %lld", count(u, "count"));
	if (count(u, "unresolved") > 0)
		fprintf(f, ", unresolved (give the writes found on the server to resolve them)");
	else if (count(u, "count") > 0)
		fprintf(f, ": %lld committed, %lld not committed", count(u, "committed"),
			count(u, "not_committed"));
	fputc('\n', f);
}

/* One kind of read anomaly: its count and where its first ones are. */
static void print_reads(FILE *f, const char *what, const json_t *an, const struct history *h)
{
	const json_t *e;
	size_t i;

	fprintf(f, "%s: %lld\n", what, count(an, "count"));
	json_array_foreach(json_object_get(an, "first"), i, e) {
		size_t at = (size_t) count(e, "i");
		const char *server = h && at < h->n ? h->records[at].server : NULL;

		if (i == HISTORY_SUMMARY_SHOWN)
			break;
		fprintf(f, "  read %zu by %s%s%s%s at %.1f ms saw %s up to %lld", at,
			text(e, "session"), server ? " (on " : "", server ? server : "",
			server ? ")" : "", number(e, "sent_ms"), text(e, "writer"),
			count(e, "seen"));
		if (json_object_get(e, "previous"))
			fprintf(f, " after its read %lld saw %lld\n", count(e, "previous_i"),
				count(e, "previous"));
		else
			fprintf(f, ", %lld acknowledged\n", count(e, "acked"));
	}
}

static void print_staleness(FILE *f, const json_t *s)
{
	const json_t *ms = json_object_get(s, "ms"), *bytes = json_object_get(s, "bytes"), *bin;
	long long most = 1;
	size_t i;

	fprintf(f, "staleness of %lld ok reads:", count(s, "reads"));
	if (count(s, "reads") == 0) {
		fputc('\n', f);
		return;
	}
	fprintf(f, " ms p50 %.1f, p99 %.1f, max %.1f;", number(ms, "p50"), number(ms, "p99"),
		number(ms, "max"));
	if (json_is_integer(json_object_get(bytes, "max")))
		fprintf(f, " bytes behind p50 %lld, p99 %lld, max %lld\n", count(bytes, "p50"),
			count(bytes, "p99"), count(bytes, "max"));
	else
		fprintf(f, " bytes behind not measured (no read has a replay_lsn)\n");
	json_array_foreach(json_object_get(s, "histogram_ms"), i, bin)
		if (json_integer_value(json_array_get(bin, 2)) > most)
			most = json_integer_value(json_array_get(bin, 2));
	json_array_foreach(json_object_get(s, "histogram_ms"), i, bin) {
		long long n = json_integer_value(json_array_get(bin, 2));
		int bar = (int) ((n * HISTOGRAM_BAR + most - 1) / most);
		char range[48];

		snprintf(range, sizeof(range), "[%g, %g) ms",
			 json_number_value(json_array_get(bin, 0)),
			 json_number_value(json_array_get(bin, 1)));
		fprintf(f, "  %-20s %8lld%s%.*s\n", range, n, bar ? " " : "", bar,
			"########################################");
	}
}

void history_print_checks(FILE *f, const json_t *checks, const struct history *h)
{
	fprintf(f, "%lld operations: ", count(checks, "operations"));
	print_outcomes(f, "writes", json_object_get(checks, "writes"));
	print_outcomes(f, "; reads", json_object_get(checks, "reads"));
	fputc('\n', f);
	print_lost(f, json_object_get(checks, "lost_writes"));
	print_unknown(f, json_object_get(checks, "unknown_writes"));
	print_reads(f, "stale reads", json_object_get(checks, "stale_reads"), h);
	print_reads(f, "read-your-writes violations", json_object_get(checks, "read_your_writes"),
		    h);
	print_reads(f, "monotonic-read violations", json_object_get(checks, "monotonic_reads"), h);
	print_staleness(f, json_object_get(checks, "staleness"));
}

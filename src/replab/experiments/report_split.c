/*
 * report_split.c — the split-brain experiment for "replab report": each
 * row id as a mark on three lines (the old primary before the rewind, the
 * new primary, the old primary after the rewind), coloured by where the row
 * was written, so the fork and what the rewind threw away show at a glance.
 *
 * Data file: rows.dat ("id<TAB>line<TAB>colour", numbers only).
 */
#include "report.h"

#include "lab/jsonfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ROW_ID_MAX 1000000000000000LL

/* "ID" or "ID:where" into the id and a colour: 1 old primary, 2 new primary, 0 before the split. */
static bool parse_row(const char *row, long long *id, int *colour)
{
	const char *colon = strchr(row, ':');
	char *end;

	if (!(*row >= '0' && *row <= '9') && *row != '-')
		return false;
	errno = 0;
	*id = strtoll(row, &end, 10);
	if (errno != 0 || end == row || (*end != '\0' && end != colon) || *id < -ROW_ID_MAX ||
	    *id > ROW_ID_MAX)
		return false;
	*colour = !colon				  ? 0
		  : strcmp(colon + 1, "old primary") == 0 ? 1
		  : strcmp(colon + 1, "new primary") == 0 ? 2
							  : 0;
	return true;
}

static bool rows(const struct report *r, FILE *data, json_t *list, const char *key, int line)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v) {
		const char *row = json_string_value(v);
		long long id;
		int colour;

		if (!row || !parse_row(row, &id, &colour)) {
			report_invalid(r,
				       "summary.rows.%s[%zu] is not a row (\"ID:where it was "
				       "written\")",
				       key, i);
			return false;
		}
		fprintf(data, "%lld\t%d\t%d\n", id, line, colour);
	}
	return true;
}

enum report_result report_split(struct report *r, json_t *doc)
{
	json_t *summary = json_object_get(doc, "summary"), *sides;
	json_t *old_primary, *new_primary, *after_rewind;
	bool bad = false;
	FILE *data;

	if (summary && !json_is_null(summary) && !json_is_object(summary))
		return report_invalid(r, "summary is not an object");
	sides = json_object_get(summary, "rows");
	if (!sides || json_is_null(sides))
		return REPORT_EMPTY;
	if (!json_is_object(sides))
		return report_invalid(r, "summary.rows is not an object");
	old_primary = report_array(r, sides, "old_primary", "summary.rows", REPORT_MAX_POINTS,
				   &bad);
	new_primary = report_array(r, sides, "new_primary", "summary.rows", REPORT_MAX_POINTS,
				   &bad);
	after_rewind = report_array(r, sides, "after_rewind", "summary.rows", REPORT_MAX_POINTS,
				    &bad);
	if (bad)
		return REPORT_INVALID;
	if (json_array_size(old_primary) + json_array_size(new_primary) +
		    json_array_size(after_rewind) ==
	    0)
		return REPORT_EMPTY;
	data = report_data(r, "rows.dat");
	if (!rows(r, data, old_primary, "old_primary", 3) ||
	    !rows(r, data, new_primary, "new_primary", 2) ||
	    !rows(r, data, after_rewind, "after_rewind", 1))
		return REPORT_INVALID;
	fputs("set title 'split-brain: the rows each side had'\nset xlabel 'row id'\n"
	      "set ytics ('old primary after the rewind' 1, 'new primary' 2, 'old primary before' "
	      "3)\n"
	      "set yrange [0.5:3.5]\nset key outside bottom center horizontal\n"
	      "set palette defined (0 'gray', 1 'red', 2 'blue')\nset cbrange [0:2]\nunset "
	      "colorbox\n",
	      r->gp);
	fputs("plot 'rows.dat' using 1:2:3 with points pt 7 ps 0.8 lc palette notitle,"
	      " NaN with points pt 7 lc rgb 'gray' title 'before the split',"
	      " NaN with points pt 7 lc rgb 'red' title 'written on the old primary',"
	      " NaN with points pt 7 lc rgb 'blue' title 'written on the new primary'\n",
	      r->gp);
	return REPORT_DRAWN;
}

/*
 * sqlrows.c — query results as JSON rows, their shape checked, their fields
 * typed (see sqlrows.h).
 */
#define _GNU_SOURCE
#include "sqlrows.h"

#include "log.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

char *sql_rows_query(const char *query)
{
	char *sql;

	if (asprintf(&sql, "SELECT coalesce(json_agg(q), '[]') FROM (%s) AS q", query) < 0)
		fatal("out of memory");
	return sql;
}

json_t *sql_rows_parse(const char *text)
{
	json_t *rows = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	json_t *row;
	size_t i;

	if (!json_is_array(rows)) {
		json_decref(rows);
		return NULL;
	}
	json_array_foreach(rows, i, row) {
		if (!json_is_object(row)) {
			json_decref(rows);
			return NULL;
		}
	}
	return rows;
}

/* The field count of the first row that does not have nfields, else of the first row (0: none). */
static size_t fields_seen(const json_t *rows, size_t nfields)
{
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row) {
		if (json_object_size(row) != nfields)
			return json_object_size(row);
	}
	return json_object_size(json_array_get(rows, 0));
}

bool sql_rows_check(const json_t *rows, const char *what, long nrows, size_t nfields)
{
	size_t got_rows = json_array_size(rows), got_fields = fields_seen(rows, nfields);
	char expected[32];

	assert(nrows >= SQL_ANY_ROWS);
	if ((nrows == SQL_ANY_ROWS || (size_t) nrows == got_rows) &&
	    (got_fields == nfields || got_rows == 0))
		return true;
	if (nrows == SQL_ANY_ROWS)
		snprintf(expected, sizeof(expected), "any number of");
	else
		snprintf(expected, sizeof(expected), "%ld", nrows);
	log_error("could not %s: got %zu rows and %zu fields, expected %s rows and %zu fields",
		  what, got_rows, got_fields, expected, nfields);
	return false;
}

const json_t *sql_row(const json_t *rows, size_t i)
{
	return json_array_get(rows, i);
}

const char *sql_text(const json_t *row, const char *field)
{
	return json_string_value(json_object_get(row, field));
}

bool sql_int(const json_t *row, const char *field, long long *out)
{
	json_t *v = json_object_get(row, field);

	if (!json_is_integer(v))
		return false;
	*out = (long long) json_integer_value(v);
	return true;
}

bool sql_bool(const json_t *row, const char *field, bool *out)
{
	json_t *v = json_object_get(row, field);

	if (!json_is_boolean(v))
		return false;
	*out = json_is_true(v);
	return true;
}

bool sql_lsn(const json_t *row, const char *field, lsn_t *out)
{
	const char *text = sql_text(row, field);

	return text && lsn_parse(text, out);
}

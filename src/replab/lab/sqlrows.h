/*
 * sqlrows.h — the rows a query returned, as data.  The server hands them
 * over as JSON (sql_rows_query wraps the query in json_agg), one object per
 * row keyed by column name; every result's shape is checked before it is
 * read, and fields are read through typed accessors, so no caller splits
 * psql's text.
 */
#ifndef REPLAB_SQLROWS_H
#define REPLAB_SQLROWS_H

#include "lsn.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* For sql_rows_check: any number of rows. */
#define SQL_ANY_ROWS (-1)

/*
 * The statement that makes the server print query's rows as one JSON array
 * ("[]" for none).  query must be a single SELECT (or VALUES) without a
 * trailing semicolon, its columns with distinct names.  The caller frees it.
 */
char *sql_rows_query(const char *query);

/*
 * What the server printed for such a statement: the rows, or NULL when it
 * is not a JSON array of objects with distinct keys.
 */
json_t *sql_rows_parse(const char *text);

/*
 * Does rows hold nrows rows (SQL_ANY_ROWS: any number) of nfields fields
 * each?  If not, logs "could not WHAT: got N rows and M fields, expected R
 * rows and F fields", as PostgreSQL's client tools do, and returns false.
 */
bool sql_rows_check(const json_t *rows, const char *what, long nrows, size_t nfields);

/* Row i of rows, or NULL. */
const json_t *sql_row(const json_t *rows, size_t i);

/* A field as text; NULL when it is SQL NULL, absent or not text. */
const char *sql_text(const json_t *row, const char *field);

/* A field as a whole number (integer and numeric columns); false for anything else. */
bool sql_int(const json_t *row, const char *field, long long *out);

/* A boolean field; false when it is not a boolean. */
bool sql_bool(const json_t *row, const char *field, bool *out);

/* A pg_lsn field ("16/B374D848"); false when it is not one. */
bool sql_lsn(const json_t *row, const char *field, lsn_t *out);

#endif

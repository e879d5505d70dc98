/*
 * lsn.h — PostgreSQL log sequence numbers ("16/B374D848") as 64-bit byte
 * positions in the write-ahead log, and the arithmetic on them.
 */
#ifndef REPLAB_LSN_H
#define REPLAB_LSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t lsn_t;

#define LSN_TEXT_MAX 18 /* "FFFFFFFF/FFFFFFFF" plus the terminator */

/* Parse "X/Y" (hex, as PostgreSQL prints pg_lsn).  False on anything else. */
bool lsn_parse(const char *text, lsn_t *out);

/* Format as PostgreSQL does; buf must hold LSN_TEXT_MAX bytes. */
void lsn_format(lsn_t lsn, char *buf);

/* a - b in bytes, negative when b is ahead (like pg_wal_lsn_diff). */
int64_t lsn_diff(lsn_t a, lsn_t b);

#endif

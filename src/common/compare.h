/*
 * compare.h — qsort comparators shared by the programs.
 */
#ifndef REPLAB_COMPARE_H
#define REPLAB_COMPARE_H

/* Two doubles, for sorting ascending (latencies, per-trial figures). */
int compare_doubles(const void *a, const void *b);

#endif

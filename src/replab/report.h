/*
 * report.h — the drawings of "replab report": each writes gnuplot data to
 * data and the plot commands to gp (after the output settings), for one
 * kind of experiment.  They return false when the document has nothing
 * they can draw.
 */
#ifndef REPLAB_REPORT_H
#define REPLAB_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* Lag over time (or the client's writes per second), events marked. */
bool report_timeline(json_t *doc, FILE *data, FILE *gp, const char *data_path);

/* rpo: per mode, commit latency p50/p99 and acknowledged writes lost. */
bool report_rpo(json_t *doc, FILE *data, FILE *gp, const char *data_path);

/* split-brain: which rows each side had, and what the rewind left. */
bool report_split(json_t *doc, FILE *data, FILE *gp, const char *data_path);

#endif

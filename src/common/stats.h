/*
 * stats.h — the statistics of repeated trials: an exact 95% interval for a
 * proportion (k trials of n that lost writes), and percentiles of a set of
 * measurements (latencies, detection times, downtimes).
 */
#ifndef REPLAB_STATS_H
#define REPLAB_STATS_H

#include <stddef.h>

/*
 * The 95% interval [*lo, *hi] of a proportion seen k times in n trials
 * (0 <= k <= n, n >= 1): Clopper-Pearson's exact interval (each bound
 * leaves 2.5% out).  With k = 0 only the upper bound is there, and it
 * carries all 5%: 1 - 0.05^(1/n), about 3/n (the rule of three); likewise
 * the lower bound for k = n.
 */
void stats_binomial_ci95(long k, long n, double *lo, double *hi);

/*
 * The interval in words, e.g. "2 of 10 (20%): 95% interval 2.5%-55.6%", or
 * for 0 of 20 "0 of 20: below 13.9% at 95% (rule of three: about 3/20)"
 * (under 10 trials the text says the rule of three does not fit yet).
 */
const char *stats_ci95_text(long k, long n, char *buf, size_t len);

/* The p-th percentile (0 < p <= 100, nearest rank) of sorted[0..n-1]; 0 when n == 0. */
double stats_percentile(const double *sorted, size_t n, double p);

struct stats_spread {
	double p50, p90, p99, max;
};

/* v sorted in place (ascending), and its percentiles (all 0 when n == 0). */
struct stats_spread stats_spread(double *v, size_t n);

#endif

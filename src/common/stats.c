/*
 * stats.c — an exact binomial interval and percentiles (see stats.h).
 */
#include "stats.h"

#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* P(X <= k) for X ~ Binomial(n, p), summed in logarithms (n up to millions). */
static double binomial_cdf(long k, long n, double p)
{
	double sum = 0, log_choose = 0, lp = log(p), lq = log1p(-p);

	if (p <= 0)
		return 1;
	if (p >= 1)
		return k >= n ? 1 : 0;
	for (long i = 0; i <= k; i++) {
		if (i > 0)
			log_choose += log((double) (n - i + 1)) - log((double) i);
		sum += exp(log_choose + (double) i * lp + (double) (n - i) * lq);
	}
	return sum < 1 ? sum : 1;
}

/*
 * The p where P(X <= k) falls to tail (it falls as p grows), by bisection:
 * the upper bound for k; 1 minus the lower bound is the same for n - k - 1
 * with p mirrored.
 */
static double cdf_root(long k, long n, double tail)
{
	double lo = 0, hi = 1;

	for (int i = 0; i < 100; i++) {
		double mid = (lo + hi) / 2;

		if (binomial_cdf(k, n, mid) > tail)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

void stats_binomial_ci95(long k, long n, double *lo, double *hi)
{
	if (n < 1 || k < 0 || k > n) {
		*lo = 0;
		*hi = 1;
		return;
	}
	/* One-sided at the edges: the one bound there is takes the whole 5%. */
	if (k == 0) {
		*lo = 0;
		*hi = 1 - pow(0.05, 1.0 / (double) n);
		return;
	}
	if (k == n) {
		*lo = pow(0.05, 1.0 / (double) n);
		*hi = 1;
		return;
	}
	*hi = cdf_root(k, n, 0.025);
	/* P(X >= k | p) = 0.025 is P(Y <= n - k | 1 - p) = 0.025 with Y the failures. */
	*lo = 1 - cdf_root(n - k, n, 0.025);
}

const char *stats_ci95_text(long k, long n, char *buf, size_t len)
{
	double lo, hi;

	stats_binomial_ci95(k, n, &lo, &hi);
	/* The rule of three (3/n for 1 - 0.05^(1/n)) is within 10% of it from 10 trials on. */
	if (k == 0 && n >= 10)
		snprintf(buf, len, "0 of %ld: below %.1f%% at 95%% (rule of three: about 3/%ld)", n,
			 hi * 100, n);
	else if (k == 0)
		snprintf(buf, len,
			 "0 of %ld: below %.1f%% at 95%% (exact; the rule of three, 3/N, needs "
			 "10 trials or more)",
			 n, hi * 100);
	else
		snprintf(buf, len, "%ld of %ld (%.0f%%): 95%% interval %.1f%%-%.1f%%", k, n,
			 100.0 * (double) k / (double) n, lo * 100, hi * 100);
	return buf;
}

double stats_percentile(const double *sorted, size_t n, double p)
{
	double rank;
	size_t i;

	if (n == 0)
		return 0;
	/* Nearest rank: the smallest value with at least p% of them at or below it. */
	rank = ceil(p / 100 * (double) n);
	i = rank < 1 ? 0 : (size_t) rank - 1;
	return sorted[i < n ? i : n - 1];
}

struct stats_spread stats_spread(double *v, size_t n)
{
	if (n == 0)
		return (struct stats_spread){ 0 };
	qsort(v, n, sizeof(double), compare_doubles);
	return (struct stats_spread){
		.p50 = stats_percentile(v, n, 50),
		.p90 = stats_percentile(v, n, 90),
		.p99 = stats_percentile(v, n, 99),
		.max = v[n - 1],
	};
}

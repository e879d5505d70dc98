/*
 * check.c — the checkers over a history (check.h): the writes against what
 * the surviving server holds, the reads against the writes acknowledged
 * before each read was sent, and the staleness of every read.
 *
 * "Acknowledged before the read was sent" is answered_ms < sent_ms.  A
 * writer commits one write at a time, so what a server shows of it is a
 * prefix: a read that saw seq s of writer w sees exactly w's writes 1..s.
 */
#include "history/check.h"

#include "compare.h"
#include "log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void *alloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		fatal("out of memory");
	return p;
}

void history_mark(struct history_marks *m, enum history_kind k, size_t i)
{
	size_t n;

	if (!m)
		return;
	n = m->n[k];
	if ((n & (n - 1)) == 0 && !(m->at[k] = realloc(m->at[k], (n ? 2 * n : 1) * sizeof(size_t))))
		fatal("out of memory");
	m->at[k][m->n[k]++] = i;
}

void history_marks_free(struct history_marks *marks)
{
	for (int k = 0; k < HISTORY_KINDS; k++)
		free(marks->at[k]);
	memset(marks, 0, sizeof(*marks));
}

/* ---- the acknowledged writes, indexed for the reads ------------------------- */

struct ack {
	size_t w; /* the writer's name id (history_name_id) */
	long long seq;
	double ms; /* answered */
	lsn_t lsn;
};

struct acks {
	size_t nnames;
	struct ack *by_seq;  /* by writer, then seq */
	double *later_min;   /* the least ms of by_seq[j..] of by_seq[j]'s writer */
	struct ack *by_ms;   /* by writer, then ms */
	long long *seq_max;  /* the greatest seq of by_ms[..j] of by_ms[j]'s writer */
	size_t *start, *end; /* per writer: its range in by_seq and by_ms */
	size_t *writers;     /* the writers with acknowledged writes, by id */
	size_t nwriters;
	struct ack *lsns; /* the ok writes with an lsn, by ms (all as writer 0)... */
	lsn_t *lsn_max;	  /* ...and the greatest lsn of lsns[..j] */
	size_t n, nlsn;
};

static int compare_by_seq(const void *a, const void *b)
{
	const struct ack *x = a, *y = b;

	if (x->w != y->w)
		return (x->w > y->w) - (x->w < y->w);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static int compare_by_ms(const void *a, const void *b)
{
	const struct ack *x = a, *y = b;

	if (x->w != y->w)
		return (x->w > y->w) - (x->w < y->w);
	return compare_doubles(&x->ms, &y->ms);
}

static void acks_build(struct acks *a, const struct history *h)
{
	memset(a, 0, sizeof(*a));
	a->nnames = history_names(h);
	a->by_seq = alloc(h->n, sizeof(*a->by_seq));
	a->lsns = alloc(h->n, sizeof(*a->lsns));
	for (size_t i = 0; i < h->n; i++) {
		const struct history_record *r = &h->records[i];

		if (r->op != HISTORY_WRITE || r->outcome != HISTORY_OK)
			continue;
		a->by_seq[a->n++] = (struct ack){ history_name_id(h, r->writer), r->seq,
						  r->answered_ms, r->lsn };
		if (r->has_lsn)
			a->lsns[a->nlsn++] = (struct ack){ 0, r->seq, r->answered_ms, r->lsn };
	}
	a->by_ms = alloc(a->n, sizeof(*a->by_ms));
	memcpy(a->by_ms, a->by_seq, a->n * sizeof(*a->by_ms));
	qsort(a->by_seq, a->n, sizeof(*a->by_seq), compare_by_seq);
	qsort(a->by_ms, a->n, sizeof(*a->by_ms), compare_by_ms);
	a->start = alloc(a->nnames, sizeof(*a->start));
	a->end = alloc(a->nnames, sizeof(*a->end));
	a->later_min = alloc(a->n, sizeof(*a->later_min));
	a->seq_max = alloc(a->n, sizeof(*a->seq_max));
	a->writers = alloc(a->nnames, sizeof(*a->writers));
	for (size_t j = a->n; j-- > 0;) {
		bool last = j + 1 == a->n || a->by_seq[j + 1].w != a->by_seq[j].w;
		double ms = a->by_seq[j].ms;

		a->later_min[j] = last || ms < a->later_min[j + 1] ? ms : a->later_min[j + 1];
		a->start[a->by_seq[j].w] = j;
		if (last)
			a->end[a->by_seq[j].w] = j + 1;
	}
	for (size_t j = 0; j < a->n; j++) {
		bool first = j == 0 || a->by_ms[j - 1].w != a->by_ms[j].w;
		long long s = a->by_ms[j].seq;

		a->seq_max[j] = first || s > a->seq_max[j - 1] ? s : a->seq_max[j - 1];
		if (first)
			a->writers[a->nwriters++] = a->by_ms[j].w;
	}
	qsort(a->lsns, a->nlsn, sizeof(*a->lsns), compare_by_ms);
	a->lsn_max = alloc(a->nlsn, sizeof(*a->lsn_max));
	for (size_t j = 0; j < a->nlsn; j++) {
		lsn_t l = a->lsns[j].lsn;

		a->lsn_max[j] = j == 0 || l > a->lsn_max[j - 1] ? l : a->lsn_max[j - 1];
	}
}

static void acks_free(struct acks *a)
{
	free(a->by_seq);
	free(a->later_min);
	free(a->by_ms);
	free(a->seq_max);
	free(a->start);
	free(a->end);
	free(a->writers);
	free(a->lsns);
	free(a->lsn_max);
}

/* The answer time of writer w's oldest acknowledged write after seq seen; INFINITY: none. */
static double oldest_unseen(const struct acks *a, size_t w, long long seen)
{
	size_t lo = a->start[w], hi = a->end[w], end = hi;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->by_seq[mid].seq > seen)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < end ? a->later_min[lo] : INFINITY;
}

/* How many of v[lo..hi) (by ms) were answered before t. */
static size_t count_before(const struct ack *v, size_t lo, size_t hi, double t)
{
	size_t first = lo;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].ms < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - first;
}

/* Writer w's highest seq acknowledged before t; 0: none. */
static long long acked_before(const struct acks *a, size_t w, double t)
{
	size_t n = count_before(a->by_ms, a->start[w], a->end[w], t);

	return n ? a->seq_max[a->start[w] + n - 1] : 0;
}

/* The highest lsn acknowledged before t; false: none. */
static bool lsn_before(const struct acks *a, double t, lsn_t *lsn)
{
	size_t n = count_before(a->lsns, 0, a->nlsn, t);

	if (n)
		*lsn = a->lsn_max[n - 1];
	return n > 0;
}

/* ---- the reads -------------------------------------------------------------- */

/* The seq r saw of writer (a name of the same history). */
static long long seen_of(const struct history_record *r, const char *writer)
{
	for (size_t i = 0; i < r->nseen; i++)
		if (r->seen[i].writer == writer)
			return r->seen[i].seq;
	return 0;
}

/* A kind of anomaly: how many, and the first few. */
struct anomaly {
	size_t count;
	json_t *first;
};

/*
 * Count one at read i of h about writer, with key: value; its entry while
 * fewer than HISTORY_READS_SHOWN are listed, else NULL.
 */
static json_t *anomaly_add(struct anomaly *an, const struct history *h, size_t i,
			   const char *writer, const char *key, long long value)
{
	const struct history_record *r = &h->records[i];
	json_t *e;

	if (an->count++ >= HISTORY_READS_SHOWN)
		return NULL;
	e = json_pack("{s:I,s:s,s:f,s:s,s:I,s:I}", "i", (json_int_t) i, "session", r->session,
		      "sent_ms", r->sent_ms, "writer", writer, "seen",
		      (json_int_t) seen_of(r, writer), key, (json_int_t) value);
	json_array_append_new(an->first, e);
	return e;
}

static json_t *anomaly_json(struct anomaly *an)
{
	return json_pack("{s:I,s:o}", "count", (json_int_t) an->count, "first", an->first);
}

struct reads {
	struct anomaly stale, ryw, monotonic;
	double *ms, *bytes; /* each ok read's staleness; bytes of those with a replay_lsn */
	size_t n, nbytes;
	struct history_marks *marks; /* NULL: not located */
};

/* Read i against the writes acknowledged before it and its session's previous read. */
static void check_read(struct reads *out, const struct history *h, const struct acks *a, size_t i,
		       size_t *previous)
{
	const struct history_record *r = &h->records[i], *p;
	size_t self = history_name_id(h, r->session), behind = a->nnames;
	double t = r->sent_ms, oldest = INFINITY;
	lsn_t lsn;
	json_t *e;

	for (size_t k = 0; k < a->nwriters; k++) {
		size_t w = a->writers[k];
		double o = oldest_unseen(a, w, seen_of(r, h->names[w]));

		if (o < t && o < oldest) {
			oldest = o;
			behind = w;
		}
		if (o < t && w == self) {
			anomaly_add(&out->ryw, h, i, h->names[w], "acked", acked_before(a, w, t));
			history_mark(out->marks, HISTORY_RYW, i);
		}
	}
	if (behind < a->nnames) {
		anomaly_add(&out->stale, h, i, h->names[behind], "acked",
			    acked_before(a, behind, t));
		history_mark(out->marks, HISTORY_STALE, i);
	}
	out->ms[out->n++] = behind < a->nnames ? t - oldest : 0;
	if (r->has_replay_lsn)
		out->bytes[out->nbytes++] = lsn_before(a, t, &lsn) && lsn > r->replay_lsn
						    ? (double) (lsn - r->replay_lsn)
						    : 0;
	if (previous[self] < h->n) {
		p = &h->records[previous[self]];
		for (size_t k = 0; k < p->nseen; k++) {
			if (seen_of(r, p->seen[k].writer) >= p->seen[k].seq)
				continue;
			e = anomaly_add(&out->monotonic, h, i, p->seen[k].writer, "previous",
					p->seen[k].seq);
			history_mark(out->marks, HISTORY_MONOTONIC, i);
			if (e)
				json_object_set_new(e, "previous_i",
						    json_integer((json_int_t) previous[self]));
			break;
		}
	}
	previous[self] = i;
}

/* p50, p99 and max of v[0..n), sorted here; nulls when n is 0. */
static json_t *spread(double *v, size_t n, bool whole)
{
	qsort(v, n, sizeof(*v), compare_doubles);
	if (n == 0)
		return json_pack("{s:n,s:n,s:n}", "p50", "p99", "max");
	if (whole)
		return json_pack("{s:I,s:I,s:I}", "p50", (json_int_t) v[(n - 1) * 50 / 100], "p99",
				 (json_int_t) v[(n - 1) * 99 / 100], "max", (json_int_t) v[n - 1]);
	return json_pack("{s:f,s:f,s:f}", "p50", v[(n - 1) * 50 / 100], "p99",
			 v[(n - 1) * 99 / 100], "max", v[n - 1]);
}

/* The k-th edge of the histogram's bins: 0, 1, 2, 5, 10, 20, 50, 100... */
static double edge(int k)
{
	static const double steps[] = { 1, 2, 5 };
	double e = k == 0 ? 0 : steps[(k - 1) % 3];

	for (int i = 0; i < (k - 1) / 3; i++)
		e *= 10;
	return e;
}

/* [[lo, hi, count], ...] of sorted v[0..n), up to the bin of the largest. */
static json_t *histogram(const double *v, size_t n)
{
	json_t *bins = json_array();
	size_t j = 0;

	for (int k = 0; j < n; k++) {
		size_t count = 0;

		for (; j < n && v[j] < edge(k + 1); j++)
			count++;
		json_array_append_new(bins, json_pack("[f,f,I]", edge(k), edge(k + 1),
						      (json_int_t) count));
	}
	return bins;
}

static json_t *check_reads(const struct history *h, const struct acks *a,
			   struct history_marks *marks)
{
	struct reads out = { .ms = alloc(h->n, sizeof(double)),
			     .bytes = alloc(h->n, sizeof(double)),
			     .marks = marks };
	size_t *previous = alloc(a->nnames, sizeof(*previous));
	json_t *doc, *ms;

	out.stale.first = json_array();
	out.ryw.first = json_array();
	out.monotonic.first = json_array();
	for (size_t w = 0; w < a->nnames; w++)
		previous[w] = h->n;
	for (size_t i = 0; i < h->n; i++)
		if (h->records[i].op == HISTORY_READ && h->records[i].outcome == HISTORY_OK)
			check_read(&out, h, a, i, previous);
	doc = json_pack("{s:o,s:o,s:o}", "stale_reads", anomaly_json(&out.stale),
			"read_your_writes", anomaly_json(&out.ryw), "monotonic_reads",
			anomaly_json(&out.monotonic));
	ms = spread(out.ms, out.n, false); /* sorts out.ms, as histogram needs */
	json_object_set_new(doc, "staleness",
			    json_pack("{s:I,s:o,s:o,s:o}", "reads", (json_int_t) out.n, "ms", ms,
				      "bytes", spread(out.bytes, out.nbytes, true), "histogram_ms",
				      histogram(out.ms, out.n)));
	free(out.ms);
	free(out.bytes);
	free(previous);
	return doc;
}

/* ---- the writes ------------------------------------------------------------- */

/* The found set as (writer id, seq), sorted: a struct ack with ms unused. */
struct found_set {
	struct ack *ids;
	size_t n;
};

static void found_build(struct found_set *f, const struct history *h,
			const struct history_found *found)
{
	f->ids = alloc(found->n, sizeof(*f->ids));
	f->n = 0;
	for (size_t i = 0; i < found->n; i++) {
		size_t w = history_name_id(h, found->ids[i].writer);

		if (w < history_names(h))
			f->ids[f->n++] = (struct ack){ .w = w, .seq = found->ids[i].seq };
	}
	qsort(f->ids, f->n, sizeof(*f->ids), compare_by_seq);
}

static bool found_has(const struct found_set *f, const struct history *h,
		      const struct history_record *r)
{
	struct ack key = { .w = history_name_id(h, r->writer), .seq = r->seq };

	return bsearch(&key, f->ids, f->n, sizeof(key), compare_by_seq) != NULL;
}

enum stage { NOT_RECEIVED, RECEIVED_NOT_FLUSHED, FLUSHED_NOT_REPLAYED, REPLAYED, STAGES };
static const char *const stage_names[] = { "not_received", "received_not_flushed",
					   "flushed_not_replayed", "replayed" };

static enum stage stage_of(lsn_t lsn, const struct standby_positions *at)
{
	return lsn > at->received   ? NOT_RECEIVED
	       : lsn > at->flushed  ? RECEIVED_NOT_FLUSHED
	       : lsn > at->replayed ? FLUSHED_NOT_REPLAYED
				    : REPLAYED;
}

/* The span of the losses: from lo (its first, or the survivor before it) to hi. */
struct span {
	bool any;
	double lo, hi, before; /* before: the survivor's; -INFINITY when none */
};

static void span_add(struct span *s, double v)
{
	s->lo = s->any && s->lo < v ? s->lo : v;
	s->hi = s->any && s->hi > v ? s->hi : v;
	s->any = true;
}

static void span_survivor(struct span *s, double v)
{
	if (s->any && v < s->lo && v > s->before)
		s->before = v;
}

static double span_size(const struct span *s)
{
	return !s->any ? 0 : s->hi - (isfinite(s->before) ? s->before : s->lo);
}

static json_t *lost_writes(const struct history *h, const struct found_set *f,
			   const struct standby_positions *at, struct history_marks *marks)
{
	json_t *first = json_array(), *lost;
	size_t count = 0, stages[STAGES] = { 0 };
	struct span bytes = { .before = -INFINITY }, ms = { .before = -INFINITY };
	char text[LSN_TEXT_MAX];

	for (size_t i = 0; i < h->n; i++) {
		const struct history_record *r = &h->records[i];
		json_t *e;

		if (r->op != HISTORY_WRITE || r->outcome != HISTORY_OK || found_has(f, h, r))
			continue;
		history_mark(marks, HISTORY_LOST, i);
		span_add(&ms, r->answered_ms);
		if (r->has_lsn) {
			span_add(&bytes, (double) r->lsn);
			if (at)
				stages[stage_of(r->lsn, at)]++;
		}
		if (count++ >= HISTORY_LOST_SHOWN)
			continue;
		lsn_format(r->lsn, text);
		e = json_pack("{s:s,s:I,s:o}", "writer", r->writer, "seq", (json_int_t) r->seq,
			      "lsn", r->has_lsn ? json_string(text) : json_null());
		if (at && r->has_lsn)
			json_object_set_new(e, "stage",
					    json_string(stage_names[stage_of(r->lsn, at)]));
		json_array_append_new(first, e);
	}
	for (size_t i = 0; i < h->n; i++) {
		const struct history_record *r = &h->records[i];

		if (r->op != HISTORY_WRITE || r->outcome != HISTORY_OK || !found_has(f, h, r))
			continue;
		span_survivor(&ms, r->answered_ms);
		if (r->has_lsn)
			span_survivor(&bytes, (double) r->lsn);
	}
	lost = json_pack("{s:I,s:o,s:I,s:o,s:f}", "count", (json_int_t) count, "first", first,
			 "rows", (json_int_t) count, "wal_bytes",
			 count && !bytes.any ? json_null()
					     : json_integer((json_int_t) span_size(&bytes)),
			 "ms", span_size(&ms));
	if (at) {
		json_t *by = json_object();

		for (int s = 0; s < STAGES; s++)
			if (s != REPLAYED || stages[s])
				json_object_set_new(by, stage_names[s],
						    json_integer((json_int_t) stages[s]));
		json_object_set_new(lost, "by_stage", by);
	}
	return lost;
}

/* {"ok", "fail", "unknown"} of the operations op. */
static json_t *outcomes(const struct history *h, enum history_op op)
{
	json_int_t n[3] = { 0 };

	for (size_t i = 0; i < h->n; i++)
		if (h->records[i].op == op)
			n[h->records[i].outcome]++;
	return json_pack("{s:I,s:I,s:I}", "ok", n[HISTORY_OK], "fail", n[HISTORY_FAIL], "unknown",
			 n[HISTORY_UNKNOWN]);
}

static json_t *unknown_writes(const struct history *h, const struct found_set *f,
			      struct history_marks *marks)
{
	json_int_t n = 0, committed = 0;
	json_t *first = json_array(), *doc;

	for (size_t i = 0; i < h->n; i++) {
		const struct history_record *r = &h->records[i];
		bool in;

		if (r->op != HISTORY_WRITE || r->outcome != HISTORY_UNKNOWN)
			continue;
		n++;
		if (!f)
			continue;
		in = found_has(f, h, r);
		committed += in;
		history_mark(marks, in ? HISTORY_COMMITTED : HISTORY_NOT_COMMITTED, i);
		if (json_array_size(first) < HISTORY_LOST_SHOWN)
			json_array_append_new(first,
					      json_pack("{s:s,s:I,s:b}", "writer", r->writer, "seq",
							(json_int_t) r->seq, "committed", in));
	}
	doc = json_pack("{s:I,s:I,s:I,s:I}", "count", n, "committed", committed, "not_committed",
			f ? n - committed : 0, "unresolved", f ? 0 : n);
	if (f)
		json_object_set_new(doc, "first", first);
	else
		json_decref(first);
	return doc;
}

json_t *history_check(const struct history *h, const struct history_found *found,
		      const struct standby_positions *at_loss)
{
	return history_check_marked(h, found, at_loss, NULL);
}

json_t *history_check_marked(const struct history *h, const struct history_found *found,
			     const struct standby_positions *at_loss, struct history_marks *marks)
{
	json_t *doc = json_pack("{s:I,s:o,s:o}", "operations", (json_int_t) h->n, "writes",
				outcomes(h, HISTORY_WRITE), "reads", outcomes(h, HISTORY_READ));
	struct found_set f = { 0 };
	struct acks a;
	json_t *reads;

	if (!doc)
		fatal("out of memory");
	if (marks)
		memset(marks, 0, sizeof(*marks));
	if (found) {
		found_build(&f, h, found);
		json_object_set_new(doc, "lost_writes", lost_writes(h, &f, at_loss, marks));
	}
	json_object_set_new(doc, "unknown_writes", unknown_writes(h, found ? &f : NULL, marks));
	free(f.ids);
	acks_build(&a, h);
	reads = check_reads(h, &a, marks);
	acks_free(&a);
	json_object_update(doc, reads);
	json_decref(reads);
	return doc;
}

/*
 * cmd_report.c — "replab report FILE": an experiment's result as a PNG,
 * drawn by gnuplot (report_*.c: what is drawn for which experiment).
 *
 * gnuplot gets data, never code: the drawings write numbers and printable
 * labels into data files and a script of our own text that names them by
 * fixed names.  All of it goes into a private directory made for the run,
 * where gnuplot runs; the PNG comes out on gnuplot's standard output into a
 * temporary file beside FILE.png, renamed into place once it is complete.
 * Neither the document's strings nor the file's name enter the script.
 */
#define _GNU_SOURCE
#include "child.h"
#include "commands.h"
#include "lab/jsonfile.h"
#include "log.h"
#include "experiments/report.h"
#include "fileread.h"
#include "history/history.h"
#include "strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REPORT_JSON_MAX	  (64 * 1024 * 1024) /* far above any experiment's result */
#define SCRIPT_NAME	  "plot.gp"
#define GNUPLOT_LOG	  "gnuplot.log"
#define GNUPLOT_LOG_SHOWN 4096 /* bytes of gnuplot's messages shown when it fails */

/* Where gnuplot runs, and what becomes its standard output and error. */
struct gnuplot_run {
	const char *dir;
	int out;
	int err;
};

static bool gnuplot_prepare(void *arg)
{
	const struct gnuplot_run *g = arg;
	int null = open("/dev/null", O_RDONLY);

	return null >= 0 && dup2(null, STDIN_FILENO) >= 0 && chdir(g->dir) == 0 &&
	       dup2(g->out, STDOUT_FILENO) >= 0 && dup2(g->err, STDERR_FILENO) >= 0;
}

/* All of text to fd; false when a write failed. */
static bool write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		text += n;
		len -= (size_t) n;
	}
	return true;
}

static bool write_file(int dirfd, const char *name, const char *text, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	bool ok = fd >= 0;

	ok = ok && write_all(fd, text, len);
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	return ok;
}

/* The script and the data files into dir; false with errno set. */
static bool write_plot(int dirfd, const struct report *r)
{
	if (!write_file(dirfd, SCRIPT_NAME, r->gp_text, r->gp_len))
		return false;
	for (int i = 0; i < r->nfiles; i++)
		if (!write_file(dirfd, r->files[i].name, r->files[i].text, r->files[i].len))
			return false;
	return true;
}

static void remove_dir(int dirfd, const char *dir, const struct report *r)
{
	unlinkat(dirfd, SCRIPT_NAME, 0);
	unlinkat(dirfd, GNUPLOT_LOG, 0);
	for (int i = 0; i < r->nfiles; i++)
		unlinkat(dirfd, r->files[i].name, 0);
	close(dirfd);
	rmdir(dir);
}

/* The end of what gnuplot said, made safe for the terminal. */
static void show_gnuplot_log(int dirfd)
{
	int fd = openat(dirfd, GNUPLOT_LOG, O_RDONLY | O_CLOEXEC);
	char text[GNUPLOT_LOG_SHOWN];
	struct stat st;
	ssize_t n;
	char *safe;

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && st.st_size > (off_t) sizeof(text))
		lseek(fd, st.st_size - (off_t) sizeof(text), SEEK_SET);
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n <= 0)
		return;
	safe = str_sanitize_terminal(text, (size_t) n, true);
	fprintf(stderr, "--- gnuplot's messages:\n%s%s---\n", safe,
		text[n - 1] == '\n' ? "" : "\n");
	free(safe);
}

static bool is_png(int fd)
{
	static const char magic[8] = "\x89PNG\r\n\x1a\n";
	char head[8];

	return pread(fd, head, sizeof(head), 0) == (ssize_t) sizeof(head) &&
	       memcmp(head, magic, sizeof(head)) == 0;
}

/* Run gnuplot on the plot in a private directory; the PNG into png. */
static int draw(const struct report *r, const char *json_path, const char *png)
{
	const char *tmpdir = getenv("TMPDIR");
	char dir[PATH_MAX], tmp_png[PATH_MAX];
	struct gnuplot_run g = { .dir = dir, .out = -1, .err = -1 };
	int dirfd, rc = -1;
	mode_t mask;
	pid_t pid;

	xsnprintf(dir, sizeof(dir), "%s/replab-report.XXXXXX",
		  tmpdir && tmpdir[0] == '/' ? tmpdir : "/tmp");
	if (!mkdtemp(dir)) {
		log_error("could not create a temporary directory in %s: %s",
			  tmpdir && tmpdir[0] == '/' ? tmpdir : "/tmp", strerror(errno));
		return EXIT_FAIL;
	}
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || !write_plot(dirfd, r)) {
		log_error("could not write the plot's files in %s: %s", dir, strerror(errno));
		if (dirfd >= 0)
			remove_dir(dirfd, dir, r);
		return EXIT_FAIL;
	}
	xsnprintf(tmp_png, sizeof(tmp_png), "%s.XXXXXX", png);
	g.out = mkostemp(tmp_png, O_CLOEXEC);
	g.err = openat(dirfd, GNUPLOT_LOG, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       0600);
	if (g.out < 0 || g.err < 0)
		log_error("could not write next to %s: %s", png, strerror(errno));
	else if ((pid = child_start((char *[]){ "gnuplot", SCRIPT_NAME, NULL }, NULL,
				    gnuplot_prepare, &g)) < 0)
		log_hint("is gnuplot installed? (make deps)");
	else
		rc = child_wait(pid);
	if (rc == 0 && is_png(g.out)) {
		mask = umask(0);
		umask(mask);
		if (fchmod(g.out, 0666 & ~mask) != 0 || rename(tmp_png, png) != 0) {
			log_error("could not write %s: %s", png, strerror(errno));
			rc = -1;
		}
	} else if (rc >= 0) {
		log_error("gnuplot could not draw %s%s", json_path,
			  rc == 0 ? " (it wrote no PNG)" : "");
		show_gnuplot_log(dirfd);
		rc = -1;
	}
	if (g.err >= 0)
		close(g.err);
	if (g.out >= 0) {
		close(g.out);
		if (rc != 0)
			unlink(tmp_png);
	}
	remove_dir(dirfd, dir, r);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

/* Write text to path through a temporary file beside it, renamed into place. */
static bool write_beside(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX];
	mode_t mask = umask(0);
	int fd;
	bool ok;

	umask(mask);
	xsnprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return false;
	ok = fchmod(fd, 0666 & ~mask) == 0;
	ok = ok && write_all(fd, text, len);
	ok = close(fd) == 0 && ok && rename(tmp, path) == 0;
	if (!ok)
		unlink(tmp);
	return ok;
}

/* The pictures of a run, in the page's order. */
#define PICTURES	2
#define HISTORY_PICTURE 1
static const struct {
	const char *suffix; /* FILE<suffix>.png */
	const char *caption;
} pictures[PICTURES] = {
	{ "", "the experiment" },
	{ "-history", "the history: every client operation by time and session" },
};

/*
 * The page with every PNG drawn (drawn[i]: pngs[i] exists), into html; a,
 * when the history was drawn, its anomalies beside it.
 */
static int write_page(const json_t *doc, const char *file, const char *html,
		      char pngs[PICTURES][PATH_MAX], const bool drawn[PICTURES],
		      const struct report_anomalies *a)
{
	struct report_image images[PICTURES];
	char *data[PICTURES] = { NULL }, *page = NULL, *table = NULL;
	const char *base = strrchr(file, '/');
	int n = 0, rc = EXIT_OK;
	size_t page_len, table_len;
	FILE *f;

	if (drawn[HISTORY_PICTURE]) {
		if (!(f = open_memstream(&table, &table_len)))
			fatal("out of memory");
		report_anomalies_html(f, a);
		if (fclose(f) != 0)
			fatal("out of memory");
	}
	for (int i = 0; i < PICTURES && rc == EXIT_OK; i++) {
		const char *png_base = strrchr(pngs[i], '/');

		if (!drawn[i])
			continue;
		images[n] = (struct report_image){ .caption = pictures[i].caption,
						   .file = png_base ? png_base + 1 : pngs[i],
						   .beside = i == HISTORY_PICTURE ? table : NULL };
		if (!(data[i] = file_read_all(pngs[i], REPORT_JSON_MAX, &images[n].len))) {
			log_error("could not read back %s: %s", pngs[i], strerror(errno));
			rc = EXIT_FAIL;
		}
		images[n++].png = (const unsigned char *) data[i];
	}
	if (rc == EXIT_OK) {
		if (!(f = open_memstream(&page, &page_len)))
			fatal("out of memory");
		report_html(f, doc, base ? base + 1 : file, images, n);
		if (fclose(f) != 0)
			fatal("out of memory");
		if (!write_beside(html, page, page_len)) {
			log_error("could not write %s: %s", html, strerror(errno));
			rc = EXIT_FAIL;
		}
	}
	free(page);
	free(table);
	for (int i = 0; i < PICTURES; i++)
		free(data[i]);
	return rc;
}

const char cmd_report_help[] =
	"Usage: replab report FILE.json\n"
	"\n"
	"Draws an experiment's result with gnuplot, beside FILE.json:\n"
	"  FILE.png          the experiment: the lag over time, the faults shaded and\n"
	"                    the events marked (or, when the primary crashed, the\n"
	"                    client's acknowledged writes per second); for rpo,\n"
	"                    latency and losses per mode, with --trials the share of\n"
	"                    trials that lost writes and its 95% interval; for\n"
	"                    replica-reads, the staleness of the reads per mode; for\n"
	"                    failover-under-load --trials, each trial's detection,\n"
	"                    promotion, downtime and losses; for\n"
	"                    failover-under-load --workload pgbench, the commits per\n"
	"                    second before the crash and after the promotion, the\n"
	"                    downtime shaded; for split-brain, the rows each side had\n"
	"  FILE-history.png  when FILE.history.jsonl exists: every client operation\n"
	"                    by time and session, ok, failed or unknown, the faults\n"
	"                    shaded, each anomaly the checkers found marked by kind\n"
	"                    (lost, unknown writes resolved, stale reads, read-your-\n"
	"                    writes and monotonic-read violations)\n"
	"  FILE.html         a page with every picture, the anomalies beside the\n"
	"                    history's, and the summary as tables; it fetches nothing\n"
	"                    and opens from disk\n"
	"and prints the names of what it wrote.\n";

int cmd_report(const struct verb_args *a)
{
	char pngs[PICTURES][PATH_MAX], history_path[PATH_MAX], html[PATH_MAX];
	bool drawn[PICTURES] = { false };
	enum report_result results[PICTURES];
	struct report r[PICTURES];
	struct history history;
	struct report_anomalies anomalies = { 0 };
	bool has_history;
	json_t *doc;
	json_error_t jerr;
	const char *file;
	int rc = EXIT_OK, ndrawn = 0;
	size_t len;

	if (a->argc != 2)
		return usage_error("report", "give the experiment's JSON file");
	file = a->argv[1];
	len = strlen(file);
	if (len > 5 && strcmp(file + len - 5, ".json") == 0)
		len -= 5;
	if (len + sizeof(".history.jsonl") + sizeof(".XXXXXX") > PATH_MAX) {
		log_error("the file name is too long: %s", file);
		return EXIT_FAIL;
	}
	for (int i = 0; i < PICTURES; i++)
		xsnprintf(pngs[i], sizeof(pngs[i]), "%.*s%s.png", (int) len, file,
			  pictures[i].suffix);
	xsnprintf(history_path, sizeof(history_path), "%.*s.history.jsonl", (int) len, file);
	xsnprintf(html, sizeof(html), "%.*s.html", (int) len, file);
	if (!(doc = json_read_file(file, REPORT_JSON_MAX, &jerr))) {
		if (jerr.line > 0)
			log_error("%s is not an experiment's result: line %d: %s", file, jerr.line,
				  jerr.text);
		else
			log_error("could not read %s: %s", file, jerr.text);
		return EXIT_FAIL;
	}
	history_init(&history);
	has_history = access(history_path, F_OK) == 0 || errno != ENOENT;
	if (has_history && (!history_read_file(&history, history_path) ||
			    !report_anomalies_find(&anomalies, doc, &history, file)))
		rc = EXIT_FAIL;
	/* Every drawing checked before any is drawn: a malformed input changes nothing. */
	for (int i = 0; i < PICTURES; i++) {
		results[i] = REPORT_EMPTY;
		if (rc == EXIT_OK && (i == 0 || has_history))
			results[i] = i == 0 ? report_build(&r[i], doc, file)
					    : report_build_history(&r[i], doc, &history, &anomalies,
								   history_path);
		else
			r[i] = (struct report){ 0 };
		report_close(&r[i]);
		if (results[i] == REPORT_INVALID)
			rc = EXIT_FAIL;
	}
	for (int i = 0; i < PICTURES; i++) {
		if (rc == EXIT_OK && results[i] == REPORT_DRAWN &&
		    (rc = draw(&r[i], file, pngs[i])) == EXIT_OK) {
			drawn[i] = true;
			ndrawn++;
			printf("%s\n", pngs[i]);
		}
		report_free(&r[i]);
	}
	if (rc == EXIT_OK && ndrawn == 0) {
		log_error("%s has no samples to draw", file);
		log_hint("its figures are in the file itself: jq . %s", file);
		rc = EXIT_FAIL;
	}
	if (rc == EXIT_OK && (rc = write_page(doc, file, html, pngs, drawn, &anomalies)) == EXIT_OK)
		printf("%s\n", html);
	report_anomalies_free(&anomalies);
	history_free(&history);
	json_decref(doc);
	return rc;
}

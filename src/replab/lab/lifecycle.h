/*
 * lifecycle.h — what every verb that touches a lab goes through: its state
 * directory, its lock, and the undoing of what a run did.
 *
 * State directory.  A directory is a lab's only if it carries the marker
 * STATE/.replab-lab, is a real directory (not a symlink), belongs to us
 * and is closed to others (0700).  Anything else, whatever $REPLAB_STATE
 * says, is refused with a clear error and nothing in it is touched.
 * Removing a lab deletes only the entries the lab makes (by name), and
 * keeps the directory, saying so, if something else is in it.
 *
 * Lock.  STATE.lock, beside the state directory, is held by every verb that
 * changes the lab, from before it looks at the state until it exits.
 *
 * Cleanup.  A run pushes what would undo each step it takes; on success it
 * pops them, and on any other exit (a failure, fatal(), SIGINT, SIGTERM,
 * SIGHUP) they run, newest first, each said as it is undone.
 */
#ifndef REPLAB_LIFECYCLE_H
#define REPLAB_LIFECYCLE_H

#include <jansson.h>
#include <stdbool.h>

enum lab_state { STATE_ABSENT, STATE_LAB, STATE_FOREIGN };

/*
 * A directory of replab's own, under the same rules as the state directory
 * (which is one): its marker, 0700, ours, and only its entries (fnmatch
 * patterns, NULL-terminated; directories among them are replab's whole)
 * ever removed.  The saved lab (saved.h) is another.
 */
struct lab_dir {
	const char *path;
	const char *kind;	 /* "a replab lab's state directory", for errors */
	const char *env;	 /* the variable that names it, for hints */
	const char *marker;	 /* ".replab-lab" */
	const char *marker_text; /* what the marker holds */
	const char *const *entries;
};

enum lab_state lab_dir_check(const struct lab_dir *d);
bool lab_dir_create(const struct lab_dir *d);
bool lab_dir_ensure(const struct lab_dir *d);
bool lab_dir_remove(const struct lab_dir *d, bool verbose);
bool lab_dir_remove_entry(const struct lab_dir *d, const char *name);

/* What the state directory is; STATE_FOREIGN is logged with what to do. */
enum lab_state lab_state_check(void);

/* Create the state directory (0700, with its marker); it must not exist yet. */
bool lab_state_create(void);

/* Create it unless it is a lab already (a foreign one is refused). */
bool lab_state_ensure(void);

/*
 * Remove what the lab made in the state directory, and the directory when
 * nothing else is left; verbose says what was done.  A foreign directory is
 * refused (false).
 */
bool lab_state_remove(bool verbose);

/* Remove one entry the lab makes (e.g. "secrets"), whatever it holds. */
bool lab_state_remove_entry(const char *name);

/*
 * A scratch file of this run's own, for a child's output: no name (gone
 * when closed), so concurrent runs never share one.
 */
int lab_scratch_fd(void);

/* The JSON document in a scratch file (closed); NULL when there is none. */
json_t *lab_scratch_json(int fd);

/* Take the lab's lock, waiting for it or not; false (logged) when it is held. */
bool lab_lock(bool wait);

/* Catch the signals, and run the pending cleanup at exit() too. */
void lifecycle_init(void);

/* Push "what" with the function that undoes it; a handle for lab_cleanup_pop. */
typedef void (*cleanup_fn)(void *arg);
int lab_cleanup_push(const char *what, cleanup_fn fn, void *arg);

/* The step is done for good (or undone by hand): forget it. */
void lab_cleanup_pop(int handle);

/* Undo every pending step now, newest first, saying what each undid. */
void lab_cleanup_run(void);

/* The exit status of a verb that returned rc, after any pending cleanup. */
int lifecycle_finish(int rc);

#endif

/*
 * targets.c — resolving the primary's and the replica's connection strings
 * from the command line, the config file and the environment.
 */
#define _POSIX_C_SOURCE 200809L
#include "targets.h"

#include "db.h"
#include "log.h"
#include "strutil.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int config_parse_line(char *line, char **key, char **value)
{
	char *eq, *k;

	line = str_trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return -1;
	*eq = '\0';
	k = str_trim(line);
	if (*k == '\0' || strcspn(k, " \t") != strlen(k))
		return -1;
	*key = k;
	*value = str_trim(eq + 1);
	return 1;
}

/* Read the config file; a missing default file is not an error. */
static int load_config(const char *path, bool must_exist, struct targets *t)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0;

	if (!f) {
		if (errno == ENOENT && !must_exist)
			return EXIT_OK;
		log_error("could not open config file \"%s\": %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	while (fgets(line, sizeof(line), f)) {
		char *key, *value;
		int rc;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			log_error("%s:%d: line too long", path, lineno);
			fclose(f);
			return EXIT_FAIL;
		}
		rc = config_parse_line(line, &key, &value);
		if (rc == 0)
			continue;
		if (rc < 0) {
			log_error("%s:%d: expected \"key = value\"", path, lineno);
			fclose(f);
			return EXIT_FAIL;
		}
		if (strcmp(key, "primary") == 0 && !t->primary)
			t->primary = xstrdup(value);
		else if (strcmp(key, "replica") == 0 && !t->replica)
			t->replica = xstrdup(value);
		else if (strcmp(key, "replica2") == 0 && !t->replica2)
			t->replica2 = xstrdup(value);
		else if (strcmp(key, "primary") != 0 && strcmp(key, "replica") != 0 &&
			 strcmp(key, "replica2") != 0) {
			log_error("%s:%d: unknown key \"%s\"", path, lineno, key);
			log_hint("known keys are \"primary\", \"replica\" and \"replica2\"");
			fclose(f);
			return EXIT_FAIL;
		}
	}
	fclose(f);
	return EXIT_OK;
}

static void take_env(char **slot, const char *var)
{
	const char *v = getenv(var);

	if (!*slot && v && *v)
		*slot = xstrdup(v);
}

static int check_conninfo(const char *name, const char *conninfo)
{
	char msg[256];

	if (!conninfo || db_conninfo_valid(conninfo, msg, sizeof(msg)))
		return EXIT_OK;
	log_error("invalid %s connection string: %s", name, msg);
	log_hint("write it as libpq keywords, e.g. \"host=10.77.0.10 user=lab dbname=lab\"");
	return EXIT_USAGE;
}

int targets_resolve(const struct options *o, struct targets *t)
{
	const char *path = o->config ? o->config : getenv("PGREPL_CONFIG");
	int rc;

	*t = (struct targets){ 0 };
	if (o->primary)
		t->primary = xstrdup(o->primary);
	if (o->replica)
		t->replica = xstrdup(o->replica);
	rc = load_config(path && *path ? path : TARGETS_DEFAULT_CONFIG, path && *path, t);
	if (rc == EXIT_OK) {
		take_env(&t->primary, "PGREPL_PRIMARY");
		take_env(&t->replica, "PGREPL_REPLICA");
		take_env(&t->replica2, "PGREPL_REPLICA2");
		rc = check_conninfo("primary", t->primary);
	}
	if (rc == EXIT_OK)
		rc = check_conninfo("replica", t->replica);
	if (rc == EXIT_OK)
		rc = check_conninfo("replica2", t->replica2);
	if (rc != EXIT_OK)
		targets_free(t);
	return rc;
}

void targets_free(struct targets *t)
{
	free(t->primary);
	free(t->replica);
	free(t->replica2);
	*t = (struct targets){ 0 };
}

bool targets_require_both(const struct targets *t)
{
	const char *missing = !t->primary ? "primary" : !t->replica ? "replica" : NULL;

	if (!missing)
		return true;
	log_error("no %s to connect to", missing);
	log_hint("give --%s=CONNINFO, a \"%s = CONNINFO\" line in the config file, or PGREPL_%s",
		 missing, missing, strcmp(missing, "primary") == 0 ? "PRIMARY" : "REPLICA");
	return false;
}

static const char *value_of(const PQconninfoOption *opts, const char *keyword)
{
	for (const PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, keyword) == 0)
			return o->val;
	return NULL;
}

static bool is_set(const PQconninfoOption *opts, const char *keyword)
{
	const char *v = value_of(opts, keyword);

	return v && *v;
}

/* keyword='value' with libpq's quoting (backslash before ' and \). */
static void put_pair(FILE *f, const char *keyword, const char *value)
{
	fprintf(f, "%s='", keyword);
	for (const char *c = value; *c; c++) {
		if (*c == '\'' || *c == '\\')
			fputc('\\', f);
		fputc(*c, f);
	}
	fputs("' ", f);
}

char *targets_any_writable(const struct targets *t)
{
	PQconninfoOption *p = PQconninfoParse(t->primary, NULL),
			 *r = PQconninfoParse(t->replica, NULL);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!p || !r || !f)
		fatal("out of memory");
	for (const PQconninfoOption *o = p; o->keyword; o++) {
		bool per_host = strcmp(o->keyword, "host") == 0 ||
				strcmp(o->keyword, "hostaddr") == 0 ||
				strcmp(o->keyword, "port") == 0;
		const char *rv = value_of(r, o->keyword);

		if (strcmp(o->keyword, "target_session_attrs") == 0)
			continue;
		if (per_host && (o->val || rv)) {
			/* as long as the two host lists are (a fixed buffer made a long one fatal)
			 */
			size_t len = strlen(o->val ? o->val : "") + strlen(rv ? rv : "") + 2;
			char *joined = malloc(len);

			if (!joined)
				fatal("out of memory");
			snprintf(joined, len, "%s,%s", o->val ? o->val : "", rv ? rv : "");
			put_pair(f, o->keyword, joined);
			free(joined);
		} else if (o->val)
			put_pair(f, o->keyword, o->val);
	}
	if (!is_set(p, "tcp_user_timeout"))
		fputs("tcp_user_timeout=1000 ", f);
	fputs("target_session_attrs=read-write", f);
	if (fclose(f) != 0)
		fatal("out of memory");
	PQconninfoFree(p);
	PQconninfoFree(r);
	return out;
}

/* Does conninfo name the host (or address) conn reached, on its port? */
static bool reaches(const char *conninfo, PGconn *conn)
{
	PQconninfoOption *opts = conninfo ? PQconninfoParse(conninfo, NULL) : NULL;
	const char *host, *port;
	bool same;

	if (!opts)
		return false;
	host = is_set(opts, "hostaddr") ? value_of(opts, "hostaddr") : value_of(opts, "host");
	port = is_set(opts, "port") ? value_of(opts, "port") : PQport(conn);
	same = host && PQhost(conn) && strcmp(host, PQhost(conn)) == 0 && port &&
	       strcmp(port, PQport(conn)) == 0;
	PQconninfoFree(opts);
	return same;
}

const char *targets_role_of(const struct targets *t, PGconn *conn)
{
	if (!conn)
		return NULL;
	if (reaches(t->primary, conn))
		return "primary";
	if (reaches(t->replica, conn))
		return "replica";
	return NULL;
}

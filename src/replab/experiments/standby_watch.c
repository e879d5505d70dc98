/*
 * standby_watch.c — the standby's side of a lag series (see standby_watch.h).
 */
#include "standby_watch.h"

#include "lab/node.h"
#include "strutil.h"

#include <math.h>
#include <stdio.h>

/*
 * One JSON object a line: positions as bytes from 0/0, the WAL receiver,
 * the guest's clock, and the first line of /proc/stat ("cpu user nice
 * system idle iowait irq softirq steal") as all ticks and idle ones.
 */
static const char sample_sql[] =
	"SELECT json_build_object("
	"'receive_bytes', pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')::bigint,"
	" 'replay_bytes', pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint,"
	" 'receiver', (SELECT status FROM pg_stat_wal_receiver),"
	" 'receiver_pid', (SELECT pid FROM pg_stat_wal_receiver),"
	" 'guest_ms', round(extract(epoch FROM clock_timestamp()) * 1000),"
	" 'cpu_ticks', c[1] + c[2] + c[3] + c[4] + c[5] + c[6] + c[7] + c[8],"
	" 'cpu_idle_ticks', c[4] + c[5])"
	" FROM (SELECT ((regexp_split_to_array(split_part(pg_read_file('/proc/stat'),"
	" chr(10), 1), ' +'))[2:9])::bigint[] AS c) AS stat";

bool standby_watch_start(struct watch *w, const struct vm *standby, int duration_s)
{
	char script[256];
	char *cmd[] = { "sh", "-c", script, (char *) sample_sql, NULL };

	xsnprintf(script, sizeof(script),
		  "cd /tmp && exec timeout %d " NODE_AS_POSTGRES
		  " psql -d lab -XAtq -v ON_ERROR_STOP=1 -f - <<EOF\n$0;\n\\watch 0.1\nEOF",
		  duration_s);
	return watch_start_cmd(w, standby, cmd);
}

static double number(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The standby's value of key at time t, interpolated between its samples a and b. */
static double at(json_t *a, json_t *b, const char *key, double t)
{
	double ta = number(a, "t_ms"), tb = number(b, "t_ms"), va = number(a, key),
	       vb = number(b, key);

	if (tb <= ta || isnan(vb))
		return va;
	if (isnan(va))
		return vb;
	return va + (vb - va) * (t - ta) / (tb - ta);
}

/* How far sample s lies from time t. */
static double distance(json_t *s, double t)
{
	double d = number(s, "t_ms") - t;

	return d < 0 ? -d : d;
}

static json_t *integer_or_null(double v)
{
	return isnan(v) ? json_null() : json_integer((json_int_t) (v + 0.5));
}

void standby_watch_join(json_t *samples, json_t *standby_samples)
{
	size_t n = json_array_size(standby_samples), j = 0, i;
	json_t *s;

	json_array_foreach(samples, i, s) {
		double t = number(s, "t_ms"), wal = number(s, "wal_bytes"), replay;
		json_t *a, *b;

		json_object_set(s, "sender_lag_bytes", json_object_get(s, "lag_bytes"));
		/* a: the standby's last sample at or before t (else its first), b: the next. */
		while (j + 1 < n && number(json_array_get(standby_samples, j + 1), "t_ms") <= t)
			j++;
		a = json_array_get(standby_samples, j);
		b = json_array_get(standby_samples, j + 1 < n ? j + 1 : j);
		if (!a || (distance(a, t) > 1000 && distance(b, t) > 1000)) {
			json_object_set_new(s, "lag_bytes", json_null());
			continue;
		}
		replay = at(a, b, "replay_bytes", t);
		json_object_set_new(s, "replica_receive_bytes",
				    integer_or_null(at(a, b, "receive_bytes", t)));
		json_object_set_new(s, "replica_replay_bytes", integer_or_null(replay));
		json_object_set(s, "receiver", json_object_get(a, "receiver"));
		json_object_set_new(s, "lag_bytes",
				    integer_or_null(isnan(wal) || isnan(replay) ? NAN
						    : wal > replay		? wal - replay
										: 0));
	}
}

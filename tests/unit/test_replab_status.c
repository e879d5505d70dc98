/*
 * test_replab_status.c — what "replab status" prints of pgrepl's answer
 * from a guest: the usual lines for a well-formed answer; for a hostile or
 * malformed one, no escape sequence, no crash, and "?" where a member is
 * missing or of the wrong type.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lab/status_view.h"

#include <string.h>

/* What status_print_server prints for member name of the document text. */
static char *printed(const char *doc_text, const char *name)
{
	json_t *doc = json_loads(doc_text, JSON_DECODE_ANY, NULL);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(doc);
	assert_non_null(f);
	status_print_server(f, name, json_object_get(doc, name));
	fclose(f);
	json_decref(doc);
	return out;
}

static void prints_a_well_formed_answer(void **state)
{
	char *out;

	(void) state;
	out = printed("{\"primary\": {\"reachable\": true, \"role\": \"primary\", \"address\": "
		      "\"10.77.0.10:5432\","
		      " \"current_lsn\": \"0/3000148\", \"standbys\": [{\"application_name\": "
		      "\"replica\","
		      " \"client_addr\": \"10.77.0.11\", \"state\": \"streaming\", \"lag_bytes\": "
		      "0}]}}",
		      "primary");
	assert_string_equal(out, "  primary  10.77.0.10:5432 is a primary; WAL at 0/3000148\n"
				 "           standby replica from 10.77.0.11: streaming, lag 0 "
				 "bytes\n");
	free(out);
	out = printed("{\"replica\": {\"reachable\": true, \"role\": \"standby\", \"address\": "
		      "\"10.77.0.11:5432\","
		      " \"receive_lsn\": \"0/5\", \"replay_lsn\": \"0/4\", \"receiver_status\": "
		      "null}}",
		      "replica");
	assert_string_equal(out, "  replica  10.77.0.11:5432 is a standby: received 0/5, replayed "
				 "0/4, receiver not running\n");
	free(out);
	out = printed("{\"replica\": {\"reachable\": false}}", "replica");
	assert_string_equal(out, "  replica  unreachable\n");
	free(out);
}

static void guest_text_cannot_drive_the_terminal(void **state)
{
	char *out;

	(void) state;
	out = printed("{\"primary\": {\"reachable\": true, \"role\": \"primary\", \"address\": "
		      "\"\\u001b]0;owned\\u0007\","
		      " \"current_lsn\": \"0/1\\u001b[2J\", \"standbys\": [{\"application_name\": "
		      "\"a\\nb\","
		      " \"client_addr\": null, \"state\": \"\\u009b31m\", \"lag_bytes\": \"x\"}]}}",
		      "primary");
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	assert_null(strstr(out, "\xc2\x9b"));
	assert_string_equal(out, "  primary  ^[]0;owned^G is a primary; WAL at 0/1^[[2J\n"
				 "           standby a^Jb from a local socket: \\xC2\\x9B31m, lag "
				 "unknown\n");
	free(out);
}

static void survives_malformed_answers(void **state)
{
	static const char *const docs[] = {
		"{\"primary\": 5}",
		"{\"primary\": []}",
		"{\"primary\": {\"reachable\": true}}",
		"{\"primary\": {\"reachable\": true, \"role\": 7, \"address\": {}}}",
		"{\"primary\": {\"reachable\": true, \"role\": \"primary\", \"standbys\": {\"a\": "
		"1}}}",
		"{\"primary\": {\"reachable\": true, \"role\": \"primary\", \"standbys\": [1, "
		"null, \"x\", []]}}",
		"{\"primary\": {\"reachable\": true, \"role\": \"standby\", \"receive_lsn\": 1}}",
		"{}",
	};

	(void) state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char *out = printed(docs[i], "primary");

		assert_true(strncmp(out, "  primary  ", 11) == 0);
		free(out);
	}
}

static void long_lists_and_texts_are_cut(void **state)
{
	json_t *doc = json_pack("{s:b,s:s,s:s,s:[]}", "reachable", 1, "role", "primary", "address",
				"x", "standbys");
	char *out = NULL, big[1000];
	size_t len = 0, lines = 0;
	FILE *f;

	(void) state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 1000; i++)
		json_array_append_new(json_object_get(doc, "standbys"),
				      json_pack("{s:s}", "application_name", big));
	f = open_memstream(&out, &len);
	status_print_server(f, "primary", doc);
	fclose(f);
	for (char *p = out; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 1 + STATUS_STANDBYS_MAX + 1);
	assert_non_null(strstr(out, "... and 984 more"));
	assert_true(strlen(strchr(out, '\n') + 1) <
		    (STATUS_STANDBYS_MAX + 1) * (STATUS_TEXT_MAX + 100));
	free(out);
	json_decref(doc);
}

static void prints_faults(void **state)
{
	json_t *doc = json_loads("{\"cuts\": [{\"from\": \"primary\", \"to\": \"replica\", "
				 "\"dropped_packets_to_vm\": 3}],"
				 " \"shapes\": [{\"to\": \"replica\", \"rate\": \"1mbit\", "
				 "\"mechanism\": \"host\", \"sent_packets\": 7, "
				 "\"dropped_packets\": 1}, {\"to\": \"x\", \"rate\": 5}, "
				 "{\"to\": \"primary\", \"from\": \"replica\", \"netem\": "
				 "{\"delay\": \"50ms\"}, \"mechanism\": \"guest\"}, "
				 "{\"to\": \"replica\", \"unknown\": \"paused\"}]}",
				 0, NULL);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void) state;
	status_print_faults(f, doc);
	status_print_faults(f, NULL);
	fclose(f);
	assert_string_equal(out, "faults on the data network:\n"
				 "  primary -> replica dropped (3 packets dropped on their way to "
				 "replica so far)\n"
				 "  traffic to replica limited to 1mbit/s (host: 7 packets sent, "
				 "1 dropped)\n"
				 "  traffic to x (?)\n"
				 "  traffic to primary from replica: netem {\"delay\":\"50ms\"} "
				 "(guest)\n"
				 "  traffic to replica: shapes in its guest unknown (paused)\n"
				 "faults on the data network:\n"
				 "  unknown (tc failed)\n");
	free(out);
	json_decref(doc);
}

static void prints_disks(void **state)
{
	json_t *doc =
		json_loads("{\"primary\": [{\"disk\": \"root\", \"iops\": 50, \"iops_rd\": 0,"
			   " \"iops_wr\": 0, \"bps\": 1048576, \"bps_rd\": 0, \"bps_wr\": 0}],"
			   " \"replica\": [{\"disk\": \"\\u001b[2J\", \"bps_wr\": 1000,"
			   " \"iops_rd\": \"x\"}], \"replica2\": null}",
			   0, NULL);
	json_t *none = json_object();
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void) state;
	status_print_disks(f, doc);
	status_print_disks(f, none);
	status_print_disks(f, NULL);
	fclose(f);
	assert_string_equal(out, "slow disks (QEMU's block I/O limits):\n"
				 "  primary's disk root: at most 50 requests/s, 1M/s (reads and "
				 "writes together)\n"
				 "  replica's disk ^[[2J: at most 1000 bytes/s written\n"
				 "  replica2: unknown (its QEMU did not answer)\n"
				 "slow disks (QEMU's block I/O limits):\n"
				 "  none\n"
				 "slow disks (QEMU's block I/O limits):\n"
				 "  unknown\n");
	free(out);
	json_decref(doc);
	json_decref(none);
}

static void prints_vm_faults(void **state)
{
	json_t *doc =
		json_loads("{\"primary\": {\"carrier\": true, \"carrier_changes\": 1, "
			   "\"clock_offset_s\": 0.0123},"
			   " \"replica\": {\"carrier\": false, \"carrier_changes\": 4, "
			   "\"clock_offset_s\": -30.5, \"clock_drift_ppm\": 0, "
			   "\"clock_tick\": 10000, \"clock_freq\": 0, \"wal_disk\": \"failing\"},"
			   " \"r3\": {\"carrier\": true, \"carrier_changes\": 2, "
			   "\"clock_offset_s\": 1.5, \"clock_drift_ppm\": -20012.5, "
			   "\"clock_tick\": 9800, \"clock_freq\": -819200},"
			   " \"replica2\": {\"unread\": \"paused\\u001b[2J\"},"
			   " \"x\": {\"carrier\": \"yes\", \"clock_offset_s\": 1}}",
			   0, NULL);
	json_t *none = json_object();
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void) state;
	status_print_vm_faults(f, doc);
	status_print_vm_faults(f, none);
	status_print_vm_faults(f, NULL);
	fclose(f);
	assert_string_equal(out,
			    "faults in the VMs (link: the guest's carrier; clock: guest minus "
			    "host, and its rate in the guest's kernel):\n"
			    "  primary  link up, 1 carrier changes since boot; clock +0.012 s, its "
			    "rate unread\n"
			    "  replica  link DOWN (no carrier), 4 carrier changes since boot; "
			    "clock -30.500 s, at true rate\n"
			    "  replica  WAL disk FAILING: every write errors\n"
			    "  r3       link up, 2 carrier changes since boot; clock +1.500 s, "
			    "running 20012.500 ppm slow (-2.0013%: tick 9800 us, frequency "
			    "-12.500 ppm)\n"
			    "  replica2 unread (paused^[[2J)\n"
			    "  x        unread (?)\n");
	free(out);
	json_decref(doc);
	json_decref(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prints_a_well_formed_answer),
		cmocka_unit_test(guest_text_cannot_drive_the_terminal),
		cmocka_unit_test(survives_malformed_answers),
		cmocka_unit_test(long_lists_and_texts_are_cut),
		cmocka_unit_test(prints_faults),
		cmocka_unit_test(prints_disks),
		cmocka_unit_test(prints_vm_faults),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}

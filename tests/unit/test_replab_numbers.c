/*
 * test_replab_numbers.c — the number parsers every option goes through
 * (src/common/strutil.c) and the units of the shaping verbs (tc rates,
 * netem times and percentages, src/replab/lab/faults.c; disk bandwidths,
 * src/replab/lab/disks.c; the VM faults' durations, clock offsets and
 * drifts, src/replab/lab/vmfaults.c, and the drifts' tick and frequency,
 * src/replab/lab/guestclock.c): whole strings only,
 * finite, in range, never inf, nan, hex, exponents or trailing text.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lab/disks.h"
#include "lab/faults.h"
#include "lab/guestclock.h"
#include "lab/vmfaults.h"
#include "log.h"
#include "strutil.h"

/* Inputs every parser must refuse, whatever its range and units. */
static const char *const garbage[] = {
	"",	  "inf", "-inf", "+inf",  "infinity", "nan", "NAN",   "-nan", "0x10",
	"0x1p20", "1e3", "1E3",	 "--1",	  "+1",	      " 1",  "1 ",    "1\n",  ".",
	"-",	  "-.",	 "1..2", "1.2.3", "١",	      "1,5", "12abc",
};

/* "999...9" of n digits. */
static const char *many_digits(size_t n)
{
	static char buf[512];

	assert_true(n < sizeof(buf));
	memset(buf, '9', n);
	buf[n] = '\0';
	return buf;
}

static void longs(void **state)
{
	long v = 42;

	(void) state;
	assert_true(str_to_long("0", 0, 10, &v) && v == 0);
	assert_true(str_to_long("-5", -10, 10, &v) && v == -5);
	assert_true(str_to_long("10", 0, 10, &v) && v == 10);
	assert_false(str_to_long("11", 0, 10, &v));
	assert_false(str_to_long("-1", 0, 10, &v));
	assert_false(str_to_long("99999999999999999999", 0, 10, &v));
	assert_false(str_to_long("1.5", 0, 10, &v));
	assert_false(str_to_long(NULL, 0, 10, &v));
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		if (str_to_long(garbage[i], -100000, 100000, &v))
			fail_msg("str_to_long accepted \"%s\"", garbage[i]);
	assert_int_equal(v, 10); /* left alone by every refusal */
}

static void doubles(void **state)
{
	double v = 42;

	(void) state;
	assert_true(str_to_double("0.5", 0, 1, &v));
	assert_float_equal(v, 0.5, 1e-12);
	assert_true(str_to_double(".25", 0, 1, &v));
	assert_float_equal(v, 0.25, 1e-12);
	assert_true(str_to_double("-3", -5, 5, &v));
	assert_float_equal(v, -3, 1e-12);
	assert_true(str_to_double("5.", 0, 5, &v));
	assert_float_equal(v, 5, 1e-12);
	assert_false(str_to_double("5.001", 0, 5, &v));
	assert_false(str_to_double("-0.1", 0, 5, &v));
	assert_false(str_to_double("1000000000000000000000000000000000000000000000000000000000000",
				   0, 1e59, &v));
	/* hundreds of digits: refused outright, never an infinity */
	assert_false(str_to_double(many_digits(400), 0, 1e308, &v));
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		if (str_to_double(garbage[i], -1e300, 1e300, &v))
			fail_msg("str_to_double accepted \"%s\"", garbage[i]);
	assert_float_equal(v, 5, 1e-12);
}

static void scaled(void **state)
{
	static const struct str_unit units[] = { { "k", 1e3 }, { "M", 1e6 }, { NULL, 0 } };
	static const struct str_unit huge[] = { { "x", 1e300 }, { NULL, 0 } };
	double v = 42;

	(void) state;
	assert_true(str_to_scaled("1.5k", units, 0, 1e7, &v));
	assert_float_equal(v, 1500, 1e-9);
	assert_true(str_to_scaled("2m", units, 0, 1e7, &v)); /* units match in any case */
	assert_float_equal(v, 2e6, 1e-9);
	assert_false(str_to_scaled("20M", units, 0, 1e7, &v));
	assert_false(
		str_to_scaled("2", units, 0, 1e7, &v)); /* no bare number unless "" is a unit */
	assert_false(str_to_scaled("2 k", units, 0, 1e7, &v));
	assert_false(str_to_scaled("2kk", units, 0, 1e7, &v));
	assert_false(str_to_scaled("k", units, 0, 1e7, &v));
	assert_false(str_to_scaled("infk", units, 0, 1e7, &v));
	assert_false(str_to_scaled("nanM", units, 0, 1e7, &v));
	assert_false(str_to_scaled("1e3k", units, 0, 1e7, &v));
	assert_false(str_to_scaled("-1k", units, 0, 1e7, &v));
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		if (str_to_scaled(garbage[i], units, -1e300, 1e300, &v))
			fail_msg("str_to_scaled accepted \"%s\"", garbage[i]);
	/* a product that overflows to infinity is refused, not let through */
	assert_false(str_to_scaled("1000000000x", huge, 0, 1e308, &v));
	assert_float_equal(v, 2e6, 1e-9);
}

static void tc_rates(void **state)
{
	(void) state;
	assert_float_equal(faults_rate_bits("1mbit"), 1e6, 1e-6);
	assert_float_equal(faults_rate_bits("500kbit"), 5e5, 1e-6);
	assert_float_equal(faults_rate_bits("2.5Mbit"), 2.5e6, 1e-6);
	assert_float_equal(faults_rate_bits("100kbps"), 8e5, 1e-6);
	assert_float_equal(faults_rate_bits("1kbit"), 1e3, 1e-6);
	assert_float_equal(faults_rate_bits("10gbit"), 1e10, 1e-6);
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		if (faults_rate_bits(garbage[i]) >= 0)
			fail_msg("faults_rate_bits accepted \"%s\"", garbage[i]);
	assert_true(faults_rate_bits("inf") < 0);
	assert_true(faults_rate_bits("infmbit") < 0);
	assert_true(faults_rate_bits("nanmbit") < 0);
	assert_true(faults_rate_bits("-1mbit") < 0);
	assert_true(faults_rate_bits("0mbit") < 0);
	assert_true(faults_rate_bits("999bit") < 0);   /* below 1kbit */
	assert_true(faults_rate_bits("10.1gbit") < 0); /* above 10gbit */
	assert_true(faults_rate_bits("2gbps") < 0);    /* 16 Gbit/s */
	assert_true(faults_rate_bits("1e30gbit") < 0);
	assert_true(faults_rate_bits("1000") < 0); /* no unit */
	assert_true(faults_rate_bits("1mbit/s") < 0);
	assert_true(faults_rate_bits("1tbit") < 0);
	assert_true(faults_rate_bits("0x10mbit") < 0);
}

static void netem_values(void **state)
{
	(void) state;
	assert_float_equal(faults_time_ms("50ms"), 50, 1e-9);
	assert_float_equal(faults_time_ms("1.5s"), 1500, 1e-9);
	assert_float_equal(faults_time_ms("200us"), 0.2, 1e-9);
	assert_float_equal(faults_time_ms("0ms"), 0, 1e-9);
	assert_float_equal(faults_time_ms("60s"), 60000, 1e-9);
	assert_true(faults_time_ms("61s") < 0);
	assert_true(faults_time_ms("-5ms") < 0);
	assert_true(faults_time_ms("infms") < 0);
	assert_true(faults_time_ms("nans") < 0);
	assert_true(faults_time_ms("50") < 0);
	assert_true(faults_time_ms("50 ms") < 0);
	assert_float_equal(faults_percent("5%"), 5, 1e-9);
	assert_float_equal(faults_percent("0.5"), 0.5, 1e-9);
	assert_float_equal(faults_percent("100%"), 100, 1e-9);
	assert_true(faults_percent("101%") < 0);
	assert_true(faults_percent("-1%") < 0);
	assert_true(faults_percent("inf%") < 0);
	assert_true(faults_percent("nan") < 0);
	assert_true(faults_percent("5%%") < 0);
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		if (faults_time_ms(garbage[i]) >= 0 || faults_percent(garbage[i]) >= 0)
			fail_msg("a netem value \"%s\" was accepted", garbage[i]);
}

static void disk_bandwidths(void **state)
{
	(void) state;
	assert_float_equal(disks_bandwidth_bytes("512K"), 512 * 1024, 1e-6);
	assert_float_equal(disks_bandwidth_bytes("1M"), 1024 * 1024, 1e-6);
	assert_float_equal(disks_bandwidth_bytes("1.5m"), 1.5 * 1024 * 1024, 1e-6);
	assert_float_equal(disks_bandwidth_bytes("1K"), 1024, 1e-6);
	assert_float_equal(disks_bandwidth_bytes("10G"), 10.0 * 1024 * 1024 * 1024, 1e-6);
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		if (disks_bandwidth_bytes(garbage[i]) >= 0)
			fail_msg("disks_bandwidth_bytes accepted \"%s\"", garbage[i]);
	assert_true(disks_bandwidth_bytes("0M") < 0);
	assert_true(disks_bandwidth_bytes("-1M") < 0);
	assert_true(disks_bandwidth_bytes("0.5K") < 0);	   /* below 1K */
	assert_true(disks_bandwidth_bytes("10.1G") < 0);   /* above 10G */
	assert_true(disks_bandwidth_bytes("1048576") < 0); /* no unit */
	assert_true(disks_bandwidth_bytes("1M/s") < 0);
	assert_true(disks_bandwidth_bytes("1MB") < 0);
	assert_true(disks_bandwidth_bytes("1MiB") < 0);
	assert_true(disks_bandwidth_bytes("1T") < 0);
	assert_true(disks_bandwidth_bytes("infM") < 0);
	assert_true(disks_bandwidth_bytes("nanK") < 0);
}

static void vm_fault_durations(void **state)
{
	double o = 42;

	(void) state;
	assert_float_equal(vmfaults_duration_s("500ms", 60), 0.5, 1e-9);
	assert_float_equal(vmfaults_duration_s("2s", 60), 2, 1e-9);
	assert_float_equal(vmfaults_duration_s("1.5min", 3600), 90, 1e-9);
	assert_float_equal(vmfaults_duration_s("1h", 3600), 3600, 1e-9);
	assert_float_equal(vmfaults_duration_s("1d", 86400), 86400, 1e-9);
	assert_true(vmfaults_duration_s("2h", 3600) < 0);
	assert_true(vmfaults_duration_s("2x", 60) < 0);
	assert_true(vmfaults_duration_s("2", 60) < 0);
	assert_true(vmfaults_duration_s("-2s", 60) < 0);
	assert_true(vmfaults_offset_s("+30s", &o) && o == 30);
	assert_true(vmfaults_offset_s("-30s", &o) && o == -30);
	assert_true(vmfaults_offset_s("30s", &o) && o == 30);
	assert_true(vmfaults_offset_s("-1.5h", &o) && o == -5400);
	assert_true(vmfaults_offset_s("+30d", &o) && o == 30 * 86400.0);
	o = 42;
	assert_false(vmfaults_offset_s("+31d", &o));
	assert_false(vmfaults_offset_s("-31d", &o));
	assert_false(vmfaults_offset_s("30x", &o));
	assert_false(vmfaults_offset_s("+-30s", &o));
	assert_false(vmfaults_offset_s("-+30s", &o));
	assert_false(vmfaults_offset_s("++30s", &o));
	assert_false(vmfaults_offset_s("+", &o));
	assert_false(vmfaults_offset_s(many_digits(400), &o));
	assert_true(o == 42);
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		if (vmfaults_duration_s(garbage[i], 1e9) >= 0)
			fail_msg("a duration \"%s\" was accepted", garbage[i]);
}

static void clock_drifts(void **state)
{
	static const char *const bad[] = { "2",		"2x",	      "+2 %",	"++2%",
					   "+-2%",	"-+2%",	      "+10.1%", "-11%",
					   "100001ppm", "-100001ppm", "%",	"ppm",
					   "+",		"",	      "2pct",	"1e3ppm" };
	struct guestclock_rate r;
	double p;

	(void) state;
	assert_true(vmfaults_drift_ppm("+2%", &p) && p == 20000);
	assert_true(vmfaults_drift_ppm("-500ppm", &p) && p == -500);
	assert_true(vmfaults_drift_ppm("0.5%", &p) && p == 5000);
	assert_true(vmfaults_drift_ppm("+10%", &p) && p == 100000);
	assert_true(vmfaults_drift_ppm("-100000PPM", &p) && p == -100000);
	assert_true(vmfaults_drift_ppm("0ppm", &p) && p == 0);
	assert_true(vmfaults_drift_ppm("-0%", &p) && p == 0 && !signbit(p));
	p = 42;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (vmfaults_drift_ppm(bad[i], &p))
			fail_msg("a drift \"%s\" was accepted", bad[i]);
	assert_false(vmfaults_drift_ppm(many_digits(400), &p));
	assert_true(p == 42);

	/* The tick takes whole 100 ppm, the frequency (ppm << 16) what is left. */
	r = guestclock_rate_of(20000);
	assert_true(r.tick == 10200 && r.freq == 0);
	r = guestclock_rate_of(-500);
	assert_true(r.tick == 9995 && r.freq == 0);
	r = guestclock_rate_of(123.5);
	assert_true(r.tick == 10001 && r.freq == 23.5 * 65536);
	r = guestclock_rate_of(-149);
	assert_true(r.tick == 9999 && r.freq == -49 * 65536);
	r = guestclock_rate_of(100000);
	assert_true(r.tick == 11000 && r.freq == 0);
	r = guestclock_rate_of(-100000);
	assert_true(r.tick == 9000 && r.freq == 0);
	for (double ppm = -100000; ppm <= 100000; ppm += 37.25) {
		r = guestclock_rate_of(ppm);
		assert_true(r.tick >= 9000 && r.tick <= 11000);
		assert_true(r.freq >= -50 * 65536 && r.freq <= 50 * 65536);
		assert_float_equal(guestclock_rate_ppm(&r), ppm, 1e-4);
	}

	/* What the guest's adjtimex said: the kernel's ranges, nothing after. */
	assert_true(guestclock_rate_parse("rate 10200 -65536", &r) && r.tick == 10200 &&
		    r.freq == -65536);
	assert_float_equal(guestclock_rate_ppm(&r), 19999, 1e-9);
	assert_true(guestclock_rate_parse("rate 9000 32768000", &r));
	assert_false(guestclock_rate_parse("rate 8999 0", &r));
	assert_false(guestclock_rate_parse("rate 11001 0", &r));
	assert_false(guestclock_rate_parse("rate 10000 32768001", &r));
	assert_false(guestclock_rate_parse("rate 10000 -32768001", &r));
	assert_false(guestclock_rate_parse("rate 10000 0 x", &r));
	assert_false(guestclock_rate_parse("rate 10000", &r));
	assert_false(guestclock_rate_parse("adjtimex: Operation not permitted", &r));
	assert_false(guestclock_rate_parse("", &r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(longs),
		cmocka_unit_test(doubles),
		cmocka_unit_test(scaled),
		cmocka_unit_test(tc_rates),
		cmocka_unit_test(netem_values),
		cmocka_unit_test(disk_bandwidths),
		cmocka_unit_test(vm_fault_durations),
		cmocka_unit_test(clock_drifts),
	};

	log_init("replab");
	return cmocka_run_group_tests_name("numbers", tests, NULL, NULL);
}

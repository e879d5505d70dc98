/*
 * test_replab_verb.c — the VM arguments a verb declares (src/replab/verb.c):
 * names resolved to this lab's VMs (replica2 only in a lab of two
 * replicas), the count each need asks for (and the one word TAKES_WORD
 * lets follow), a VM named twice refused, and
 * the list of names the errors give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lab/lab.h"
#include "verb.h"

static int names(int needs, int nargs, char **args, const struct vm *vm[2])
{
	return verb_name_vms("test", needs, nargs, args, vm);
}

static void one_vm(void **state)
{
	char *primary[] = { "primary" }, *two[] = { "primary", "replica" };
	char *replica2[] = { "replica2" }, *unknown[] = { "standby" };
	const struct vm *vm[2] = { NULL, NULL };

	(void) state;
	lab_set_shape(1, false);
	assert_int_equal(names(ONE_VM, 1, primary, vm), 1);
	assert_ptr_equal(vm[0], &lab_vms[0]);
	assert_int_equal(names(ONE_VM, 0, primary, vm), -1);
	assert_int_equal(names(ONE_VM, 2, two, vm), -1);
	assert_int_equal(names(ONE_VM, 1, unknown, vm), -1);
	assert_int_equal(names(ONE_VM, 1, replica2, vm), -1);
	lab_set_shape(2, false);
	assert_int_equal(names(ONE_VM, 1, replica2, vm), 1);
	assert_ptr_equal(vm[0], &lab_vms[2]);
	lab_set_shape(1, false);
}

static void a_command_follows(void **state)
{
	char *args[] = { "replica", "pgrepl", "status" };
	const struct vm *vm[2] = { NULL, NULL };

	(void) state;
	assert_int_equal(names(ONE_VM | TAKES_COMMAND, 3, args, vm), 1);
	assert_ptr_equal(vm[0], &lab_vms[1]);
}

static void a_word_follows(void **state)
{
	char *args[] = { "replica", "down", "up" };
	const struct vm *vm[2] = { NULL, NULL };

	(void) state;
	assert_int_equal(names(ONE_VM | TAKES_WORD, 1, args, vm), 1);
	assert_int_equal(names(ONE_VM | TAKES_WORD, 2, args, vm), 1);
	assert_ptr_equal(vm[0], &lab_vms[1]);
	assert_int_equal(names(ONE_VM | TAKES_WORD, 3, args, vm), -1);
	assert_int_equal(names(ONE_VM | TAKES_WORD, 0, args, vm), -1);
}

static void two_vms(void **state)
{
	char *pair[] = { "replica", "primary" }, *same[] = { "replica", "replica" };
	const struct vm *vm[2] = { NULL, NULL };

	(void) state;
	assert_int_equal(names(TWO_VMS, 2, pair, vm), 2);
	assert_ptr_equal(vm[0], &lab_vms[1]);
	assert_ptr_equal(vm[1], &lab_vms[0]);
	assert_int_equal(names(TWO_VMS, 2, same, vm), -1);
	assert_int_equal(names(TWO_VMS, 1, pair, vm), -1);
	assert_int_equal(names(TWO_VMS, 0, pair, vm), -1);
	assert_int_equal(names(NONE_OR_TWO_VMS, 0, pair, vm), 0);
	assert_int_equal(names(NONE_OR_TWO_VMS, 1, pair, vm), -1);
	assert_int_equal(names(NONE_OR_TWO_VMS, 2, pair, vm), 2);
}

static void no_vms(void **state)
{
	char *args[] = { "file.json" };
	const struct vm *vm[2] = { NULL, NULL };

	(void) state;
	assert_int_equal(names(READS_LAB, 1, args, vm), 0);
	assert_null(vm[0]);
}

static void names_of_this_lab(void **state)
{
	char buf[64];

	(void) state;
	lab_set_shape(1, false);
	assert_string_equal(verb_vm_names(" or", buf, sizeof(buf)), "primary or replica");
	lab_set_shape(2, true);
	assert_string_equal(verb_vm_names(" and", buf, sizeof(buf)), "primary, replica and "
								     "replica2");
	lab_set_shape(1, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_vm),	  cmocka_unit_test(a_command_follows),
		cmocka_unit_test(a_word_follows), cmocka_unit_test(two_vms),
		cmocka_unit_test(no_vms),	  cmocka_unit_test(names_of_this_lab),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

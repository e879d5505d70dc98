/*
 * status_view.h — what "replab status" prints from JSON: pgrepl's status
 * document (written in a guest, so untrusted), the data network's faults,
 * the throttled disks, and the VMs' own faults (their link and clock, as
 * their guests report them).
 * Every member is checked for its type before use; text is made safe for
 * the terminal and cut short; long lists are cut short too.
 */
#ifndef REPLAB_STATUS_VIEW_H
#define REPLAB_STATUS_VIEW_H

#include <jansson.h>
#include <stdio.h>

#define STATUS_TEXT_MAX	    120 /* bytes of one guest string shown */
#define STATUS_STANDBYS_MAX 16	/* standbys listed per server */

/* One server of "pgrepl status --json" (s: its member, which may be anything). */
void status_print_server(FILE *out, const char *name, const json_t *s);

/* The faults document of faults_list() (NULL: tc failed). */
void status_print_faults(FILE *out, const json_t *doc);

/* The throttled disks of disks_list(): each VM's, with its limits. */
void status_print_disks(FILE *out, const json_t *doc);
/* The VMs' own faults, vmfaults_list()'s document (a guest's numbers, so checked too);
 * nothing for an empty one. */
void status_print_vm_faults(FILE *out, const json_t *doc);

#endif

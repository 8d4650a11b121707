/* SPDX-License-Identifier: GPL-2.0 */
/*
 * taxcutctl status: taxcut's report, with what the module cannot see
 * filled in from sysfs (the cpuidle governor, the tick device of CPUs
 * taxcut does not hold) and what only debugfs has (each CPU's poll window,
 * each CPU's exitless timer fires). Every line is "KEY: VALUE"; a line
 * whose key is in the report is the report's line, except the
 * cpuidle_governor and tick_device lines the report marks "not exported
 * to modules (WHERE)", which say what WHERE says.
 *
 * status_build() and the printers are pure: the caller reads the files.
 */
#ifndef TAXCUTCTL_STATUS_H
#define TAXCUTCTL_STATUS_H

#include <stdbool.h>
#include <stdio.h>
#include "report.h"

/* Each CPU's poll window listed up to this many CPUs, summarised above it. */
#define STATUS_LIST_CPUS	8

struct status_input {
	bool loaded;			/* /sys/kernel/taxcut is there */
	/* its files as read, or NULL */
	const char *cpuid_base, *features, *hints, *policy;
	/* cpuidle sysfs: current_driver, current_governor (first lines) */
	const char *cpuidle_driver, *cpuidle_governor;
	const char *governor_why;	/* why the governor is NULL */
	/* clockevents sysfs: online CPUs and their current_device (NULL: unreadable) */
	int ncpus;
	const int *cpus;
	const char *const *tick_device;
	/* debugfs: the poll statistics (and their name), the exitless timer's */
	const char *idle_stats, *idle_stats_name, *idle_stats_why;
	const char *timer_stats, *timer_stats_why;
};

/* The lines of the status, in order. 0, or -1 out of memory. */
int status_build(const struct status_input *in, struct kv_list *out);

void status_print_text(FILE *f, const struct kv_list *lines);

/*
 * One JSON object: "loaded", "lines" (the text lines as key and value)
 * and the same facts by name: cpuid_base, features, hints, values (each
 * key once), decisions, cpuidle, tick_devices, pv_ipi_sender.
 */
void status_print_json(FILE *f, const struct kv_list *lines, bool loaded);

#endif /* TAXCUTCTL_STATUS_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * taxcutctl: what a taxcut guest runs and why, its idle polling, its
 * tunables. One context for every command: where the sysfs tree is (a
 * fake one for the tests), where output goes, and the clock and pause of
 * the idle monitor, which a test replaces to change the tree between two
 * samples.
 */
#ifndef TAXCUTCTL_CTL_H
#define TAXCUTCTL_CTL_H

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses (the man page lists them). */
enum {
	CTL_OK = 0,
	CTL_FAIL = 1,		/* refused value, failed write, unreadable data */
	CTL_USAGE = 2,		/* bad command line */
	CTL_NOT_LOADED = 3,	/* status: taxcut is not loaded */
};

struct ctl {
	const char *root;	/* prefixed to every path; "" for the real tree */
	FILE *out, *err;
	bool json;
	/* the idle monitor's clock (seconds) and its wait between samples */
	double (*now)(struct ctl *c);
	void (*pause)(struct ctl *c, double seconds);
	void *priv;		/* for a test's now/pause */
};

/* Defaults for a real run: root from TAXCUTCTL_ROOT or "", stdout/stderr. */
void ctl_init(struct ctl *c);

/* The whole tool: parses @argv (argv[0] is the program name), runs a command. */
int ctl_main(struct ctl *c, int argc, char **argv);

int ctl_status(struct ctl *c);
int ctl_idle(struct ctl *c, double interval, long count);
int ctl_set(struct ctl *c, int argc, char **argv, bool persist);

#endif /* TAXCUTCTL_CTL_H */

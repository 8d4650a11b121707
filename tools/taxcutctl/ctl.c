// SPDX-License-Identifier: GPL-2.0
/* taxcutctl's command line (see ctl.h and taxcutctl.8). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ctl.h"
#include "tunables.h"

#ifndef TAXCUTCTL_VERSION
#define TAXCUTCTL_VERSION "unknown"
#endif

static double now_monotonic(struct ctl *c)
{
	struct timespec ts;

	(void)c;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pause_for(struct ctl *c, double seconds)
{
	struct timespec ts = {
		.tv_sec = (time_t)seconds,
		.tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9),
	};

	(void)c;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void ctl_init(struct ctl *c)
{
	const char *root = getenv("TAXCUTCTL_ROOT");

	memset(c, 0, sizeof(*c));
	c->root = root ? root : "";
	c->out = stdout;
	c->err = stderr;
	c->now = now_monotonic;
	c->pause = pause_for;
}

static void print_usage(FILE *f)
{
	size_t i;

	fputs("usage: taxcutctl [--json] [--root DIR] status\n"
	      "       taxcutctl [--json] [--root DIR] idle [INTERVAL [COUNT]] [--count COUNT]\n"
	      "       taxcutctl [--json] [--root DIR] set [--persist] [MODULE.]NAME=VALUE...\n"
	      "\n"
	      "  status    what this guest runs and why: taxcut's report, the cpuidle\n"
	      "            governor and tick devices from sysfs, poll windows from debugfs\n"
	      "  idle      per-CPU polling statistics over INTERVAL seconds (default 1),\n"
	      "            COUNT times (default: once without INTERVAL, else until stopped)\n"
	      "  set       check and write tunables; --persist prints the modprobe.d line\n"
	      "\n"
	      "  -j, --json         JSON output (idle: one object per line per interval)\n"
	      "  -r, --root DIR     read DIR/sys instead of /sys (also TAXCUTCTL_ROOT)\n"
	      "  -n, --count COUNT  idle: this many intervals\n"
	      "  -p, --persist      set: print the line that keeps the values\n"
	      "  -h, --help         this text; -V, --version: the version\n"
	      "\n"
	      "tunables (MODULE: taxcut, or taxcut_haltpoll for the in-tree governor):\n", f);
	for (i = 0; i < nr_tunables; i++) {
		const struct tunable *t = &tunables[i];

		fprintf(f, "  %-29s %s", t->name, t->what);
		if (t->type == TUNABLE_U32)
			fprintf(f, "; %lu-%lu", t->min, t->max);
		fprintf(f, "%s\n", t->runtime ? "" : "; at load only");
	}
}

/* A number of seconds: positive, at most an hour. */
static int parse_interval(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 3600)
		return -1;
	*out = v;
	return 0;
}

static int parse_count(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1)
		return -1;
	*out = v;
	return 0;
}

static int bad_usage(struct ctl *c, const char *fmt, const char *arg)
{
	fputs("taxcutctl: ", c->err);
	fprintf(c->err, fmt, arg);
	fputs(" (taxcutctl --help)\n", c->err);
	return CTL_USAGE;
}

int ctl_main(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "persist", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "status";
	bool persist = false;
	double interval = 1;
	long count = 0;
	int o, nargs;
	char **args;

	optind = 0;	/* a fresh parse each call (the unit test calls it often) */
	opterr = 0;
	while ((o = getopt_long(argc, argv, "jr:n:phV", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			c->json = true;
			break;
		case 'r':
			c->root = optarg;
			break;
		case 'n':
			if (parse_count(optarg, &count))
				return bad_usage(c, "--count: '%s' is not a count of 1 or more", optarg);
			break;
		case 'p':
			persist = true;
			break;
		case 'h':
			print_usage(c->out);
			return CTL_OK;
		case 'V':
			fprintf(c->out, "taxcutctl %s\n", TAXCUTCTL_VERSION);
			return CTL_OK;
		default:
			return bad_usage(c, "unknown option or missing value: '%s'", argv[optind - 1]);
		}
	}
	args = argv + optind;
	nargs = argc - optind;
	if (nargs) {
		cmd = args[0];
		args++;
		nargs--;
	}
	if (persist && strcmp(cmd, "set"))
		return bad_usage(c, "--persist is for set, not %s", cmd);
	if (count && strcmp(cmd, "idle"))
		return bad_usage(c, "--count is for idle, not %s", cmd);

	if (!strcmp(cmd, "status")) {
		if (nargs)
			return bad_usage(c, "status takes no argument ('%s')", args[0]);
		return ctl_status(c);
	}
	if (!strcmp(cmd, "idle")) {
		if (nargs > 2)
			return bad_usage(c, "idle: too many arguments ('%s')", args[2]);
		if (nargs >= 1 && parse_interval(args[0], &interval))
			return bad_usage(c, "idle: '%s' is not an interval in seconds (0-3600]", args[0]);
		if (nargs == 2 && parse_count(args[1], &count))
			return bad_usage(c, "idle: '%s' is not a count of 1 or more", args[1]);
		/* as vmstat: no interval, one report; an interval alone, until stopped */
		if (!nargs && !count)
			count = 1;
		return ctl_idle(c, interval, count);
	}
	if (!strcmp(cmd, "set")) {
		if (!nargs)
			return bad_usage(c, "set: which NAME=VALUE?%s", "");
		return ctl_set(c, nargs, args, persist);
	}
	return bad_usage(c, "no command '%s' (status, idle, set)", cmd);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * taxcutctl idle: per-CPU polling statistics as deltas over an interval,
 * as cpupower monitor shows them. Two sources, either may be missing:
 * taxcut's own counters (debugfs taxcut/idle for the taxcut_idle driver,
 * taxcut_haltpoll for the in-tree governor: a header line, then one line
 * per CPU) and each CPU's cpuidle states (sysfs stateN/name, usage, time).
 *
 * Everything here but idle_sample_read() is pure.
 */
#ifndef TAXCUTCTL_IDLE_H
#define TAXCUTCTL_IDLE_H

#include <stdbool.h>
#include <stdio.h>
#include "ctl.h"

#define IDLE_DEBUGFS_DRIVER	"/sys/kernel/debug/taxcut/idle"
#define IDLE_DEBUGFS_GOVERNOR	"/sys/kernel/debug/taxcut_haltpoll"
#define IDLE_MAX_STATES		10
#define IDLE_STATE_NAME		24

/* The columns of the debugfs table after "cpu", by their header names. */
enum hp_col {
	HP_WINDOW_NS, HP_TARGET_NS, HP_POLLS, HP_HITS, HP_TIMED_OUT, HP_HALTS,
	HP_POLL_NS, HP_WASTED_NS, HP_TIMER_CAPPED, HP_COLS
};
extern const char *const hp_col_names[HP_COLS];

struct idle_state {
	char name[IDLE_STATE_NAME];
	unsigned long long usage, time_us;
};

struct idle_cpu {
	int cpu;
	bool has_hp;
	unsigned long long hp[HP_COLS];
	int nstates;
	struct idle_state st[IDLE_MAX_STATES];
};

struct idle_sample {
	double t;			/* seconds, the monitor's clock */
	int n, room;
	struct idle_cpu *cpus;		/* ascending by cpu */
	const char *source;		/* "debugfs taxcut/idle", ... or NULL */
	char why[256];			/* with no source: why not */
};

/*
 * The debugfs file to read for a cpuidle driver and governor: the
 * taxcut_idle driver's, or the taxcut governor's, or NULL for neither.
 */
const char *idle_stats_path(const char *driver, const char *governor);

/* The CPU's entry of @s, added (zeroed) if @add; NULL if absent or out of memory. */
struct idle_cpu *idle_cpu_get(struct idle_sample *s, int cpu, bool add);

/*
 * The debugfs table into @s; -1 if its header is not the one we know
 * (a column missing), else the number of CPU lines.
 */
int hp_parse(const char *text, struct idle_sample *s);

/* @cur minus @prev into @d (counters; window and target as in @cur). */
int idle_delta(const struct idle_sample *prev, const struct idle_sample *cur,
	       struct idle_sample *d);

/* One interval: a table (text) or one JSON object on one line. */
void idle_print_text(FILE *f, const struct idle_sample *d, double seconds);
void idle_print_json(FILE *f, const struct idle_sample *d, double seconds);

void idle_sample_free(struct idle_sample *s);

/* Reads both sources now (I/O); -1 if neither has anything. */
int idle_sample_read(struct ctl *c, struct idle_sample *s);

#endif /* TAXCUTCTL_IDLE_H */

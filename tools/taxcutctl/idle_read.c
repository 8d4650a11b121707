// SPDX-License-Identifier: GPL-2.0
/* taxcutctl idle: the samples and the loop (I/O; see idle.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "idle.h"
#include "sysfs.h"

#define MAX_CPUS	8192

static unsigned long long read_ull(struct ctl *c, const char *path, bool *ok)
{
	char *s = sysfs_read_line(c, path), *end;
	unsigned long long v = 0;

	if (s)
		v = strtoull(s, &end, 10);
	if (!s || end == s)
		*ok = false;
	free(s);
	return v;
}

/* Each CPU's cpuidle states: name, usage, time (us). */
static int read_states(struct ctl *c, struct idle_sample *s)
{
	int *cpus = calloc(MAX_CPUS, sizeof(*cpus));
	int i, j, n, found = 0;

	if (!cpus)
		return -1;
	n = sysfs_list_numbered(c, SYSFS_CPU, "cpu", cpus, MAX_CPUS);
	for (i = 0; i < n; i++) {
		int states[IDLE_MAX_STATES], ns;
		struct idle_cpu *cpu = NULL;
		char dir[96];

		snprintf(dir, sizeof(dir), SYSFS_CPU "/cpu%d/cpuidle", cpus[i]);
		ns = sysfs_list_numbered(c, dir, "state", states, IDLE_MAX_STATES);
		for (j = 0; j < ns; j++) {
			char path[160], *name;
			struct idle_state *st;
			bool ok = true;

			if (!cpu)
				cpu = idle_cpu_get(s, cpus[i], true);
			if (!cpu)
				break;
			st = &cpu->st[cpu->nstates];
			snprintf(path, sizeof(path), "%s/state%d/name", dir, states[j]);
			name = sysfs_read_line(c, path);
			snprintf(st->name, sizeof(st->name), "%s", name ? name : "?");
			free(name);
			snprintf(path, sizeof(path), "%s/state%d/usage", dir, states[j]);
			st->usage = read_ull(c, path, &ok);
			snprintf(path, sizeof(path), "%s/state%d/time", dir, states[j]);
			st->time_us = read_ull(c, path, &ok);
			/* a state that vanished between the listing and the read: left out */
			if (ok && name)
				cpu->nstates++;
		}
		found += cpu && cpu->nstates;
	}
	free(cpus);
	return found;
}

int idle_sample_read(struct ctl *c, struct idle_sample *s)
{
	char *driver = sysfs_read_line(c, SYSFS_CPUIDLE "/current_driver");
	char *gov = sysfs_read_line(c, SYSFS_CPUIDLE "/current_governor");
	const char *path;
	char *text = NULL;
	int states, rows = 0;

	if (!gov)
		gov = sysfs_read_line(c, SYSFS_CPUIDLE "/current_governor_ro");
	path = idle_stats_path(driver, gov);
	/* the driver's file exists only while it is registered */
	if (!path && sysfs_exists(c, IDLE_DEBUGFS_DRIVER))
		path = IDLE_DEBUGFS_DRIVER;
	s->t = c->now(c);
	s->source = NULL;
	if (path) {
		text = sysfs_read(c, path);
		if (!text)
			debugfs_why(c, path, s->why, sizeof(s->why));
	} else {
		snprintf(s->why, sizeof(s->why),
			 "cpuidle driver %s, governor %s: neither is taxcut's",
			 driver ? driver : "none", gov ? gov : "unknown");
	}
	if (text) {
		rows = hp_parse(text, s);
		if (rows < 0)
			snprintf(s->why, sizeof(s->why), "%s has columns we do not know", path);
		else
			s->source = !strcmp(path, IDLE_DEBUGFS_DRIVER) ? "debugfs taxcut/idle" :
				    "debugfs taxcut_haltpoll";
	}
	free(text);
	free(driver);
	free(gov);
	states = read_states(c, s);
	return rows > 0 || states > 0 ? 0 : -1;
}

int ctl_idle(struct ctl *c, double interval, long count)
{
	struct idle_sample prev = { 0 }, cur = { 0 };
	long i;
	int ret = CTL_OK;

	if (idle_sample_read(c, &prev)) {
		fprintf(c->err, "taxcutctl: no idle statistics: %s, and no cpuidle states in sysfs\n",
			prev.why);
		idle_sample_free(&prev);
		return CTL_FAIL;
	}
	for (i = 0; !count || i < count; i++) {
		struct idle_sample d = { 0 };

		c->pause(c, interval);
		if (idle_sample_read(c, &cur) || idle_delta(&prev, &cur, &d)) {
			fprintf(c->err, "taxcutctl: the idle statistics went away\n");
			ret = CTL_FAIL;
			idle_sample_free(&d);
			break;
		}
		if (c->json) {
			idle_print_json(c->out, &d, d.t);
		} else {
			if (i)
				fputc('\n', c->out);
			idle_print_text(c->out, &d, d.t);
		}
		fflush(c->out);
		idle_sample_free(&d);
		idle_sample_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
	}
	idle_sample_free(&prev);
	idle_sample_free(&cur);
	return ret;
}

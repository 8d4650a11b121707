// SPDX-License-Identifier: GPL-2.0
/* taxcutctl status: reading what status_build() needs (I/O). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "idle.h"
#include "status.h"
#include "sysfs.h"

#define MAX_CPUS	8192

struct status_files {
	struct status_input in;
	char *cpuid_base, *features, *hints, *policy, *driver, *governor;
	char *idle_stats, *timer_stats;
	char governor_why[256], idle_why[256], timer_why[256];
	char idle_name[64];
	int cpus[MAX_CPUS];
	char *ticks[MAX_CPUS];
};

/* The governor: current_governor, or current_governor_ro on kernels without it. */
static char *read_governor(struct ctl *c, char *why, size_t len)
{
	char *g = sysfs_read_line(c, SYSFS_CPUIDLE "/current_governor");

	if (!g)
		g = sysfs_read_line(c, SYSFS_CPUIDLE "/current_governor_ro");
	if (!g)
		snprintf(why, len, "no %s/current_governor", SYSFS_CPUIDLE);
	return g;
}

static void read_ticks(struct ctl *c, struct status_files *s)
{
	int i, n = sysfs_list_numbered(c, SYSFS_CLOCKEVENTS, "clockevent", s->cpus, MAX_CPUS);

	for (i = 0; i < n; i++) {
		char path[128];

		snprintf(path, sizeof(path), SYSFS_CLOCKEVENTS "/clockevent%d/current_device",
			 s->cpus[i]);
		s->ticks[i] = sysfs_read_line(c, path);
	}
	s->in.ncpus = n > 0 ? n : 0;
	s->in.cpus = s->cpus;
	s->in.tick_device = (const char *const *)s->ticks;
}

static void read_debugfs(struct ctl *c, struct status_files *s)
{
	const char *path = idle_stats_path(s->driver, s->governor);

	if (path) {
		/* "debugfs taxcut/idle": the name under the mount point */
		snprintf(s->idle_name, sizeof(s->idle_name), "%s", path + strlen(DEBUGFS "/"));
		s->in.idle_stats_name = s->idle_name;
		s->idle_stats = sysfs_read(c, path);
		if (!s->idle_stats)
			debugfs_why(c, path, s->idle_why, sizeof(s->idle_why));
	}
	s->timer_stats = sysfs_read(c, DEBUGFS "/taxcut/exitless_timer");
	if (!s->timer_stats)
		debugfs_why(c, DEBUGFS "/taxcut/exitless_timer", s->timer_why, sizeof(s->timer_why));
	s->in.idle_stats = s->idle_stats;
	s->in.idle_stats_why = s->idle_why;
	s->in.timer_stats = s->timer_stats;
	s->in.timer_stats_why = s->timer_why;
}

static void free_files(struct status_files *s)
{
	int i;

	free(s->cpuid_base);
	free(s->features);
	free(s->hints);
	free(s->policy);
	free(s->driver);
	free(s->governor);
	free(s->idle_stats);
	free(s->timer_stats);
	for (i = 0; i < s->in.ncpus; i++)
		free(s->ticks[i]);
}

int ctl_status(struct ctl *c)
{
	struct status_files *s = calloc(1, sizeof(*s));
	struct kv_list lines = { 0 };
	int ret;

	if (!s) {
		fprintf(c->err, "taxcutctl: out of memory\n");
		return CTL_FAIL;
	}
	s->in.loaded = sysfs_exists(c, SYSFS_TAXCUT);
	if (s->in.loaded) {
		s->cpuid_base = sysfs_read(c, SYSFS_TAXCUT "/cpuid_base");
		s->features = sysfs_read(c, SYSFS_TAXCUT "/features");
		s->hints = sysfs_read(c, SYSFS_TAXCUT "/hints");
		s->policy = sysfs_read(c, SYSFS_TAXCUT "/policy");
	}
	s->driver = sysfs_read_line(c, SYSFS_CPUIDLE "/current_driver");
	s->governor = read_governor(c, s->governor_why, sizeof(s->governor_why));
	read_ticks(c, s);
	read_debugfs(c, s);
	s->in.cpuid_base = s->cpuid_base;
	s->in.features = s->features;
	s->in.hints = s->hints;
	s->in.policy = s->policy;
	s->in.cpuidle_driver = s->driver;
	s->in.cpuidle_governor = s->governor;
	s->in.governor_why = s->governor_why;

	if (status_build(&s->in, &lines)) {
		fprintf(c->err, "taxcutctl: out of memory\n");
		ret = CTL_FAIL;
	} else {
		if (c->json)
			status_print_json(c->out, &lines, s->in.loaded);
		else
			status_print_text(c->out, &lines);
		ret = s->in.loaded ? CTL_OK : CTL_NOT_LOADED;
	}
	kv_free(&lines);
	free_files(s);
	free(s);
	return ret;
}

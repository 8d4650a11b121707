// SPDX-License-Identifier: GPL-2.0
/* taxcutctl idle: parsing, deltas and printing (see idle.h); no I/O. */
#include <stdlib.h>
#include <string.h>
#include "idle.h"
#include "json.h"

const char *const hp_col_names[HP_COLS] = {
	"window_ns", "target_ns", "polls", "hits", "timed_out", "halts",
	"poll_ns", "wasted_ns", "timer_capped",
};

/* The text table's headings of the same columns (window and target in us). */
static const char *const hp_col_heads[HP_COLS] = {
	"WINDOW_US", "TARGET_US", "POLLS", "CAUGHT", "TIMEDOUT", "HALTS",
	"POLLED_US", "WASTED_US", "CAPPED",
};

const char *idle_stats_path(const char *driver, const char *governor)
{
	if (driver && !strcmp(driver, "taxcut_idle"))
		return IDLE_DEBUGFS_DRIVER;
	if (governor && !strcmp(governor, "taxcut"))
		return IDLE_DEBUGFS_GOVERNOR;
	return NULL;
}

struct idle_cpu *idle_cpu_get(struct idle_sample *s, int cpu, bool add)
{
	struct idle_cpu *c;
	int i;

	for (i = 0; i < s->n && s->cpus[i].cpu <= cpu; i++)
		if (s->cpus[i].cpu == cpu)
			return &s->cpus[i];
	if (!add)
		return NULL;
	if (s->n == s->room) {
		int room = s->room ? 2 * s->room : 8;

		c = realloc(s->cpus, room * sizeof(*c));
		if (!c)
			return NULL;
		s->cpus = c;
		s->room = room;
	}
	/* kept in CPU order: the table is printed as it is */
	memmove(&s->cpus[i + 1], &s->cpus[i], (s->n - i) * sizeof(*c));
	s->n++;
	c = &s->cpus[i];
	memset(c, 0, sizeof(*c));
	c->cpu = cpu;
	return c;
}

/* The index of each known column in the header's words, or -1 if one is missing. */
static int hp_header(const char *line, size_t len, int col_of[HP_COLS])
{
	char *copy = strndup(line, len), *save = NULL, *w;
	int i, word = 0, ret = 0;

	if (!copy)
		return -1;
	for (i = 0; i < HP_COLS; i++)
		col_of[i] = -1;
	for (w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save), word++) {
		if (!word && strcmp(w, "cpu"))
			ret = -1;
		for (i = 0; i < HP_COLS; i++)
			if (!strcmp(w, hp_col_names[i]))
				col_of[i] = word;
	}
	for (i = 0; i < HP_COLS; i++)
		if (col_of[i] < 0)
			ret = -1;
	free(copy);
	return ret;
}

int hp_parse(const char *text, struct idle_sample *s)
{
	int col_of[HP_COLS], rows = 0, i;
	const char *line = text;
	size_t len = strcspn(text, "\n");

	if (hp_header(line, len, col_of))
		return -1;
	for (line += len; *line == '\n'; line += len) {
		unsigned long long words[32];
		struct idle_cpu *c;
		const char *p;
		char *end;
		int n = 0;

		line++;
		len = strcspn(line, "\n");
		/* one line: "CPU" then the counters, in the header's order */
		for (p = line; n < 32 && p < line + len; n++) {
			while (*p == ' ')
				p++;
			if (p >= line + len)
				break;
			words[n] = strtoull(p, &end, 10);
			if (end == p)
				return -1;
			p = end;
		}
		if (!n)
			continue;
		for (i = 0; i < HP_COLS; i++)
			if (col_of[i] >= n)
				return -1;
		c = idle_cpu_get(s, (int)words[0], true);
		if (!c)
			return -1;
		c->has_hp = true;
		for (i = 0; i < HP_COLS; i++)
			c->hp[i] = words[col_of[i]];
		rows++;
	}
	return rows;
}

/* A counter that went back (the module reloaded): counted from zero. */
static unsigned long long since(unsigned long long now, unsigned long long then)
{
	return now >= then ? now - then : now;
}

int idle_delta(const struct idle_sample *prev, const struct idle_sample *cur,
	       struct idle_sample *d)
{
	int i, j, k;

	d->t = cur->t - prev->t;
	d->source = cur->source;
	memcpy(d->why, cur->why, sizeof(d->why));
	for (i = 0; i < cur->n; i++) {
		const struct idle_cpu *now = &cur->cpus[i];
		const struct idle_cpu *then = idle_cpu_get((struct idle_sample *)prev, now->cpu, false);
		struct idle_cpu *out = idle_cpu_get(d, now->cpu, true);

		if (!out)
			return -1;
		*out = *now;
		if (!then)
			continue;
		for (j = HP_POLLS; now->has_hp && then->has_hp && j < HP_COLS; j++)
			out->hp[j] = since(now->hp[j], then->hp[j]);
		for (j = 0; j < now->nstates; j++) {
			/* the same state by name: a new driver renumbers them */
			for (k = 0; k < then->nstates; k++) {
				if (strcmp(then->st[k].name, now->st[j].name))
					continue;
				out->st[j].usage = since(now->st[j].usage, then->st[k].usage);
				out->st[j].time_us = since(now->st[j].time_us, then->st[k].time_us);
				break;
			}
		}
	}
	return 0;
}

static bool any_hp(const struct idle_sample *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (d->cpus[i].has_hp)
			return true;
	return false;
}

/* The state names of the CPU with the most states: the table's columns. */
static const struct idle_cpu *state_model(const struct idle_sample *d)
{
	const struct idle_cpu *m = NULL;
	int i;

	for (i = 0; i < d->n; i++)
		if (d->cpus[i].nstates && (!m || d->cpus[i].nstates > m->nstates))
			m = &d->cpus[i];
	return m;
}

/*
 * The share of @seconds in a state. The kernel adds a state's time when
 * the CPU leaves it, so a sleep that began before the interval counts
 * whole: capped at the interval.
 */
static double residency(unsigned long long time_us, double seconds)
{
	double share = seconds > 0 ? 100.0 * (double)time_us / (seconds * 1e6) : 0.0;

	return share < 100.0 ? share : 100.0;
}

static unsigned long long capped_us(unsigned long long time_us, double seconds)
{
	double most = seconds * 1e6;

	return (double)time_us < most ? time_us : (unsigned long long)most;
}

static int state_width(const char *name)
{
	int w = (int)strlen(name) + 1;

	return w < 7 ? 7 : w;
}

static void print_states(FILE *f, const struct idle_cpu *m, const struct idle_cpu *c,
			 double seconds)
{
	int j, k;

	for (j = 0; m && j < m->nstates; j++) {
		int w = state_width(m->st[j].name);

		for (k = 0; c && k < c->nstates; k++)
			if (!strcmp(c->st[k].name, m->st[j].name))
				break;
		if (c && k < c->nstates)
			fprintf(f, " %*.1f", w, residency(c->st[k].time_us, seconds));
		else
			fprintf(f, " %*s", w, "-");
	}
}

static void print_hp(FILE *f, const struct idle_cpu *c)
{
	int j;

	for (j = 0; j < HP_COLS; j++) {
		int w = (int)strlen(hp_col_heads[j]);

		if (!c || !c->has_hp)
			fprintf(f, " %*s", w, "-");
		else if (j <= HP_TARGET_NS || j == HP_POLL_NS || j == HP_WASTED_NS)
			fprintf(f, " %*llu", w, c->hp[j] / 1000);
		else
			fprintf(f, " %*llu", w, c->hp[j]);
	}
}

void idle_print_text(FILE *f, const struct idle_sample *d, double seconds)
{
	const struct idle_cpu *m = state_model(d);
	bool hp = any_hp(d);
	struct idle_cpu all = { .cpu = -1 };
	int i, j, k;

	if (d->source)
		fprintf(f, "%.2f s; taxcut's counters from %s%s\n", seconds, d->source,
			m ? ", residency (%) from cpuidle sysfs" : "");
	else
		fprintf(f, "%.2f s; no taxcut counters: %s%s\n", seconds, d->why,
			m ? "; residency (%) from cpuidle sysfs" : "");
	fputs("CPU", f);
	for (j = 0; hp && j < HP_COLS; j++)
		fprintf(f, " %s", hp_col_heads[j]);
	for (j = 0; m && j < m->nstates; j++)
		fprintf(f, " %*s", state_width(m->st[j].name), m->st[j].name);
	fputc('\n', f);

	/* the "all" row: counters summed, residency averaged over the CPUs */
	if (m)
		all.nstates = m->nstates;
	for (j = 0; m && j < m->nstates; j++)
		memcpy(all.st[j].name, m->st[j].name, sizeof(all.st[j].name));
	for (i = 0; i < d->n; i++) {
		const struct idle_cpu *c = &d->cpus[i];

		fprintf(f, "%3d", c->cpu);
		if (hp)
			print_hp(f, c);
		print_states(f, m, c, seconds);
		fputc('\n', f);
		all.has_hp |= c->has_hp;
		for (j = HP_POLLS; c->has_hp && j < HP_COLS; j++)
			all.hp[j] += c->hp[j];
		for (j = 0; j < all.nstates; j++)
			for (k = 0; k < c->nstates; k++)
				if (!strcmp(c->st[k].name, all.st[j].name))
					all.st[j].time_us += capped_us(c->st[k].time_us, seconds);
	}
	if (d->n < 2)
		return;
	fputs("all", f);
	if (hp) {
		/* a sum of windows means nothing: "-" */
		for (j = 0; j < HP_POLLS; j++)
			fprintf(f, " %*s", (int)strlen(hp_col_heads[j]), "-");
		for (j = HP_POLLS; j < HP_COLS; j++)
			fprintf(f, " %*llu", (int)strlen(hp_col_heads[j]),
				j == HP_POLL_NS || j == HP_WASTED_NS ? all.hp[j] / 1000 : all.hp[j]);
	}
	print_states(f, m, &all, seconds * d->n);
	fputc('\n', f);
}

void idle_print_json(FILE *f, const struct idle_sample *d, double seconds)
{
	int i, j;

	fprintf(f, "{\"interval_s\":%.3f,", seconds);
	json_key(f, "source");
	json_str(f, d->source);
	fputc(',', f);
	json_key(f, "why");
	json_str(f, d->source ? NULL : d->why);
	fputs(",\"cpus\":[", f);
	for (i = 0; i < d->n; i++) {
		const struct idle_cpu *c = &d->cpus[i];

		fprintf(f, "%s{\"cpu\":%d", i ? "," : "", c->cpu);
		for (j = 0; c->has_hp && j < HP_COLS; j++)
			fprintf(f, ",\"%s\":%llu", hp_col_names[j], c->hp[j]);
		fputs(",\"states\":[", f);
		for (j = 0; j < c->nstates; j++) {
			fputs(j ? ",{" : "{", f);
			json_key(f, "name");
			json_str(f, c->st[j].name);
			fprintf(f, ",\"usage\":%llu,\"time_us\":%llu,\"residency_pct\":%.1f}",
				c->st[j].usage, c->st[j].time_us,
				residency(c->st[j].time_us, seconds));
		}
		fputs("]}", f);
	}
	fputs("]}\n", f);
}

void idle_sample_free(struct idle_sample *s)
{
	free(s->cpus);
	s->cpus = NULL;
	s->n = 0;
	s->room = 0;
}

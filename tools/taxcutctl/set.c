// SPDX-License-Identifier: GPL-2.0
/*
 * taxcutctl set: every NAME=VALUE checked first (the table's bounds, the
 * module being there, the governor being one the kernel has), then each
 * written and read back. Nothing is written if one of them is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "json.h"
#include "report.h"
#include "sysfs.h"
#include "tunables.h"

struct change {
	struct setting s;
	enum tunable_home home;
	char path[128];
	char *old;
	bool write;		/* false: --persist only (load-time, or not loaded) */
};

/* Where an unqualified name goes: the module that has it now, else taxcut.ko. */
static enum tunable_home pick_home(struct ctl *c, const struct setting *s)
{
	static const enum tunable_home order[] = { HOME_TAXCUT, HOME_GOVERNOR, HOME_CPUIDLE };
	char path[128];
	size_t i;

	if (s->home)
		return s->home;
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		if (!(s->t->homes & order[i]))
			continue;
		setting_path(s, order[i], path, sizeof(path));
		if (sysfs_exists(c, path))
			return order[i];
	}
	return s->t->homes & HOME_TAXCUT ? HOME_TAXCUT :
	       s->t->homes & HOME_GOVERNOR ? HOME_GOVERNOR : HOME_CPUIDLE;
}

static int check_governor(struct ctl *c, const struct change *ch)
{
	char *list = sysfs_read_line(c, SYSFS_CPUIDLE "/available_governors");
	int ret = 0;

	if (list)
		strip(list);	/* the kernel ends the list with a blank */
	if (!list) {
		fprintf(c->err, "taxcutctl: set: governor: no %s/available_governors (no cpuidle?)\n",
			SYSFS_CPUIDLE);
		return -1;
	}
	if (!word_in(list, ch->s.value)) {
		fprintf(c->err, "taxcutctl: set: governor: '%s' is not one of this kernel's: %s\n",
			ch->s.value, list);
		ret = -1;
	}
	free(list);
	return ret;
}

/* Whether @ch can be done as asked: a message and -1 if not. */
static int check(struct ctl *c, struct change *ch, bool persist)
{
	const char *name = ch->s.t->name;

	ch->home = pick_home(c, &ch->s);
	setting_path(&ch->s, ch->home, ch->path, sizeof(ch->path));
	if (!ch->s.t->runtime) {
		if (persist)
			return 0;
		fprintf(c->err, "taxcutctl: set: %s is read when taxcut loads, not after: modprobe taxcut %s=%s (--persist prints the modprobe.d line)\n",
			name, name, ch->s.value);
		return -1;
	}
	if (!sysfs_exists(c, ch->path)) {
		if (persist && ch->home != HOME_CPUIDLE) {
			fprintf(c->err, "taxcutctl: set: %s: no %s: not set now, the line below applies from the next load\n",
				name, ch->path);
			return 0;
		}
		fprintf(c->err, "taxcutctl: set: %s: no %s (%s)\n", name, ch->path,
			ch->home == HOME_TAXCUT ? "taxcut is not loaded" :
			ch->home == HOME_GOVERNOR ? "this kernel has no taxcut governor" :
			"no cpuidle");
		return -1;
	}
	if (ch->s.t->type == TUNABLE_GOVERNOR && check_governor(c, ch))
		return -1;
	ch->write = true;
	return 0;
}

static int apply(struct ctl *c, struct change *ch)
{
	char *now;
	int ret;

	ch->old = sysfs_read_line(c, ch->path);
	ret = sysfs_write(c, ch->path, ch->s.value);
	if (ret == -EINVAL) {
		fprintf(c->err, "taxcutctl: set: the kernel refused %s=%s (its log says why)\n",
			ch->s.t->name, ch->s.value);
		return -1;
	}
	if (ret == -EACCES || ret == -EPERM) {
		fprintf(c->err, "taxcutctl: set: %s: permission denied (run as root)\n", ch->path);
		return -1;
	}
	if (ret) {
		fprintf(c->err, "taxcutctl: set: %s: %s\n", ch->path, strerror(-ret));
		return -1;
	}
	now = sysfs_read_line(c, ch->path);
	if (!now || strcmp(now, ch->s.value)) {
		fprintf(c->err, "taxcutctl: set: %s reads '%s' after writing '%s'\n",
			ch->path, now ? now : "(nothing)", ch->s.value);
		free(now);
		return -1;
	}
	free(now);
	return 0;
}

static void print_json(struct ctl *c, const struct change *ch, int n, bool persist)
{
	char line[192];
	int i;

	fputs("{\"set\":[", c->out);
	for (i = 0; i < n; i++) {
		fputs(i ? ",{" : "{", c->out);
		json_key(c->out, "name");
		json_str(c->out, ch[i].s.t->name);
		fputc(',', c->out);
		json_key(c->out, "path");
		json_str(c->out, ch[i].path);
		fputc(',', c->out);
		json_key(c->out, "old");
		json_str(c->out, ch[i].write ? ch[i].old : NULL);
		fputc(',', c->out);
		json_key(c->out, "value");
		json_str(c->out, ch[i].s.value);
		fprintf(c->out, ",\"written\":%s,", ch[i].write ? "true" : "false");
		setting_persist(&ch[i].s, ch[i].home, line, sizeof(line));
		json_key(c->out, "persist");
		json_str(c->out, persist ? line : NULL);
		fputc('}', c->out);
	}
	fputs("]}\n", c->out);
}

/*
 * The modprobe.d lines: taxcut.ko's settings on one "options taxcut"
 * line, built-in ones as kernel command line comments.
 */
static void print_persist(struct ctl *c, const struct change *ch, int n)
{
	char line[192];
	bool opened = false;
	int i;

	for (i = 0; i < n; i++) {
		if (ch[i].home != HOME_TAXCUT)
			continue;
		fprintf(c->out, "%s %s=%s", opened ? "" : "options taxcut", ch[i].s.t->name,
			ch[i].s.value);
		opened = true;
	}
	if (opened)
		fputc('\n', c->out);
	for (i = 0; i < n; i++) {
		if (ch[i].home == HOME_TAXCUT)
			continue;
		setting_persist(&ch[i].s, ch[i].home, line, sizeof(line));
		fprintf(c->out, "%s\n", line);
	}
}

int ctl_set(struct ctl *c, int argc, char **argv, bool persist)
{
	struct change *ch = calloc(argc + 1, sizeof(*ch));
	int i, ret = CTL_OK;
	char err[256];

	if (!ch) {
		fprintf(c->err, "taxcutctl: out of memory\n");
		return CTL_FAIL;
	}
	for (i = 0; i < argc && ret == CTL_OK; i++) {
		if (setting_parse(argv[i], &ch[i].s, err, sizeof(err))) {
			fprintf(c->err, "taxcutctl: set: %s\n", err);
			ret = CTL_FAIL;
		}
	}
	for (i = 0; i < argc && ret == CTL_OK; i++)
		if (check(c, &ch[i], persist))
			ret = CTL_FAIL;
	for (i = 0; i < argc && ret == CTL_OK; i++) {
		if (!ch[i].write)
			continue;
		if (apply(c, &ch[i])) {
			ret = CTL_FAIL;
			break;
		}
		/* with --persist, stdout is for the lines alone (>> a modprobe.d file) */
		if (!c->json)
			fprintf(persist ? c->err : c->out, "%s: %s -> %s (%s)\n", ch[i].s.t->name,
				ch[i].old ? ch[i].old : "?", ch[i].s.value, ch[i].path);
	}
	if (ret == CTL_OK && c->json)
		print_json(c, ch, argc, persist);
	else if (ret == CTL_OK && persist)
		print_persist(c, ch, argc);
	for (i = 0; i < argc; i++)
		free(ch[i].old);
	free(ch);
	return ret;
}

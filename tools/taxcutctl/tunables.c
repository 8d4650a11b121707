// SPDX-License-Identifier: GPL-2.0
/* taxcut's tunables and their checks (see tunables.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "tunables.h"

#define HP	(HOME_TAXCUT | HOME_GOVERNOR)

/* Bounds as drivers/cpuidle/haltpoll_policy.c and taxcut_timer.c check them. */
const struct tunable tunables[] = {
	{ "guest_halt_poll_ns", TUNABLE_U32, 0, 8000000, true, HP,
	  "longest poll window, ns" },
	{ "guest_halt_poll_grow", TUNABLE_U32, 0, 64, true, HP,
	  "most the window grows per idle period, factor (0: at once)" },
	{ "guest_halt_poll_grow_start", TUNABLE_U32, 0, 8000000, true, HP,
	  "first window when polling starts, ns" },
	{ "guest_halt_poll_shrink", TUNABLE_U32, 0, 64, true, HP,
	  "most the window shrinks per idle period, divisor (0: at once)" },
	{ "guest_halt_poll_allow_shrink", TUNABLE_BOOL, 0, 1, true, HP,
	  "let the window shrink" },
	{ "hit_worth_ns", TUNABLE_U32, 0, 10000000, true, HP,
	  "wasted polling one caught wakeup is worth, ns (0: the measured halt cost)" },
	{ "exitless_timer", TUNABLE_BOOL, 0, 1, true, HOME_TAXCUT,
	  "use the agent's timer region for the tick" },
	{ "force", TUNABLE_BOOL, 0, 1, false, HOME_TAXCUT,
	  "register the idle driver without the KVM REALTIME hint" },
	{ "timer_watch_ms", TUNABLE_U32, 10, 1000, false, HOME_TAXCUT,
	  "how often the housekeeping CPU looks at the agent, ms" },
	{ "governor", TUNABLE_GOVERNOR, 0, 0, true, HOME_CPUIDLE,
	  "the cpuidle governor (taxcut: the in-tree adaptive one)" },
};

const size_t nr_tunables = ARRAY_SIZE(tunables);

static const char *home_name(enum tunable_home home)
{
	switch (home) {
	case HOME_TAXCUT:
		return "taxcut";
	case HOME_GOVERNOR:
		return "taxcut_haltpoll";
	case HOME_CPUIDLE:
		return "cpuidle";
	}
	return "?";
}

static const struct tunable *find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < nr_tunables; i++)
		if (strlen(tunables[i].name) == len && !strncmp(tunables[i].name, name, len))
			return &tunables[i];
	return NULL;
}

/* As the kernel's kstrtobool() reads them, written back as Y or N. */
static int parse_bool(const char *v, char *out, size_t len)
{
	static const char *const yes[] = { "1", "y", "Y", "yes", "on", "true" };
	static const char *const no[] = { "0", "n", "N", "no", "off", "false" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(v, yes[i])) {
			snprintf(out, len, "Y");
			return 0;
		}
		if (!strcmp(v, no[i])) {
			snprintf(out, len, "N");
			return 0;
		}
	}
	return -1;
}

/* Decimal digits only: the kernel would read "010" as octal. */
static int parse_u32(const struct tunable *t, const char *v, char *out, size_t len)
{
	unsigned long long n;
	const char *p;
	char *end;

	for (p = v; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	if (!*v || strlen(v) > 12)
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n < t->min || n > t->max)
		return -1;
	snprintf(out, len, "%llu", n);
	return 0;
}

static bool governor_name_ok(const char *v)
{
	const char *p;

	if (!*v || strlen(v) >= 16)	/* CPUIDLE_NAME_LEN */
		return false;
	for (p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return true;
}

static void describe(const struct tunable *t, char *buf, size_t len)
{
	switch (t->type) {
	case TUNABLE_U32:
		snprintf(buf, len, "a whole number from %lu to %lu", t->min, t->max);
		break;
	case TUNABLE_BOOL:
		snprintf(buf, len, "a boolean (1, 0, Y, N, yes, no, on, off, true, false)");
		break;
	case TUNABLE_GOVERNOR:
		snprintf(buf, len, "a cpuidle governor's name");
		break;
	}
}

int setting_parse(const char *arg, struct setting *s, char *err, size_t len)
{
	const char *eq = strchr(arg, '='), *name = arg, *dot;
	size_t nlen;
	char range[96];
	int bad = 0;

	memset(s, 0, sizeof(*s));
	if (!eq || eq == arg) {
		snprintf(err, len, "'%s': not NAME=VALUE", arg);
		return -1;
	}
	nlen = eq - arg;
	dot = memchr(arg, '.', nlen);
	if (dot) {
		size_t mlen = dot - arg;

		if (mlen == 6 && !strncmp(arg, "taxcut", 6)) {
			s->home = HOME_TAXCUT;
		} else if (mlen == 15 && !strncmp(arg, "taxcut_haltpoll", 15)) {
			s->home = HOME_GOVERNOR;
		} else {
			snprintf(err, len, "'%.*s': not one of taxcut's modules (taxcut, taxcut_haltpoll)",
				 (int)mlen, arg);
			return -1;
		}
		name = dot + 1;
		nlen = eq - name;
	}
	s->t = find(name, nlen);
	if (!s->t) {
		snprintf(err, len, "'%.*s': no such tunable (taxcutctl --help lists them)",
			 (int)nlen, name);
		return -1;
	}
	if (s->home && !(s->t->homes & s->home)) {
		snprintf(err, len, "%s: %s has no such parameter", s->t->name, home_name(s->home));
		return -1;
	}
	switch (s->t->type) {
	case TUNABLE_U32:
		bad = parse_u32(s->t, eq + 1, s->value, sizeof(s->value));
		break;
	case TUNABLE_BOOL:
		bad = parse_bool(eq + 1, s->value, sizeof(s->value));
		break;
	case TUNABLE_GOVERNOR:
		bad = !governor_name_ok(eq + 1);
		snprintf(s->value, sizeof(s->value), "%s", eq + 1);
		break;
	}
	if (bad) {
		describe(s->t, range, sizeof(range));
		snprintf(err, len, "%s: '%s' is not %s", s->t->name, eq + 1, range);
		return -1;
	}
	return 0;
}

void setting_path(const struct setting *s, enum tunable_home home, char *buf, size_t len)
{
	if (home == HOME_CPUIDLE)
		snprintf(buf, len, "/sys/devices/system/cpu/cpuidle/current_governor");
	else
		snprintf(buf, len, "/sys/module/%s/parameters/%s", home_name(home), s->t->name);
}

void setting_persist(const struct setting *s, enum tunable_home home, char *buf, size_t len)
{
	if (home == HOME_TAXCUT)
		snprintf(buf, len, "options taxcut %s=%s", s->t->name, s->value);
	else if (home == HOME_GOVERNOR)
		snprintf(buf, len, "# kernel command line (built in): taxcut_haltpoll.%s=%s",
			 s->t->name, s->value);
	else
		snprintf(buf, len, "# kernel command line: cpuidle.governor=%s", s->value);
}

bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (p && *p) {
		p += strspn(p, " \t\n");
		if (!strncmp(p, word, n) && (!p[n] || strchr(" \t\n", p[n])))
			return true;
		p += strcspn(p, " \t\n");
	}
	return false;
}

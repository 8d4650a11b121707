/* SPDX-License-Identifier: GPL-2.0 */
/*
 * taxcut's tunables, their bounds (those the kernel checks: a value out of
 * them is refused here with the range rather than by a bare -EINVAL) and
 * where each one lives: taxcut.ko's parameters (/sys/module/taxcut), the
 * in-tree governor's (/sys/module/taxcut_haltpoll: built in, so they
 * persist on the kernel command line, not in modprobe.d) and the cpuidle
 * governor itself. Pure: no file is read here.
 */
#ifndef TAXCUTCTL_TUNABLES_H
#define TAXCUTCTL_TUNABLES_H

#include <stdbool.h>
#include <stddef.h>

enum tunable_type { TUNABLE_U32, TUNABLE_BOOL, TUNABLE_GOVERNOR };

/* Where a tunable lives. */
enum tunable_home {
	HOME_TAXCUT = 1,		/* taxcut.ko: /sys/module/taxcut/parameters */
	HOME_GOVERNOR = 2,		/* built in: /sys/module/taxcut_haltpoll/parameters */
	HOME_CPUIDLE = 4,		/* /sys/devices/system/cpu/cpuidle */
};

struct tunable {
	const char *name;
	enum tunable_type type;
	unsigned long min, max;
	bool runtime;		/* writable while loaded (else read at load only) */
	unsigned int homes;	/* HOME_* */
	const char *what;
};

extern const struct tunable tunables[];
extern const size_t nr_tunables;

struct setting {
	const struct tunable *t;
	enum tunable_home home;	/* asked for with "taxcut." or "taxcut_haltpoll.", or 0 */
	char value[64];		/* normalised: decimal, Y or N, a governor name */
};

/*
 * "[MODULE.]NAME=VALUE" checked against the table: 0, or -1 with the
 * reason in @err (unknown name, a module that does not have it, a value
 * out of range or not a number, not a boolean).
 */
int setting_parse(const char *arg, struct setting *s, char *err, size_t len);

/* The sysfs file of @s in @home. */
void setting_path(const struct setting *s, enum tunable_home home, char *buf, size_t len);

/*
 * The line that keeps @s across boots: "options taxcut NAME=VALUE" for
 * modprobe.d, or for built-in code a kernel command line option as a
 * modprobe.d comment ("# kernel command line: taxcut_haltpoll.NAME=VALUE").
 */
void setting_persist(const struct setting *s, enum tunable_home home, char *buf, size_t len);

/* Whether @word is one of the blank-separated words of @list. */
bool word_in(const char *list, const char *word);

#endif /* TAXCUTCTL_TUNABLES_H */

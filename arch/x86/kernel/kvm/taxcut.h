/* SPDX-License-Identifier: GPL-2.0 */
/* Shared state and entry points of the taxcut module's kernel glue. */
#ifndef _TAXCUT_H
#define _TAXCUT_H

#include <linux/types.h>

struct clock_event_device;
#include "kvm_cpuid.h"

/* What CPUID said at load time; read-only afterwards. */
extern struct tc_kvm_cpuid taxcut_kvm;

/* debugfs taxcut/, or an error pointer (debugfs calls accept either) */
extern struct dentry *taxcut_debugfs;

/* inspect.c: what the running kernel actually does */
void taxcut_inspect_init(void);
int taxcut_policy_show(char *buf);

/* decisions.c: the built-in part's boot-time choices and their reasons */
int taxcut_decisions_show(char *buf, int at);
const char *taxcut_builtin_haltpoll(bool *eligible);

/* drivers/cpuidle/taxcut_idle.c: the adaptive haltpoll cpuidle driver */
int taxcut_idle_init(void);
void taxcut_idle_exit(void);
int taxcut_idle_show(char *buf, int len);

/* drivers/clocksource/taxcut_timer.c: the exitless timer's device */
int taxcut_timer_init(void);
void taxcut_timer_exit(void);
int taxcut_timer_show(char *buf, int at);
/* "taxcut-et" while it is @cpu's tick device, else NULL */
const char *taxcut_timer_tick_device(int cpu);

/* report.c: /sys/kernel/taxcut/ */
int taxcut_report_init(void);
void taxcut_report_exit(void);

#endif /* _TAXCUT_H */

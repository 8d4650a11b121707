/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The adaptive haltpoll policy's tunables and statistics as the kernel
 * shows them, shared by the loadable driver (taxcut.ko: parameters under
 * /sys/module/taxcut/) and the in-tree governor (/sys/module/taxcut_haltpoll/).
 */
#ifndef _TAXCUT_HALTPOLL_TUNABLES_H
#define _TAXCUT_HALTPOLL_TUNABLES_H

#include <linux/seq_file.h>
#include "haltpoll_policy.h"

/* A consistent-enough copy for the idle path: each field is valid alone. */
void tc_hp_tunables_read(struct tc_hp_params *p);

/*
 * The measured cost of a halted wakeup (0: unknown) and the same after a
 * halt of each of TC_HP_COST_HALT_US (all 0: not measured, else as
 * tc_hp_cost_table_fix() leaves it), for every CPU's policy.
 */
void tc_hp_tunables_set_halt_cost(u32 ns, const u32 *at_ns);

/*
 * Called after a parameter changed, with the new values in place: the user
 * of this file brings its CPUs' state inside them (tc_hp_clamp()).
 */
void tc_hp_tunables_changed(const struct tc_hp_params *p);

/* debugfs: a header line, then one line per CPU. */
void tc_hp_seq_header(struct seq_file *m);
void tc_hp_seq_cpu(struct seq_file *m, int cpu, const struct tc_hp_cpu *c);

#endif /* _TAXCUT_HALTPOLL_TUNABLES_H */

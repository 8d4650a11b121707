/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The halt cost probe, shared by the loadable idle driver and the in-tree
 * governor: what a halt adds to a wakeup on the host the guest runs on,
 * measured from one CPU with round trips of an empty cross-CPU call to a
 * second CPU that halts at once and to the same CPU polling. The result
 * is the policy's halt_cost_ns (haltpoll_tunables.c).
 *
 * The idle code of the second CPU takes part: tc_hp_probe_enter() at each
 * idle entry says what the probe wants of the period (OFF: the policy's
 * budget; HALT: halt at once; POLL: poll up to TC_HP_PROBE_POLL_NS), and
 * tc_hp_probe_exit() at its end says whether it halted, so a sample whose
 * period did not go as asked is dropped. Both are cheap enough for the
 * idle path; exit reads the clock with ktime_get_mono_fast_ns(), notrace,
 * as the driver's enter callback already does for the next timer event.
 */
#ifndef _TAXCUT_HALTPOLL_PROBE_H
#define _TAXCUT_HALTPOLL_PROBE_H

#include <linux/compiler.h>
#include <linux/percpu.h>
#include <linux/timekeeping.h>

enum tc_hp_probe_mode { TC_HP_PROBE_OFF, TC_HP_PROBE_HALT, TC_HP_PROBE_POLL };

#define TC_HP_PROBE_POLL_NS	(1000 * NSEC_PER_USEC)

struct tc_hp_probe_cpu {
	unsigned int entries;		/* idle entries */
	enum tc_hp_probe_mode mode;	/* what the next ones do */
	/* the last period in a probe mode: its entry, how and when it ended */
	unsigned int ended_entry;
	bool ended_halted;
	u64 ended_ns;			/* ktime_get_mono_fast_ns() */
};

DECLARE_PER_CPU(struct tc_hp_probe_cpu, tc_hp_probe_cpus);

static __always_inline enum tc_hp_probe_mode tc_hp_probe_enter(void)
{
	struct tc_hp_probe_cpu *pc = this_cpu_ptr(&tc_hp_probe_cpus);

	WRITE_ONCE(pc->entries, pc->entries + 1);
	return READ_ONCE(pc->mode);
}

static __always_inline void tc_hp_probe_exit(enum tc_hp_probe_mode mode, bool halted)
{
	struct tc_hp_probe_cpu *pc = this_cpu_ptr(&tc_hp_probe_cpus);

	if (mode == TC_HP_PROBE_OFF)
		return;
	WRITE_ONCE(pc->ended_halted, halted);
	WRITE_ONCE(pc->ended_ns, ktime_get_mono_fast_ns());
	/* the prober reads the entry first: publish the outcome before it */
	smp_store_release(&pc->ended_entry, pc->entries);
}

/*
 * Measures between the first two online CPUs (a few milliseconds; up to
 * half a second if the second CPU is busy), logs it and hands it to the
 * policy. A failed measurement keeps an earlier good one. Sleeps.
 */
void tc_hp_probe_measure(void);

/* The report's halt_cost line. */
int tc_hp_probe_show(char *buf, int len);

/* debugfs file NAME under @parent: a write measures again. */
struct dentry *tc_hp_probe_debugfs(const char *name, struct dentry *parent);

#endif /* _TAXCUT_HALTPOLL_PROBE_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * taxcut: the adaptive haltpoll cpuidle governor (in-tree; the loadable
 * taxcut_idle driver applies the same policy on stock kernels).
 *
 * Made for cpuidle-haltpoll's states (0 polls, 1 halts): each idle period
 * polls for the budget of drivers/cpuidle/haltpoll_policy.c, never past the
 * next timer event, and halts for the rest if the poll ran out. A period
 * is learnt from whole: the poll and the halt that follows it.
 * With a driver whose state 0 does not poll it always picks state 0.
 *
 * The halt cost (haltpoll_probe.c) is measured shortly after the governor
 * is selected, and on a write to debugfs taxcut_haltpoll_measure_halt_cost.
 *
 * Not picked by default (lowest rating): select it with
 * /sys/devices/system/cpu/cpuidle/current_governor or cpuidle.governor=taxcut.
 * Tunables: /sys/module/taxcut_haltpoll/parameters/; per-CPU statistics:
 * debugfs taxcut_haltpoll.
 */
#include <linux/cpuidle.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/tick.h>
#include <linux/workqueue.h>
#include <trace/events/taxcut.h>
#include "../haltpoll_policy.h"
#include "../haltpoll_probe.h"
#include "../haltpoll_tunables.h"

/*
 * A timed-out poll is followed at once by the halt that ends its period;
 * if the CPU instead found work, the next select comes much later and
 * the period is closed then. Anything past this gap counts as that.
 */
#define TAXCUT_GOV_CONTINUE_NS	(1000 * NSEC_PER_USEC)

struct taxcut_gov_cpu {
	struct tc_hp_cpu hp;
	struct tc_hp_period period;	/* under way, or ended and not learnt */
	bool continues;			/* a timed-out poll: halt the rest */
	bool ended;			/* learn from it at the next select */
	u64 poll_end;			/* local_clock() at the timed-out poll */
	enum tc_hp_probe_mode probe;	/* the halt cost probe's period, not learnt */
};

static DEFINE_PER_CPU(struct taxcut_gov_cpu, taxcut_gov_cpus);

static bool polls_first(const struct cpuidle_driver *drv)
{
	return drv->state_count > 1 && (drv->states[0].flags & CPUIDLE_FLAG_POLLING);
}

/* Learns from the period that ended, and traces it and any window change. */
static void taxcut_gov_learn(struct taxcut_gov_cpu *g, const struct tc_hp_params *p)
{
	const struct tc_hp_period *period = &g->period;
	unsigned int cpu = smp_processor_id();
	u32 old_window = g->hp.window_ns;
	enum tc_hp_change change = tc_hp_record(&g->hp, p, period);

	trace_idle_period(cpu, period->budget_ns, period->polled_ns, period->idle_ns,
			  tc_hp_outcome(period));
	if (change != TC_HP_KEPT)
		trace_poll_window(cpu, g->hp.context, old_window, g->hp.window_ns,
				  g->hp.target_ns, change);
	memset(&g->period, 0, sizeof(g->period));
	g->ended = false;
}

static int taxcut_gov_select(struct cpuidle_driver *drv, struct cpuidle_device *dev,
			     bool *stop_tick)
{
	struct taxcut_gov_cpu *g = this_cpu_ptr(&taxcut_gov_cpus);
	s64 latency_req = cpuidle_governor_latency_req(dev->cpu);
	enum tc_hp_probe_mode probe = tc_hp_probe_enter();
	struct tc_hp_params p;
	s64 next;

	/* a select the core did not follow with a reflect left no probe behind */
	g->probe = TC_HP_PROBE_OFF;
	tc_hp_tunables_read(&p);
	if (g->continues) {
		g->continues = false;
		if (local_clock() - g->poll_end < TAXCUT_GOV_CONTINUE_NS)
			return 1;	/* halt the rest of the period */
		g->ended = true;	/* the CPU ran meanwhile: a miss, no halt */
	}
	if (g->ended)
		taxcut_gov_learn(g, &p);

	if (!drv->state_count || latency_req == 0) {
		*stop_tick = false;
		return 0;
	}
	if (!polls_first(drv))
		return 0;
	if (probe != TC_HP_PROBE_OFF) {
		g->probe = probe;
		if (probe == TC_HP_PROBE_HALT)
			return 1;
		dev->poll_limit_ns = TC_HP_PROBE_POLL_NS;
		*stop_tick = false;
		return 0;
	}

	/* the next timer event programmed (the tick, or a closer timer): cheap */
	next = ktime_to_ns(ktime_sub(tick_nohz_get_next_hrtimer(), ktime_get()));
	g->period.budget_ns = tc_hp_budget(&g->hp, &p, next > 0 ? next : 0,
					   &g->period.timer_capped);
	if (!g->period.budget_ns)
		return 1;
	dev->poll_limit_ns = g->period.budget_ns;
	*stop_tick = false;
	return 0;
}

static void taxcut_gov_reflect(struct cpuidle_device *dev, int index)
{
	struct taxcut_gov_cpu *g = this_cpu_ptr(&taxcut_gov_cpus);
	struct cpuidle_driver *drv = cpuidle_get_cpu_driver(dev);
	u64 residency = max_t(s64, dev->last_residency_ns, 0);

	if (g->probe != TC_HP_PROBE_OFF) {
		tc_hp_probe_exit(g->probe, index != 0 || dev->poll_time_limit);
		g->probe = TC_HP_PROBE_OFF;
		return;
	}
	g->period.idle_ns += residency;
	if (index == 0 && drv && polls_first(drv)) {
		g->period.polled_ns = residency;
		if (dev->poll_time_limit && !need_resched()) {
			g->continues = true;
			g->poll_end = local_clock();
			return;
		}
		g->period.hit = !dev->poll_time_limit;
	} else {
		g->period.halted = true;
		/* an interrupt that woke no task ended the halt: the sleep goes on */
		g->period.irq_only = !need_resched();
	}
	g->ended = true;
}

static void taxcut_gov_measure(struct work_struct *work)
{
	tc_hp_probe_measure();
}
static DECLARE_DELAYED_WORK(taxcut_gov_measure_work, taxcut_gov_measure);

static int taxcut_gov_enable(struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	struct taxcut_gov_cpu *g = per_cpu_ptr(&taxcut_gov_cpus, dev->cpu);

	memset(g, 0, sizeof(*g));
	tc_hp_cpu_init(&g->hp);
	/*
	 * The halt cost, once the governor runs on every CPU: enable is called
	 * with the idle handler uninstalled, so not from here (a no-op if
	 * already queued).
	 */
	if (polls_first(drv))
		schedule_delayed_work(&taxcut_gov_measure_work, HZ / 10);
	return 0;
}

/* The next governor must not inherit our poll limit (cpuidle_poll_time() reads it). */
static void taxcut_gov_disable(struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	dev->poll_limit_ns = 0;
}

static struct cpuidle_governor taxcut_governor = {
	.name = "taxcut",
	.rating = 8,	/* below every other: only when asked for */
	.enable = taxcut_gov_enable,
	.disable = taxcut_gov_disable,
	.select = taxcut_gov_select,
	.reflect = taxcut_gov_reflect,
};

void tc_hp_tunables_changed(const struct tc_hp_params *p)
{
	int cpu;

	for_each_possible_cpu(cpu)
		tc_hp_clamp(&per_cpu_ptr(&taxcut_gov_cpus, cpu)->hp, p);
}

static int taxcut_gov_stats_show(struct seq_file *m, void *v)
{
	int cpu;

	tc_hp_seq_header(m);
	for_each_online_cpu(cpu)
		tc_hp_seq_cpu(m, cpu, &per_cpu_ptr(&taxcut_gov_cpus, cpu)->hp);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(taxcut_gov_stats);

static int __init taxcut_gov_init(void)
{
	return cpuidle_register_governor(&taxcut_governor);
}
postcore_initcall(taxcut_gov_init);

static int __init taxcut_gov_debugfs_init(void)
{
	debugfs_create_file("taxcut_haltpoll", 0444, NULL, NULL, &taxcut_gov_stats_fops);
	tc_hp_probe_debugfs("taxcut_haltpoll_measure_halt_cost", NULL);
	return 0;
}
late_initcall(taxcut_gov_debugfs_init);

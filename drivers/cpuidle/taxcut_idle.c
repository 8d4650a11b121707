// SPDX-License-Identifier: GPL-2.0
/*
 * taxcut_idle: the loadable cpuidle driver that applies taxcut's adaptive
 * halt-polling policy (haltpoll_policy.c) on kernels whose governors we
 * cannot extend: cpuidle governors cannot be registered from a module,
 * drivers can. Whatever governor the kernel runs, state 0 polls for the
 * policy's budget and then halts; state 1 halts at once, for idle periods
 * the governor expects to be longer than any poll window.
 *
 * Registered with the KVM REALTIME hint (dedicated vCPUs) or force=1. If
 * another cpuidle driver holds cpuidle (Debian's built-in cpuidle-haltpoll
 * registers first when the hint is set), taxcut does not take it over: it
 * names the holder and the boot option that leaves cpuidle to us.
 *
 * While registered, host halt-polling is switched off on every online CPU
 * (MSR_KVM_POLL_CONTROL = 0) and restored on CPU offline and unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": idle: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpuidle.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/sched/idle.h>
#include <linux/seq_file.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <taxcut/compat.h>
#include <taxcut/kvm_abi.h>
#include <trace/events/taxcut.h>
#include "haltpoll_policy.h"
#include "haltpoll_probe.h"
#include "haltpoll_tunables.h"
#include "taxcut.h"

enum { TC_IDLE_POLL_HALT, TC_IDLE_HALT, TC_IDLE_STATES };

/* Polls between two reads of the clock. */
#define TC_IDLE_RELAX_BETWEEN_CLOCKS	64

struct tc_idle_cpu {
	struct cpuidle_device dev;
	struct tc_hp_cpu hp;
	struct tc_hp_period last;	/* learnt from at the next idle entry */
	bool pending;
	bool poll_control_saved;
	u64 poll_control;		/* its value before we wrote 0 */
};

static DEFINE_PER_CPU(struct tc_idle_cpu, tc_idle_cpus);

static bool force;
module_param(force, bool, 0444);
MODULE_PARM_DESC(force, "register the idle driver without the KVM REALTIME hint");

static enum tc_idle_status {
	TC_IDLE_OFF_NO_HINT,
	TC_IDLE_OFF_BUILTIN,	/* the built-in policy says not eligible */
	TC_IDLE_OFF_IDLE_OPTION,
	TC_IDLE_OFF_HELD,
	TC_IDLE_OFF_FAILED,
	TC_IDLE_ON,
} tc_idle_status;
static const char *tc_idle_builtin_why;	/* the built-in policy's reason, if built in */
static char tc_idle_holder[CPUIDLE_NAME_LEN];
static int tc_idle_hp_state;
static bool tc_idle_host_polling_off;
static struct dentry *tc_idle_debugfs, *tc_idle_probe_debugfs;

/* --- the idle states ------------------------------------------------------ */

/*
 * The states are CPUIDLE_FLAG_RCU_IDLE: the enter callback learns from the
 * last period and traces it while RCU still watches, then tells RCU to
 * stop watching for the poll and the halt: there no tracing, no locks,
 * raw IRQ flag changes only. The policy's objects are built without ftrace
 * for the same reason. The core clears the idle task's polling flag before
 * calling the callback.
 */

/* Polls for @budget_ns from @start; true if the CPU was woken meanwhile. */
static bool notrace tc_idle_poll(u64 start, u64 budget_ns)
{
	unsigned int relax = 0;

	raw_local_irq_enable();
	if (!current_set_polling_and_test()) {
		while (!need_resched()) {
			cpu_relax();
			if (++relax < TC_IDLE_RELAX_BETWEEN_CLOCKS)
				continue;
			relax = 0;
			if (local_clock() - start >= budget_ns)
				break;
		}
	}
	raw_local_irq_disable();
	/* wakers IPI a CPU that no longer polls: look once more */
	return current_clr_polling_and_test();
}

/* Nanoseconds to the next timer event cpuidle_enter() noted, or U64_MAX. */
static u64 notrace tc_idle_next_event(struct cpuidle_device *dev)
{
	s64 next = ktime_to_ns(READ_ONCE(dev->next_hrtimer));

	if (!next)
		return U64_MAX;
	next -= ktime_get_mono_fast_ns();
	return next > 0 ? next : 0;
}

/* Learns from the last period, and traces it and any window change. */
static void tc_idle_learn(struct tc_idle_cpu *ic, const struct tc_hp_params *p)
{
	const struct tc_hp_period *last = &ic->last;
	u32 old_window = ic->hp.window_ns;
	enum tc_hp_change change = tc_hp_record(&ic->hp, p, last);

	trace_idle_period(ic->dev.cpu, last->budget_ns, last->polled_ns, last->idle_ns,
			  tc_hp_outcome(last));
	if (change != TC_HP_KEPT)
		trace_poll_window(ic->dev.cpu, ic->hp.context, old_window, ic->hp.window_ns,
				  ic->hp.target_ns, change);
}

static int notrace tc_idle_enter(struct cpuidle_device *dev,
				 struct cpuidle_driver *drv, int index)
{
	struct tc_idle_cpu *ic = this_cpu_ptr(&tc_idle_cpus);
	struct tc_hp_period period = { };
	struct tc_hp_params p;
	u64 start;

	/* the halt cost probe (haltpoll_probe.c) may ask how this period goes */
	enum tc_hp_probe_mode probe = tc_hp_probe_enter();

	tc_hp_tunables_read(&p);
	/* learn from the last period now, while there is nothing else to do */
	if (ic->pending) {
		tc_idle_learn(ic, &p);
		ic->pending = false;
	}

	if (probe == TC_HP_PROBE_POLL)
		period.budget_ns = TC_HP_PROBE_POLL_NS;
	else if (index == TC_IDLE_POLL_HALT && probe == TC_HP_PROBE_OFF)
		period.budget_ns = tc_hp_budget(&ic->hp, &p, tc_idle_next_event(dev),
						&period.timer_capped);

	tc_cpuidle_rcu_enter();
	start = local_clock();
	if (period.budget_ns) {
		period.hit = tc_idle_poll(start, period.budget_ns);
		period.polled_ns = local_clock() - start;
	}
	if (!period.hit && !need_resched()) {
		raw_safe_halt();
		raw_local_irq_disable();
		period.halted = true;
		/* the interrupt that ended the halt ran: did it wake a task? */
		period.irq_only = !need_resched();
	}
	period.idle_ns = local_clock() - start;
	tc_cpuidle_rcu_exit();

	/* a probe's periods are the prober's doing, not this CPU's load */
	tc_hp_probe_exit(probe, period.halted);
	ic->last = period;
	ic->pending = probe == TC_HP_PROBE_OFF;
	return index;
}

static struct cpuidle_driver tc_idle_driver = {
	.name = "taxcut_idle",
	/*
	 * No .owner: cpuidle would pin the module once per device and rmmod
	 * could never reach our exit, which unregisters them all first.
	 */
	.states = {
		[TC_IDLE_POLL_HALT] = {
			.enter = tc_idle_enter,
			.exit_latency = 1,
			.target_residency = 1,
			.power_usage = -1,
			.flags = CPUIDLE_FLAG_RCU_IDLE,
			.name = "POLL-HALT",
			.desc = "taxcut: adaptive poll, then HLT",
		},
		[TC_IDLE_HALT] = {
			.enter = tc_idle_enter,
			.exit_latency = 1,
			/* set to the tick or the window cap (tc_idle_set_halt_residency) */
			.target_residency = 4000,
			.power_usage = -1,
			.flags = CPUIDLE_FLAG_RCU_IDLE,
			.name = "HALT",
			.desc = "taxcut: HLT at once",
		},
	},
	.state_count = TC_IDLE_STATES,
};

/*
 * HALT's target residency: the tick's period, or the window cap if longer.
 * A governor (menu) then picks HALT only where it stops the tick,
 * expecting a sleep past it, and leaves every shorter period to the
 * policy, which knows phases and the next timer better than a prediction
 * from the last few periods. At the cap alone, menu picked HALT for a
 * fifth of the periods a window would have caught (stock Debian 13, a
 * ping-pong at 200 us think time).
 */
static void tc_idle_set_halt_residency(u32 max_ns)
{
	struct cpuidle_state *s = &tc_idle_driver.states[TC_IDLE_HALT];
	u32 us = DIV_ROUND_UP(max_t(u64, max_ns, TICK_NSEC), NSEC_PER_USEC);

	WRITE_ONCE(s->target_residency, us);
	WRITE_ONCE(s->target_residency_ns, (s64)us * NSEC_PER_USEC);
}

/* Every CPU's window back inside the tunables after a change. */
void tc_hp_tunables_changed(const struct tc_hp_params *p)
{
	int cpu;

	for_each_possible_cpu(cpu)
		tc_hp_clamp(&per_cpu_ptr(&tc_idle_cpus, cpu)->hp, p);
	tc_idle_set_halt_residency(p->max_ns);
}

/* --- CPU hotplug ------------------------------------------------------------ */

static int tc_idle_cpu_online(unsigned int cpu)
{
	struct tc_idle_cpu *ic = per_cpu_ptr(&tc_idle_cpus, cpu);
	int ret;

	tc_hp_cpu_init(&ic->hp);
	ic->pending = false;
	ic->dev.cpu = cpu;
	ret = cpuidle_register_device(&ic->dev);
	if (ret) {
		pr_err("CPU %u: cpuidle_register_device: %d\n", cpu, ret);
		return ret;
	}
	/* runs on @cpu: the MSR is per vCPU */
	if (tc_idle_host_polling_off &&
	    !rdmsrl_safe(TC_MSR_KVM_POLL_CONTROL, &ic->poll_control) &&
	    !wrmsrl_safe(TC_MSR_KVM_POLL_CONTROL, 0))
		ic->poll_control_saved = true;
	return 0;
}

static int tc_idle_cpu_offline(unsigned int cpu)
{
	struct tc_idle_cpu *ic = per_cpu_ptr(&tc_idle_cpus, cpu);

	cpuidle_unregister_device(&ic->dev);
	if (ic->poll_control_saved) {
		wrmsrl_safe(TC_MSR_KVM_POLL_CONTROL, ic->poll_control);
		ic->poll_control_saved = false;
	}
	return 0;
}

/* --- statistics -------------------------------------------------------------- */

static void tc_idle_sum(struct tc_hp_stats *sum, unsigned int *cpus)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	*cpus = 0;
	for_each_online_cpu(cpu) {
		const struct tc_hp_stats *s = &per_cpu_ptr(&tc_idle_cpus, cpu)->hp.stats;

		sum->polls += READ_ONCE(s->polls);
		sum->poll_hits += READ_ONCE(s->poll_hits);
		sum->poll_misses += READ_ONCE(s->poll_misses);
		sum->halts += READ_ONCE(s->halts);
		sum->poll_ns += READ_ONCE(s->poll_ns);
		sum->wasted_ns += READ_ONCE(s->wasted_ns);
		sum->timer_capped += READ_ONCE(s->timer_capped);
		(*cpus)++;
	}
}

/* debugfs taxcut/idle: one line per online CPU (counters lag by a period). */
static int tc_idle_stats_show(struct seq_file *m, void *v)
{
	int cpu;

	tc_hp_seq_header(m);
	cpus_read_lock();
	for_each_online_cpu(cpu)
		tc_hp_seq_cpu(m, cpu, &per_cpu_ptr(&tc_idle_cpus, cpu)->hp);
	cpus_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tc_idle_stats);

/* The report's idle_poll line (/sys/kernel/taxcut/policy). */
int taxcut_idle_show(char *buf, int len)
{
	struct tc_hp_stats s;
	unsigned int cpus;
	int n;

	switch (tc_idle_status) {
	case TC_IDLE_OFF_NO_HINT:
		return sysfs_emit_at(buf, len, "idle_poll: off: no KVM REALTIME hint (force=1 registers it)\n");
	case TC_IDLE_OFF_BUILTIN:
		return sysfs_emit_at(buf, len, "idle_poll: off: the built-in policy says %s (force=1 registers it)\n",
				     tc_idle_builtin_why);
	case TC_IDLE_OFF_IDLE_OPTION:
		return sysfs_emit_at(buf, len, "idle_poll: off: an idle= boot option is in effect\n");
	case TC_IDLE_OFF_HELD:
		return sysfs_emit_at(buf, len, "idle_poll: off: cpuidle is held by %s%s\n",
				     tc_idle_holder,
				     strcmp(tc_idle_holder, "haltpoll") ? "" :
				     " (boot with initcall_blacklist=haltpoll_init)");
	case TC_IDLE_OFF_FAILED:
		return sysfs_emit_at(buf, len, "idle_poll: off: registration failed (see the kernel log)\n");
	case TC_IDLE_ON:
		break;
	}
	cpus_read_lock();
	tc_idle_sum(&s, &cpus);
	cpus_read_unlock();
	n = sysfs_emit_at(buf, len,
			     "idle_poll: taxcut_idle on %u CPUs, host polling %s; %llu polls, %llu caught, %llu timed out, %llu halts; polled %llu us, %llu us of it wasted\n",
			     cpus, tc_idle_host_polling_off ? "off" : "on", s.polls,
			     s.poll_hits, s.poll_misses, s.halts, s.poll_ns / NSEC_PER_USEC,
			     s.wasted_ns / NSEC_PER_USEC);
	return n + tc_hp_probe_show(buf, len + n);
}

/* --- registration ------------------------------------------------------------ */

/* Without force=1 the module loads anyway: taxcut's other parts still work. */
static int tc_idle_refuse_held(const char *holder, bool explicit)
{
	strscpy(tc_idle_holder, holder, sizeof(tc_idle_holder));
	tc_idle_status = TC_IDLE_OFF_HELD;
	if (!strcmp(holder, "haltpoll"))
		pr_warn("cpuidle is held by the %s driver, not registering; boot with initcall_blacklist=haltpoll_init to let taxcut drive idle\n",
			holder);
	else
		pr_warn("cpuidle is held by the %s driver, not registering\n", holder);
	/* an operator who asked with force=1 gets a load failure */
	return explicit ? -EBUSY : 0;
}

int taxcut_idle_init(void)
{
	bool hint = tc_kvm_has_hint(&taxcut_kvm, TC_KVM_HINTS_REALTIME);
	struct cpuidle_driver *holder;
	struct tc_hp_params p;
	bool eligible;
	int ret;

	/* with taxcut built in, its decision (and taxcut.dedicated=) rules */
	tc_idle_builtin_why = taxcut_builtin_haltpoll(&eligible);
	if (tc_idle_builtin_why && !eligible && !force) {
		tc_idle_status = TC_IDLE_OFF_BUILTIN;
		pr_info("the built-in policy says %s: not registering (force=1 does)\n",
			tc_idle_builtin_why);
		return 0;
	}
	if (tc_idle_builtin_why)
		hint = eligible;
	if (!hint && !force) {
		tc_idle_status = TC_IDLE_OFF_NO_HINT;
		pr_info("no KVM REALTIME hint: not registering (force=1 does)\n");
		return 0;
	}
	if (boot_option_idle_override != IDLE_NO_OVERRIDE) {
		tc_idle_status = TC_IDLE_OFF_IDLE_OPTION;
		pr_info("an idle= boot option is in effect: not registering\n");
		return force ? -EBUSY : 0;
	}

	holder = cpuidle_get_driver();
	if (holder)
		return tc_idle_refuse_held(holder->name, force);
	tc_hp_tunables_read(&p);
	tc_idle_set_halt_residency(p.max_ns);
	ret = cpuidle_register_driver(&tc_idle_driver);
	if (ret == -EBUSY)
		return tc_idle_refuse_held("another driver", force);
	if (ret) {
		tc_idle_status = TC_IDLE_OFF_FAILED;
		pr_err("cpuidle_register_driver: %d\n", ret);
		return force ? ret : 0;
	}
	tc_idle_host_polling_off = tc_kvm_has_feature(&taxcut_kvm, TC_KVM_FEATURE_POLL_CONTROL);
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "taxcut/idle:online",
				tc_idle_cpu_online, tc_idle_cpu_offline);
	if (ret < 0) {
		cpuidle_unregister_driver(&tc_idle_driver);
		tc_idle_status = TC_IDLE_OFF_FAILED;
		pr_err("cpuhp_setup_state: %d\n", ret);
		return force ? ret : 0;
	}
	tc_idle_hp_state = ret;
	tc_idle_status = TC_IDLE_ON;
	tc_idle_debugfs = debugfs_create_file("idle", 0444, taxcut_debugfs, NULL,
					      &tc_idle_stats_fops);
	tc_idle_probe_debugfs = tc_hp_probe_debugfs("idle_measure_halt_cost", taxcut_debugfs);
	tc_hp_probe_measure();
	pr_info("registered (%s%s): adaptive poll up to %u ns, host polling %s\n",
		tc_idle_builtin_why && hint ? "built-in policy: " : "",
		tc_idle_builtin_why && hint ? tc_idle_builtin_why : hint ? "REALTIME hint" : "force=1",
		p.max_ns,
		tc_idle_host_polling_off ? "off" : "on (no POLL_CONTROL)");
	return 0;
}

static long tc_idle_left(void *unused)
{
	return 0;
}

void taxcut_idle_exit(void)
{
	int cpu;

	if (tc_idle_status != TC_IDLE_ON)
		return;
	debugfs_remove(tc_idle_probe_debugfs);
	debugfs_remove(tc_idle_debugfs);
	/* offline callbacks on every CPU: devices gone, host polling back */
	cpuhp_remove_state(tc_idle_hp_state);
	cpuidle_unregister_driver(&tc_idle_driver);
	/*
	 * cpuidle waited for an RCU grace period, but a CPU woken from our
	 * halt runs our code with RCU not watching until it leaves it (a vCPU
	 * may be descheduled there): each CPU must schedule (a work item on
	 * it) before the module's text goes.
	 */
	cpus_read_lock();
	for_each_online_cpu(cpu)
		work_on_cpu(cpu, tc_idle_left, NULL);
	cpus_read_unlock();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The halt cost probe (see haltpoll_probe.h): interleaved round trips of
 * an empty cross-CPU call from the first online CPU to the second, the
 * second halting at once for one and polling for the other. A polling CPU
 * is woken without an IPI (the waker sees its polling flag), as a wakeup
 * caught by polling is; a halted one takes the IPI, the exit, the host's
 * wakeup of its thread and the entry. The difference of the medians is
 * what a halt adds to a wakeup here. It depends on how long the target
 * stayed halted (a host CPU idles deeper the longer its thread sleeps),
 * so it is measured after halts of each of TC_HP_COST_HALT_US.
 */
#define pr_fmt(fmt) "taxcut: haltpoll: " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
#include "haltpoll_policy.h"
#include "haltpoll_probe.h"
#include "haltpoll_tunables.h"

#define TC_HP_PROBE_ROUNDS	15	/* samples of each kind */
/* the point the report's headline names: after a halt of 50 us */
#define TC_HP_PROBE_HEADLINE	1
#define TC_HP_PROBE_WAIT_NS	(5 * NSEC_PER_MSEC)
#define TC_HP_PROBE_ENDED_NS	(1 * NSEC_PER_MSEC)
#define TC_HP_PROBE_GIVE_UP	3	/* targets not idle in a row */
#define TC_HP_PROBE_TRIES	3
#define TC_HP_PROBE_RETRY_MS	10

DEFINE_PER_CPU(struct tc_hp_probe_cpu, tc_hp_probe_cpus);

static const u32 probe_halt_us[TC_HP_COST_POINTS] = TC_HP_COST_HALT_US;

static struct tc_hp_probe_result {
	u32 cost_ns, halted_ns, polled_ns;	/* medians; cost 0 if never measured */
	u32 cost_at_ns[TC_HP_COST_POINTS];	/* after each halt length */
	int from, to;
	const char *failed;			/* the last attempt's failure, or NULL */
} probe_result = { .failed = "not measured yet" };
static DEFINE_SPINLOCK(probe_result_lock);	/* the report reads it */
static DEFINE_MUTEX(probe_lock);		/* one measurement at a time */

struct probe_run {
	int target;
	unsigned int settle_us;			/* the target halts or polls this long */
	u64 rtt[2][TC_HP_PROBE_ROUNDS];		/* [0] halted, [1] polling */
	unsigned int n[2];
};

static void probe_nop(void *unused)
{
}

static u64 now_ns(void)
{
	return ktime_get_mono_fast_ns();
}

/*
 * Waits until the target has entered idle again, then @settle_us while it
 * halts or polls; false if it does not enter idle soon.
 */
static bool probe_settle(struct tc_hp_probe_cpu *pc, unsigned int entries,
			 unsigned int settle_us)
{
	u64 start = now_ns();

	while (READ_ONCE(pc->entries) == entries) {
		if (now_ns() - start > TC_HP_PROBE_WAIT_NS)
			return false;
		cpu_relax();
	}
	/* past the entry, into HLT or the poll loop, and as long as asked */
	udelay(settle_us);
	return true;
}

/*
 * One timed round trip; true if it ended the target's current period, in
 * the mode asked for: a period that ended before the call (the target ran
 * something else) or halted when it should have polled spoils the sample.
 */
static bool probe_once(struct probe_run *run, struct tc_hp_probe_cpu *pc,
		       enum tc_hp_probe_mode mode, u64 *rtt)
{
	unsigned int entries = READ_ONCE(pc->entries);
	u64 t0, t1;

	/* the period already ended (a timer woke it): the call would find it running */
	if (smp_load_acquire(&pc->ended_entry) == entries)
		return false;
	preempt_disable();
	t0 = now_ns();
	smp_call_function_single(run->target, probe_nop, NULL, 1);
	t1 = now_ns();
	preempt_enable();
	*rtt = t1 - t0;
	/* a halted target runs the call in its interrupt, before its period ends */
	while (smp_load_acquire(&pc->ended_entry) != entries) {
		if (now_ns() - t1 > TC_HP_PROBE_ENDED_NS)
			return false;
		cpu_relax();
	}
	return READ_ONCE(pc->ended_ns) >= t0 &&
	       READ_ONCE(pc->ended_halted) == (mode == TC_HP_PROBE_HALT);
}

/* Runs on the measuring CPU (work_on_cpu). */
static long probe_fn(void *arg)
{
	struct probe_run *run = arg;
	struct tc_hp_probe_cpu *pc = per_cpu_ptr(&tc_hp_probe_cpus, run->target);
	unsigned int i, kind, busy = 0, entries;
	enum tc_hp_probe_mode mode;
	u64 rtt;

	for (i = 0; i < 2 * TC_HP_PROBE_ROUNDS && busy < TC_HP_PROBE_GIVE_UP; i++) {
		kind = i & 1;
		mode = kind ? TC_HP_PROBE_POLL : TC_HP_PROBE_HALT;
		WRITE_ONCE(pc->mode, mode);
		/* end the period that began before the mode changed */
		entries = READ_ONCE(pc->entries);
		smp_call_function_single(run->target, probe_nop, NULL, 1);
		if (!probe_settle(pc, entries, run->settle_us)) {
			busy++;
			cond_resched();
			continue;
		}
		busy = 0;
		if (probe_once(run, pc, mode, &rtt))
			run->rtt[kind][run->n[kind]++] = rtt;
		cond_resched();
	}
	WRITE_ONCE(pc->mode, TC_HP_PROBE_OFF);
	return 0;
}

static bool probe_enough(const struct probe_run *run)
{
	return run->n[0] > TC_HP_PROBE_ROUNDS / 2 && run->n[1] > TC_HP_PROBE_ROUNDS / 2;
}

static u32 ns_to_us(u32 ns)
{
	return ns / NSEC_PER_USEC;
}

/*
 * Measures after a halt of @settle_us: the medians of both kinds of round
 * trip, or the reason it could not.
 */
static const char *probe_point(struct probe_run *run, int from, unsigned int settle_us,
			       u64 *halted, u64 *polled)
{
	unsigned int try;

	*halted = 0;
	*polled = 0;
	run->settle_us = settle_us;
	/* a busy target spoils samples: try again a little later */
	for (try = 0; try < TC_HP_PROBE_TRIES; try++) {
		if (try)
			msleep(TC_HP_PROBE_RETRY_MS);
		run->n[0] = 0;
		run->n[1] = 0;
		work_on_cpu(from, probe_fn, run);
		if (probe_enough(run))
			break;
	}
	if (!probe_enough(run))
		return "the second CPU was busy";
	*halted = tc_hp_median(run->rtt[0], run->n[0]);
	*polled = tc_hp_median(run->rtt[1], run->n[1]);
	/*
	 * A polling CPU wakes without an exit: if it woke nearly as slowly
	 * as a halted one, the vCPUs were not running when called (an
	 * overcommitted host), and the difference is noise.
	 */
	if (!tc_hp_probe_plausible(*halted, *polled))
		return "a polling CPU woke nearly as slowly as a halted one (vCPUs not running: an overcommitted host?)";
	return NULL;
}

/* "20/50/100 us" of the halt lengths, or the costs measured after them */
static void probe_list(char *buf, size_t len, const u32 *v, u32 div)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < TC_HP_COST_POINTS; i++)
		n += scnprintf(buf + n, len - n, "%s%u", i ? "/" : "", v[i] / div);
}

void tc_hp_probe_measure(void)
{
	struct tc_hp_probe_result r = { };
	char lengths[48], costs[64];
	struct probe_run *run;
	u64 halted, polled;
	u32 failed_us = 0;
	unsigned int i;

	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return;
	mutex_lock(&probe_lock);
	cpus_read_lock();
	r.from = cpumask_first(cpu_online_mask);
	r.to = cpumask_next(r.from, cpu_online_mask);
	if (r.to >= nr_cpu_ids)
		r.failed = "one CPU online: nothing to measure against";
	run->target = r.to;
	for (i = 0; i < TC_HP_COST_POINTS && !r.failed; i++) {
		r.failed = probe_point(run, r.from, probe_halt_us[i], &halted, &polled);
		if (r.failed || i == TC_HP_PROBE_HEADLINE) {
			/* the headline's round trips, or the failed point's */
			r.halted_ns = min_t(u64, halted, U32_MAX);
			r.polled_ns = min_t(u64, polled, U32_MAX);
		}
		if (r.failed)
			failed_us = probe_halt_us[i];
		else
			r.cost_at_ns[i] = tc_hp_halt_cost(halted, polled);
	}
	cpus_read_unlock();
	if (!r.failed) {
		tc_hp_cost_table_fix(r.cost_at_ns);
		r.cost_ns = r.cost_at_ns[TC_HP_PROBE_HEADLINE];
		tc_hp_tunables_set_halt_cost(r.cost_ns, r.cost_at_ns);
	}
	spin_lock(&probe_result_lock);
	if (r.failed && probe_result.cost_ns) {
		/* keep the last good measurement, say this one failed */
		probe_result.failed = r.failed;
	} else {
		probe_result = r;
	}
	spin_unlock(&probe_result_lock);
	mutex_unlock(&probe_lock);
	kfree(run);
	if (r.failed && r.halted_ns) {
		pr_info("halt cost not measured: %s: after a halt of %u us, a call to a halted CPU %u us, to a polling one %u us\n",
			r.failed, failed_us, ns_to_us(r.halted_ns), ns_to_us(r.polled_ns));
	} else if (r.failed) {
		pr_info("halt cost not measured: %s\n", r.failed);
	} else {
		probe_list(lengths, sizeof(lengths), probe_halt_us, 1);
		probe_list(costs, sizeof(costs), r.cost_at_ns, NSEC_PER_USEC);
		pr_info("a halt costs %u us here (a call to a halted CPU %u us, to a polling one %u us; CPU %d to %d); after halts of %s us: %s us\n",
			ns_to_us(r.cost_ns), ns_to_us(r.halted_ns), ns_to_us(r.polled_ns),
			r.from, r.to, lengths, costs);
	}
}

int tc_hp_probe_show(char *buf, int len)
{
	struct tc_hp_probe_result r;
	char lengths[48], costs[64];
	struct tc_hp_params p;
	u32 worth;

	spin_lock(&probe_result_lock);
	r = probe_result;
	spin_unlock(&probe_result_lock);
	tc_hp_tunables_read(&p);
	worth = ns_to_us(tc_hp_hit_worth(&p));
	if (!r.cost_ns)
		return sysfs_emit_at(buf, len, "halt_cost: unknown: %s; hit_worth %u us%s\n",
				     r.failed, worth, p.hit_worth_ns ? " (set)" : " (default)");
	probe_list(lengths, sizeof(lengths), probe_halt_us, 1);
	probe_list(costs, sizeof(costs), r.cost_at_ns, NSEC_PER_USEC);
	return sysfs_emit_at(buf, len,
			     "halt_cost: %u us (a call to a halted CPU %u us, to a polling one %u us)%s%s; after halts of %s us: %s us; polling pays off while a window of W us catches more than W/(W+%u) of wakeups; hit_worth %u us%s\n",
			     ns_to_us(r.cost_ns), ns_to_us(r.halted_ns), ns_to_us(r.polled_ns),
			     r.failed ? ", the last attempt failed: " : "", r.failed ?: "",
			     lengths, costs, worth, worth,
			     p.hit_worth_ns ? " (set)" : " (the halt cost, by the halt's length)");
}

static ssize_t probe_write(struct file *file, const char __user *buf, size_t len, loff_t *ppos)
{
	tc_hp_probe_measure();
	return len;
}

static const struct file_operations probe_fops = {
	.owner = THIS_MODULE,
	.write = probe_write,
	.llseek = noop_llseek,
};

struct dentry *tc_hp_probe_debugfs(const char *name, struct dentry *parent)
{
	return debugfs_create_file(name, 0200, parent, NULL, &probe_fops);
}

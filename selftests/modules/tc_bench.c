// SPDX-License-Identifier: GPL-2.0
/*
 * tc_bench: what the haltpoll benchmark reads inside the guest.
 *
 *   /sys/kernel/debug/tc_bench/mark  write N: the emulated host's MARK
 *                                    hypercall with label N
 *   /sys/kernel/debug/tc_bench/poll  "polls timed_out poll_ns wasted_ns":
 *                                    the polling states of any cpuidle
 *                                    driver (cpuidle-haltpoll's POLL), as
 *                                    cpuidle reflects them to its governor
 *   /sys/kernel/debug/tc_bench/trace with record_cpu=N: the residencies of
 *                                    CPU N's non-polling states, one per
 *                                    line in ns (the idle traces of the
 *                                    policy's unit tests); a write clears
 *   /sys/kernel/debug/tc_bench/decisions
 *                                    with record_cpu=N: CPU N's every idle
 *                                    period, "P|H residency_ns
 *                                    poll_limit_ns timed_out", the limit as
 *                                    the governor selected with it (before
 *                                    its reflect); validates the replay's
 *                                    model of upstream's governor; a write
 *                                    clears
 *
 * The poll counters come from a kprobe on cpuidle_reflect(), so they see
 * upstream's haltpoll governor and ours alike: a poll that ended because
 * its time limit ran out (dev->poll_time_limit) counts as wasted.
 */
#define pr_fmt(fmt) "tc_bench: " fmt

#include <linux/cpuidle.h>
#include <linux/debugfs.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include "tc_hypercall.h"

struct tc_bench_poll {
	u64 polls, timed_out, poll_ns, wasted_ns;
};

static DEFINE_PER_CPU(struct tc_bench_poll, tc_bench_polls);
static struct dentry *tc_bench_dir;

static int record_cpu = -1;
module_param(record_cpu, int, 0444);
MODULE_PARM_DESC(record_cpu, "record this CPU's idle residencies (-1: none)");

#define TC_BENCH_TRACE_LEN 16384
static u32 tc_bench_trace[TC_BENCH_TRACE_LEN];
static unsigned int tc_bench_trace_len;	/* written by record_cpu only */

/* One idle period of record_cpu as its governor decided it. */
struct tc_bench_decision {
	u32 residency_ns, poll_limit_ns;
	u8 polled, timed_out;
};

static struct tc_bench_decision tc_bench_decisions[TC_BENCH_TRACE_LEN];
static unsigned int tc_bench_decisions_len;	/* written by record_cpu only */

static void tc_bench_decide(const struct cpuidle_device *dev, bool polled)
{
	unsigned int n = READ_ONCE(tc_bench_decisions_len);

	if (n >= TC_BENCH_TRACE_LEN)
		return;
	tc_bench_decisions[n] = (struct tc_bench_decision){
		.residency_ns = clamp_t(s64, dev->last_residency_ns, 0, U32_MAX),
		.poll_limit_ns = min_t(u64, dev->poll_limit_ns, U32_MAX),
		.polled = polled,
		.timed_out = polled && dev->poll_time_limit,
	};
	WRITE_ONCE(tc_bench_decisions_len, n + 1);
}

static void tc_bench_record(s64 ns)
{
	unsigned int n = READ_ONCE(tc_bench_trace_len);

	if (n >= TC_BENCH_TRACE_LEN)
		return;
	tc_bench_trace[n] = clamp_t(s64, ns, 0, U32_MAX);
	WRITE_ONCE(tc_bench_trace_len, n + 1);
}

/* cpuidle_reflect(dev, index), after every idle period */
static int tc_bench_reflect(struct kprobe *kp, struct pt_regs *regs)
{
	struct cpuidle_device *dev = (struct cpuidle_device *)regs->di;
	int index = (int)regs->si;
	struct cpuidle_driver *drv;
	struct tc_bench_poll *s;
	u64 ns;

	if (!dev || index < 0)
		return 0;
	drv = cpuidle_get_cpu_driver(dev);
	if (!drv || index >= drv->state_count)
		return 0;
	if (dev->cpu == record_cpu)
		tc_bench_decide(dev, drv->states[index].flags & CPUIDLE_FLAG_POLLING);
	if (!(drv->states[index].flags & CPUIDLE_FLAG_POLLING)) {
		if (dev->cpu == record_cpu)
			tc_bench_record(dev->last_residency_ns);
		return 0;
	}
	ns = max_t(s64, dev->last_residency_ns, 0);
	s = this_cpu_ptr(&tc_bench_polls);
	s->polls++;
	s->poll_ns += ns;
	if (dev->poll_time_limit) {
		s->timed_out++;
		s->wasted_ns += ns;
	}
	return 0;
}

static struct kprobe tc_bench_kprobe = {
	.symbol_name = "cpuidle_reflect",
	.pre_handler = tc_bench_reflect,
};

static int tc_bench_poll_show(struct seq_file *m, void *v)
{
	struct tc_bench_poll sum = { };
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct tc_bench_poll *s = per_cpu_ptr(&tc_bench_polls, cpu);

		sum.polls += READ_ONCE(s->polls);
		sum.timed_out += READ_ONCE(s->timed_out);
		sum.poll_ns += READ_ONCE(s->poll_ns);
		sum.wasted_ns += READ_ONCE(s->wasted_ns);
	}
	seq_printf(m, "%llu %llu %llu %llu\n", sum.polls, sum.timed_out,
		   sum.poll_ns, sum.wasted_ns);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tc_bench_poll);

static int tc_bench_trace_show(struct seq_file *m, void *v)
{
	unsigned int i, n = READ_ONCE(tc_bench_trace_len);

	for (i = 0; i < n; i++)
		seq_printf(m, "%u\n", tc_bench_trace[i]);
	return 0;
}

static int tc_bench_trace_open(struct inode *inode, struct file *file)
{
	/* a trace of 16384 lines is larger than seq_file's first buffer */
	return single_open_size(file, tc_bench_trace_show, NULL,
				TC_BENCH_TRACE_LEN * 11 + 1);
}

/* A write to trace or decisions clears it: the length it was created with. */
static ssize_t tc_bench_clear_write(struct file *file, const char __user *buf,
				    size_t len, loff_t *pos)
{
	unsigned int *recorded = file_inode(file)->i_private;

	WRITE_ONCE(*recorded, 0);
	return len;
}

static const struct file_operations tc_bench_trace_fops = {
	.owner = THIS_MODULE,
	.open = tc_bench_trace_open,
	.read = seq_read,
	.write = tc_bench_clear_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int tc_bench_decisions_show(struct seq_file *m, void *v)
{
	unsigned int i, n = READ_ONCE(tc_bench_decisions_len);

	for (i = 0; i < n; i++) {
		const struct tc_bench_decision *d = &tc_bench_decisions[i];

		seq_printf(m, "%c %u %u %u\n", d->polled ? 'P' : 'H', d->residency_ns,
			   d->poll_limit_ns, d->timed_out);
	}
	return 0;
}

static int tc_bench_decisions_open(struct inode *inode, struct file *file)
{
	return single_open_size(file, tc_bench_decisions_show, NULL,
				TC_BENCH_TRACE_LEN * 27 + 1);
}

static const struct file_operations tc_bench_decisions_fops = {
	.owner = THIS_MODULE,
	.open = tc_bench_decisions_open,
	.read = seq_read,
	.write = tc_bench_clear_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static ssize_t tc_bench_mark_write(struct file *file, const char __user *buf,
				   size_t len, loff_t *pos)
{
	unsigned long label;
	int ret = kstrtoul_from_user(buf, len, 0, &label);

	if (ret)
		return ret;
	tc_mark(label);
	return len;
}

static const struct file_operations tc_bench_mark_fops = {
	.owner = THIS_MODULE,
	.write = tc_bench_mark_write,
};

static int __init tc_bench_init(void)
{
	int ret = register_kprobe(&tc_bench_kprobe);

	if (ret) {
		pr_err("kprobe on cpuidle_reflect: %d\n", ret);
		return ret;
	}
	tc_bench_dir = debugfs_create_dir("tc_bench", NULL);
	debugfs_create_file("poll", 0444, tc_bench_dir, NULL, &tc_bench_poll_fops);
	debugfs_create_file("mark", 0200, tc_bench_dir, NULL, &tc_bench_mark_fops);
	debugfs_create_file("trace", 0600, tc_bench_dir, &tc_bench_trace_len,
			    &tc_bench_trace_fops);
	debugfs_create_file("decisions", 0600, tc_bench_dir, &tc_bench_decisions_len,
			    &tc_bench_decisions_fops);
	return 0;
}

static void __exit tc_bench_exit(void)
{
	debugfs_remove_recursive(tc_bench_dir);
	unregister_kprobe(&tc_bench_kprobe);
}

module_init(tc_bench_init);
module_exit(tc_bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("taxcut: guest-side probes of the haltpoll benchmark");

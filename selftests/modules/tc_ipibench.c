// SPDX-License-Identifier: GPL-2.0
/*
 * IPI microbenchmark, run at load time by a kernel thread bound to CPU 0,
 * each case between two marks of the emulated host so that it counts the
 * exits per operation. Preemption is off only for each single operation
 * (a long non-preemptible loop starves RCU and stop_machine on a slow host):
 *
 *   510-511 single   smp_call_function_single() to the last CPU, waiting
 *   520-521 half     smp_call_function_many() to half of the other CPUs
 *   530-531 all      smp_call_function_many() to every other CPU
 *   540-541 raw-icr  apic->send_IPI() of a reschedule IPI, no wait
 *   550-551 raw-hc   the same IPI as a KVM_HC_SEND_IPI hypercall (only
 *                    with PV_SEND_IPI): what single-target IPIs would cost
 *                    through the PV path
 *
 * Results as "tc_ipibench: CASE ops N ns_per_op X" lines in the kernel log.
 * Boot with no_ipi_broadcast=1 so that "all" takes send_IPI_mask.
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <asm/apic.h>
#include <asm/irq_vectors.h>
#include <taxcut/kvm_abi.h>
#include "tc_hypercall.h"

static int iterations = 2000;
module_param(iterations, int, 0444);
MODULE_PARM_DESC(iterations, "operations per case");

static atomic_t callbacks;

static void count_call(void *info)
{
	atomic_inc(&callbacks);
}

static void report(const char *name, int label, u64 ns, int expected_calls)
{
	pr_info("tc_ipibench: %s ops %d ns_per_op %llu mark %d callbacks %d/%d\n",
		name, iterations, div_u64(ns, iterations), label,
		atomic_read(&callbacks), expected_calls);
}

static void run_many(const char *name, int label, const struct cpumask *targets)
{
	unsigned int others = cpumask_weight(targets);
	u64 t0;
	int i;

	atomic_set(&callbacks, 0);
	tc_mark(label);
	t0 = ktime_get_ns();
	for (i = 0; i < iterations; i++) {
		preempt_disable();
		smp_call_function_many(targets, count_call, NULL, true);
		preempt_enable();
		cond_resched();
	}
	t0 = ktime_get_ns() - t0;
	tc_mark(label + 1);
	report(name, label, t0, iterations * others);
}

static void run_single(int target)
{
	u64 t0;
	int i;

	atomic_set(&callbacks, 0);
	tc_mark(510);
	t0 = ktime_get_ns();
	for (i = 0; i < iterations; i++) {
		smp_call_function_single(target, count_call, NULL, true);
		cond_resched();
	}
	t0 = ktime_get_ns() - t0;
	tc_mark(511);
	report("single", 510, t0, iterations);
}

/* Sending cost only: a reschedule IPI with nothing to do, every 20 us. */
static void run_raw(bool hypercall, int target)
{
	u32 apic_id = per_cpu(x86_cpu_to_apicid, target);
	u64 t0, sent = 0;
	int i;

	atomic_set(&callbacks, 0);
	tc_mark(hypercall ? 550 : 540);
	for (i = 0; i < iterations; i++) {
		preempt_disable();
		t0 = ktime_get_ns();
		if (hypercall)
			tc_hc(TC_KVM_HC_SEND_IPI, 1, 0, apic_id, APIC_DM_FIXED | RESCHEDULE_VECTOR);
		else
			apic->send_IPI(target, RESCHEDULE_VECTOR);
		sent += ktime_get_ns() - t0;
		preempt_enable();
		udelay(20);
		cond_resched();
	}
	tc_mark(hypercall ? 551 : 541);
	report(hypercall ? "raw-hc" : "raw-icr", hypercall ? 550 : 540, sent, 0);
}

static DECLARE_COMPLETION(bench_done);

/* Bound to CPU 0: the target masks below never include the sender. */
static int bench_thread(void *unused)
{
	static struct cpumask half, all;
	int cpu, n = 0, last = -1;

	cpumask_copy(&all, cpu_online_mask);
	cpumask_clear_cpu(0, &all);
	cpumask_clear(&half);
	for_each_cpu(cpu, &all) {
		if (n++ < (int)(cpumask_weight(&all) + 1) / 2)
			cpumask_set_cpu(cpu, &half);
		last = cpu;
	}
	run_single(last);
	run_many("half", 520, &half);
	run_many("all", 530, &all);
	run_raw(false, last);
	if (tc_kvm_features() & (1u << TC_KVM_FEATURE_PV_SEND_IPI))
		run_raw(true, last);
	pr_info("tc_ipibench: done\n");
	complete(&bench_done);
	return 0;
}

static int __init tc_ipibench_init(void)
{
	struct task_struct *t;

	if (num_online_cpus() < 2 || !cpu_online(0)) {
		pr_err("tc_ipibench: needs CPU 0 and at least one other CPU online\n");
		return -ENODEV;
	}
	if (iterations <= 0) {
		pr_err("tc_ipibench: iterations: invalid value %d\n", iterations);
		return -EINVAL;
	}
	t = kthread_create(bench_thread, NULL, "tc_ipibench");
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, 0);
	wake_up_process(t);
	wait_for_completion(&bench_done);
	return 0;
}

static void __exit tc_ipibench_exit(void)
{
}

module_init(tc_ipibench_init);
module_exit(tc_ipibench_exit);
MODULE_DESCRIPTION("taxcut: IPI microbenchmark for the emulated KVM host");
MODULE_LICENSE("GPL");

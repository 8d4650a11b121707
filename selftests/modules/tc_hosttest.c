// SPDX-License-Identifier: GPL-2.0
/*
 * tc_hosttest: the guest side of the emulated KVM host's tests.
 *
 *   insmod tc_hosttest.ko run=abi     KVM ABI conformance: raw hypercalls
 *                                     and MSR accesses, edge cases, every
 *                                     return value against the ABI
 *   insmod tc_hosttest.ko run=ipi     multicast smp_call_function_many()
 *   insmod tc_hosttest.ko run=lock    spinlock contention on every CPU
 *
 * Workloads are bracketed by the emulated host's MARK hypercall so that the
 * host-side test reads exact exit-count deltas. Results are TAP lines in
 * the kernel log ("tc_hosttest: ok - ..."); the module loads, runs and
 * stays loaded until rmmod.
 */
#define pr_fmt(fmt) "tc_hosttest: " fmt

#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/irq_vectors.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include <taxcut/kvm_abi.h>
#include <taxcut/emulated_host.h>

static char *run = "abi";
module_param(run, charp, 0444);
MODULE_PARM_DESC(run, "abi, ipi or lock");
static int iterations = 500;
module_param(iterations, int, 0444);
MODULE_PARM_DESC(iterations, "workload iterations (ipi, lock)");

static int hold_us = 20000;
module_param(hold_us, int, 0444);
MODULE_PARM_DESC(hold_us, "lock: how long each critical section holds the lock");

static unsigned int failures;

#define TAP(cond, fmt, ...) do {					\
	if (cond)							\
		pr_info("ok - " fmt "\n", ##__VA_ARGS__);		\
	else {								\
		failures++;						\
		pr_info("not ok - " fmt "\n", ##__VA_ARGS__);		\
	}								\
} while (0)

static long hypercall(bool vmmcall, unsigned long nr, unsigned long a0,
		      unsigned long a1, unsigned long a2, unsigned long a3)
{
	long ret;

	if (vmmcall)
		asm volatile(".byte 0x0f, 0x01, 0xd9"
			     : "=a" (ret)
			     : "a" (nr), "b" (a0), "c" (a1), "d" (a2), "S" (a3)
			     : "memory");
	else
		asm volatile(".byte 0x0f, 0x01, 0xc1"
			     : "=a" (ret)
			     : "a" (nr), "b" (a0), "c" (a1), "d" (a2), "S" (a3)
			     : "memory");
	return ret;
}

/* The instruction this vendor's KVM guests use, as Linux picks it. */
static bool native_vmmcall(void)
{
	return boot_cpu_has(X86_FEATURE_VMMCALL);
}

static long hc(unsigned long nr, unsigned long a0, unsigned long a1,
	       unsigned long a2, unsigned long a3)
{
	return hypercall(native_vmmcall(), nr, a0, a1, a2, a3);
}

static void mark(unsigned long label)
{
	hc(TC_EMU_HC_MARK, label, 0, 0, 0);
}

static u32 kvm_features(void)
{
	u32 base, eax, ebx, ecx, edx;

	for (base = TC_KVM_CPUID_SCAN_FIRST; base <= TC_KVM_CPUID_SCAN_LAST;
	     base += TC_KVM_CPUID_SCAN_STEP) {
		cpuid(base, &eax, &ebx, &ecx, &edx);
		if (ebx == TC_KVM_SIGNATURE_EBX && ecx == TC_KVM_SIGNATURE_ECX &&
		    edx == TC_KVM_SIGNATURE_EDX)
			return cpuid_eax(base + TC_KVM_CPUID_FEATURES_OFFSET);
	}
	return 0;
}

static bool has(u32 features, int bit)
{
	return features & (1u << bit);
}

/* What a hypercall of an unadvertised feature returns: -KVM_ENOSYS. */
static long expect(u32 features, int bit, long ret)
{
	return has(features, bit) ? ret : -TC_KVM_ENOSYS;
}

static void abi_hypercalls(u32 f)
{
	unsigned long all_online[2] = { 0, 0 };
	u32 max_id = 0, ids = 0;
	unsigned int vec = RESCHEDULE_VECTOR;
	bool vmmcall = native_vmmcall();
	long r;
	int cpu;

	pr_info("# native hypercall instruction: %s\n",
		vmmcall ? "vmmcall" : "vmcall");
	if (!has(f, TC_KVM_FEATURE_PV_SEND_IPI))
		pr_info("# PV_SEND_IPI not advertised: SEND_IPI must return -KVM_ENOSYS\n");
	if (!has(f, TC_KVM_FEATURE_PV_UNHALT))
		pr_info("# PV_UNHALT not advertised: KICK_CPU must return -KVM_ENOSYS\n");
	if (!has(f, TC_KVM_FEATURE_PV_SCHED_YIELD))
		pr_info("# PV_SCHED_YIELD not advertised: SCHED_YIELD must return -KVM_ENOSYS\n");
	for_each_online_cpu(cpu) {
		u32 id = cpu_physical_id(cpu);

		max_id = max(max_id, id);
		if (id < 128) {
			all_online[id / 64] |= 1UL << (id % 64);
			ids++;
		}
	}

	r = hc(0, 0, 0, 0, 0);
	TAP(r == -TC_KVM_ENOSYS, "hypercall 0 returns -KVM_ENOSYS (%ld)", r);
	r = hc(99, 0, 0, 0, 0);
	TAP(r == -TC_KVM_ENOSYS, "hypercall 99 returns -KVM_ENOSYS (%ld)", r);
	r = hc(0x12345678, 0, 0, 0, 0);
	TAP(r == -TC_KVM_ENOSYS, "hypercall 0x12345678 returns -KVM_ENOSYS (%ld)", r);
	r = hypercall(!vmmcall, 99, 0, 0, 0, 0);
	TAP(r == -TC_KVM_ENOSYS,
	    "the other vendor's instruction (%s) is a hypercall too (%ld)",
	    vmmcall ? "vmcall" : "vmmcall", r);
	r = hc(TC_KVM_HC_VAPIC_POLL_IRQ, 0, 0, 0, 0);
	TAP(r == 0, "VAPIC_POLL_IRQ returns 0 (%ld)", r);

	/* SEND_IPI: a fixed reschedule IPI is harmless anywhere */
	r = hc(TC_KVM_HC_SEND_IPI, 0, 0, 0, vec);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, 0),
	    "SEND_IPI with an empty bitmap sends to nobody (%ld)", r);
	r = hc(TC_KVM_HC_SEND_IPI, all_online[0], all_online[1], 0, vec);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, ids),
	    "SEND_IPI to every online CPU returns their count %u (%ld)", ids, r);
	r = hc(TC_KVM_HC_SEND_IPI, ~0UL, ~0UL, 0, vec);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, num_present_cpus()),
	    "SEND_IPI to IDs 0-127 counts only present vCPUs, %u (%ld)",
	    num_present_cpus(), r);
	r = hc(TC_KVM_HC_SEND_IPI, ~0UL, ~0UL, max_id + 1, vec);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, 0),
	    "SEND_IPI to IDs beyond the vCPUs sends to nobody (%ld)", r);
	r = hc(TC_KVM_HC_SEND_IPI, ~0UL, ~0UL, 0xffffffc0UL, vec);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, 0),
	    "SEND_IPI with minimum ID 0xffffffc0 does not wrap to low IDs (%ld)", r);
	r = hc(TC_KVM_HC_SEND_IPI, 1, 0, 0xffffffffUL, vec);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, 0),
	    "SEND_IPI with minimum ID 0xffffffff sends to nobody (%ld)", r);
	r = hc(TC_KVM_HC_SEND_IPI, all_online[0], all_online[1], 0,
	       vec | TC_APIC_DEST_LOGICAL);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, -TC_KVM_EINVAL),
	    "SEND_IPI in logical destination mode returns -KVM_EINVAL (%ld)", r);
	r = hc(TC_KVM_HC_SEND_IPI, all_online[0], all_online[1], 0,
	       vec | 0xc0000);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, -TC_KVM_EINVAL),
	    "SEND_IPI with the all-but-self shorthand returns -KVM_EINVAL (%ld)", r);
	r = hc(TC_KVM_HC_SEND_IPI, all_online[0], all_online[1], 0,
	       vec | 0x40000);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, -TC_KVM_EINVAL),
	    "SEND_IPI with the self shorthand returns -KVM_EINVAL (%ld)", r);

	/* KICK_CPU: a kick to a running vCPU only makes its next HLT return */
	r = hc(TC_KVM_HC_KICK_CPU, 0, 0xfffff, 0, 0);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_UNHALT, 0),
	    "KICK_CPU to an absent APIC ID returns 0 (%ld)", r);
	r = hc(TC_KVM_HC_KICK_CPU, 0, cpu_physical_id(smp_processor_id()), 0, 0);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_UNHALT, 0),
	    "KICK_CPU to a running vCPU returns 0 (%ld)", r);

	r = hc(TC_KVM_HC_SCHED_YIELD, 0xfffff, 0, 0, 0);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SCHED_YIELD, 0),
	    "SCHED_YIELD to an absent APIC ID returns 0 (%ld)", r);
	r = hc(TC_KVM_HC_SCHED_YIELD, cpu_physical_id(smp_processor_id()), 0, 0, 0);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SCHED_YIELD, 0),
	    "SCHED_YIELD to itself returns 0 (%ld)", r);
}

static void abi_msrs(u32 f)
{
	u64 old, val;
	int err;

	if (has(f, TC_KVM_FEATURE_POLL_CONTROL)) {
		err = rdmsrl_safe(TC_MSR_KVM_POLL_CONTROL, &old);
		TAP(!err, "POLL_CONTROL reads (%llu)", old);
		err = wrmsrl_safe(TC_MSR_KVM_POLL_CONTROL, 0);
		TAP(!err && !rdmsrl_safe(TC_MSR_KVM_POLL_CONTROL, &val) && val == 0,
		    "POLL_CONTROL takes 0 and reads it back");
		err = wrmsrl_safe(TC_MSR_KVM_POLL_CONTROL, 1);
		TAP(!err && !rdmsrl_safe(TC_MSR_KVM_POLL_CONTROL, &val) && val == 1,
		    "POLL_CONTROL takes 1 and reads it back");
		TAP(wrmsrl_safe(TC_MSR_KVM_POLL_CONTROL, 2) != 0,
		    "POLL_CONTROL bit 1 raises #GP");
		TAP(wrmsrl_safe(TC_MSR_KVM_POLL_CONTROL, 1ULL << 63) != 0,
		    "POLL_CONTROL bit 63 raises #GP");
		wrmsrl_safe(TC_MSR_KVM_POLL_CONTROL, old);
	} else {
		TAP(rdmsrl_safe(TC_MSR_KVM_POLL_CONTROL, &val) != 0,
		    "POLL_CONTROL not advertised: reading raises #GP");
		TAP(wrmsrl_safe(TC_MSR_KVM_POLL_CONTROL, 1) != 0,
		    "POLL_CONTROL not advertised: writing raises #GP");
	}

	if (has(f, TC_KVM_FEATURE_STEAL_TIME)) {
		err = rdmsrl_safe(TC_MSR_KVM_STEAL_TIME, &old);
		TAP(!err, "STEAL_TIME reads (enabled: %llu)", old & 1);
		TAP(wrmsrl_safe(TC_MSR_KVM_STEAL_TIME, old | 2) != 0,
		    "STEAL_TIME reserved bit 1 raises #GP");
		TAP(wrmsrl_safe(TC_MSR_KVM_STEAL_TIME, (1ULL << 45) | 1) != 0,
		    "STEAL_TIME at an address that is not RAM raises #GP");
		TAP(!rdmsrl_safe(TC_MSR_KVM_STEAL_TIME, &val) && val == old,
		    "STEAL_TIME unchanged by the refused writes");
	} else {
		TAP(rdmsrl_safe(TC_MSR_KVM_STEAL_TIME, &val) != 0,
		    "STEAL_TIME not advertised: reading raises #GP");
	}

	TAP(rdmsrl_safe(0x4b564d10, &val) != 0 &&
	    wrmsrl_safe(0x4b564d10, 0) != 0,
	    "an unknown MSR of the KVM range (0x4b564d10) raises #GP");
	TAP(rdmsrl_safe(TC_MSR_KVM_RANGE_LAST, &val) != 0,
	    "the last MSR of the KVM range raises #GP");
}

static void run_abi(void)
{
	u32 f = kvm_features();

	pr_info("# KVM features 0x%x\n", f);
	abi_hypercalls(f);
	abi_msrs(f);
	TAP(hc(TC_EMU_HC_MARK, 1, 0, 0, 0) == 0,
	    "the emulated host's MARK hypercall returns 0");
}

static void ipi_nop(void *info)
{
}

/* Multicast to every other online CPU, one call at a time. */
static void run_ipi(void)
{
	int i;

	preempt_disable();
	mark(100);
	for (i = 0; i < iterations; i++)
		smp_call_function_many(cpu_online_mask, ipi_nop, NULL, true);
	mark(101);
	preempt_enable();
	pr_info("# ipi: %d multicast calls to %u other CPUs, marks 100-101\n",
		iterations, num_online_cpus() - 1);
	TAP(true, "ipi workload ran %d calls", iterations);
}

static DEFINE_SPINLOCK(contended);
static unsigned long shared_counter;
static atomic_t lock_workers;
static DECLARE_COMPLETION(lock_done);

static int lock_worker(void *unused)
{
	int i;

	for (i = 0; i < iterations; i++) {
		spin_lock(&contended);
		shared_counter++;
		/* long enough that waiters stop spinning, halt and get kicked */
		udelay(hold_us % 1000);
		mdelay(hold_us / 1000);
		spin_unlock(&contended);
		cond_resched();
	}
	if (atomic_dec_and_test(&lock_workers))
		complete(&lock_done);
	return 0;
}

static void run_lock(void)
{
	unsigned int n = 0;
	int cpu;

	atomic_set(&lock_workers, num_online_cpus());
	mark(200);
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		t = kthread_create(lock_worker, NULL, "tc_lock/%d", cpu);
		if (IS_ERR(t)) {
			if (atomic_dec_and_test(&lock_workers))
				complete(&lock_done);
			continue;
		}
		kthread_bind(t, cpu);
		wake_up_process(t);
		n++;
	}
	wait_for_completion(&lock_done);
	mark(201);
	pr_info("# lock: %u CPUs x %d critical sections of %d us, marks 200-201\n",
		n, iterations, hold_us);
	TAP(n == num_online_cpus() && shared_counter == (unsigned long)n * iterations,
	    "lock workload: counter %lu == %u x %d", shared_counter, n, iterations);
}

static int __init tc_hosttest_init(void)
{
	if (!strcmp(run, "abi"))
		run_abi();
	else if (!strcmp(run, "ipi"))
		run_ipi();
	else if (!strcmp(run, "lock"))
		run_lock();
	else {
		pr_err("run=%s: expected abi, ipi or lock\n", run);
		return -EINVAL;
	}
	pr_info("# done: %u failed\n", failures);
	return 0;
}

static void __exit tc_hosttest_exit(void)
{
}

module_init(tc_hosttest_init);
module_exit(tc_hosttest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("taxcut: guest side of the emulated KVM host's tests");

// SPDX-License-Identifier: GPL-2.0
/*
 * tc_hosttest: the guest side of the emulated KVM host's tests.
 *
 *   insmod tc_hosttest.ko run=abi     KVM ABI conformance: raw hypercalls
 *                                     and MSR accesses, edge cases, every
 *                                     return value against the ABI
 *   insmod tc_hosttest.ko run=ipi     multicast smp_call_function_many()
 *   insmod tc_hosttest.ko run=lock    spinlock contention on every CPU
 *   insmod tc_hosttest.ko run=mark label=N
 *                                     one MARK hypercall, for shell tests
 *   insmod tc_hosttest.ko run=exits   single events between marks, for
 *                                     the host's exit model
 *   insmod tc_hosttest.ko run=park    cross-CPU calls while another vCPU
 *                                     is parked by the host
 *   insmod tc_hosttest.ko run=stress  seconds=N of cross-CPU calls,
 *                                     multicast IPIs, hrtimers and lock
 *                                     contention on every CPU; checks that
 *                                     no call, IPI or timer is lost,
 *                                     misrouted or early
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
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/hardirq.h>
#include <linux/sched/task.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/irq_vectors.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include <taxcut/kvm_abi.h>
#include <taxcut/emulated_host.h>
#include "tc_hypercall.h"

static char *run = "abi";
module_param(run, charp, 0444);
MODULE_PARM_DESC(run, "abi, exits, ipi, lock, mark, park, stress, irq_off or irq_on");
static int iterations = 500;
module_param(iterations, int, 0444);
MODULE_PARM_DESC(iterations, "workload iterations (ipi, lock)");

static int hold_us = 20000;
module_param(hold_us, int, 0444);
MODULE_PARM_DESC(hold_us, "lock: how long each critical section holds the lock");

static bool enforced = true;
module_param(enforced, bool, 0444);
MODULE_PARM_DESC(enforced,
		 "abi: the host serves only advertised PV features (KVM_CAP_ENFORCE_PV_FEATURE_CPUID); 0: every feature it implements");

static bool force_halt;
module_param(force_halt, bool, 0444);
MODULE_PARM_DESC(force_halt,
		 "lock: the first holder keeps the lock until a waiter has halted (PV spinlocks only)");

static int label;
module_param(label, int, 0444);
MODULE_PARM_DESC(label, "mark: the label to take");

/* run=irq_off / irq_on: a vector that stops delivering, and comes back */
static int irq;
module_param(irq, int, 0444);
MODULE_PARM_DESC(irq, "irq_off, irq_on: the Linux irq to disable or enable again");

static int seconds = 60;
module_param(seconds, int, 0444);
MODULE_PARM_DESC(seconds, "stress: how long to run");

static unsigned int failures;

#define TAP(cond, fmt, ...) do {					\
	if (cond)							\
		pr_info("ok - " fmt "\n", ##__VA_ARGS__);		\
	else {								\
		failures++;						\
		pr_info("not ok - " fmt "\n", ##__VA_ARGS__);		\
	}								\
} while (0)

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
	bool vmmcall = tc_native_vmmcall();
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

	r = tc_hc(0, 0, 0, 0, 0);
	TAP(r == -TC_KVM_ENOSYS, "hypercall 0 returns -KVM_ENOSYS (%ld)", r);
	r = tc_hc(99, 0, 0, 0, 0);
	TAP(r == -TC_KVM_ENOSYS, "hypercall 99 returns -KVM_ENOSYS (%ld)", r);
	r = tc_hc(0x12345678, 0, 0, 0, 0);
	TAP(r == -TC_KVM_ENOSYS, "hypercall 0x12345678 returns -KVM_ENOSYS (%ld)", r);
	r = tc_hypercall(!vmmcall, 99, 0, 0, 0, 0);
	TAP(r == -TC_KVM_ENOSYS,
	    "the other vendor's instruction (%s) is a hypercall too (%ld)",
	    vmmcall ? "vmcall" : "vmmcall", r);
	r = tc_hc(TC_KVM_HC_VAPIC_POLL_IRQ, 0, 0, 0, 0);
	TAP(r == 0, "VAPIC_POLL_IRQ returns 0 (%ld)", r);

	/* SEND_IPI: a fixed reschedule IPI is harmless anywhere */
	r = tc_hc(TC_KVM_HC_SEND_IPI, 0, 0, 0, vec);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, 0),
	    "SEND_IPI with an empty bitmap sends to nobody (%ld)", r);
	r = tc_hc(TC_KVM_HC_SEND_IPI, all_online[0], all_online[1], 0, vec);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, ids),
	    "SEND_IPI to every online CPU returns their count %u (%ld)", ids, r);
	r = tc_hc(TC_KVM_HC_SEND_IPI, ~0UL, ~0UL, 0, vec);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, num_present_cpus()),
	    "SEND_IPI to IDs 0-127 counts only present vCPUs, %u (%ld)",
	    num_present_cpus(), r);
	r = tc_hc(TC_KVM_HC_SEND_IPI, ~0UL, ~0UL, max_id + 1, vec);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, 0),
	    "SEND_IPI to IDs beyond the vCPUs sends to nobody (%ld)", r);
	r = tc_hc(TC_KVM_HC_SEND_IPI, ~0UL, ~0UL, 0xffffffc0UL, vec);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, 0),
	    "SEND_IPI with minimum ID 0xffffffc0 does not wrap to low IDs (%ld)", r);
	r = tc_hc(TC_KVM_HC_SEND_IPI, 1, 0, 0xffffffffUL, vec);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, 0),
	    "SEND_IPI with minimum ID 0xffffffff sends to nobody (%ld)", r);
	r = tc_hc(TC_KVM_HC_SEND_IPI, all_online[0], all_online[1], 0,
	       vec | TC_APIC_DEST_LOGICAL);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, -TC_KVM_EINVAL),
	    "SEND_IPI in logical destination mode returns -KVM_EINVAL (%ld)", r);
	r = tc_hc(TC_KVM_HC_SEND_IPI, all_online[0], all_online[1], 0,
	       vec | 0xc0000);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, -TC_KVM_EINVAL),
	    "SEND_IPI with the all-but-self shorthand returns -KVM_EINVAL (%ld)", r);
	r = tc_hc(TC_KVM_HC_SEND_IPI, all_online[0], all_online[1], 0,
	       vec | 0x40000);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SEND_IPI, -TC_KVM_EINVAL),
	    "SEND_IPI with the self shorthand returns -KVM_EINVAL (%ld)", r);

	/* KICK_CPU: a kick to a running vCPU only makes its next HLT return */
	r = tc_hc(TC_KVM_HC_KICK_CPU, 0, 0xfffff, 0, 0);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_UNHALT, 0),
	    "KICK_CPU to an absent APIC ID returns 0 (%ld)", r);
	r = tc_hc(TC_KVM_HC_KICK_CPU, 0, cpu_physical_id(smp_processor_id()), 0, 0);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_UNHALT, 0),
	    "KICK_CPU to a running vCPU returns 0 (%ld)", r);

	r = tc_hc(TC_KVM_HC_SCHED_YIELD, 0xfffff, 0, 0, 0);
	TAP(r == expect(f, TC_KVM_FEATURE_PV_SCHED_YIELD, 0),
	    "SCHED_YIELD to an absent APIC ID returns 0 (%ld)", r);
	r = tc_hc(TC_KVM_HC_SCHED_YIELD, cpu_physical_id(smp_processor_id()), 0, 0, 0);
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

/* What the emulated host implements: served whatever CPUID says, unenforced. */
#define TC_EMU_IMPLEMENTED	(BIT(TC_KVM_FEATURE_STEAL_TIME) | BIT(TC_KVM_FEATURE_PV_UNHALT) | \
				 BIT(TC_KVM_FEATURE_PV_SEND_IPI) | BIT(TC_KVM_FEATURE_POLL_CONTROL) | \
				 BIT(TC_KVM_FEATURE_PV_SCHED_YIELD))

static void run_abi(void)
{
	u32 f = tc_kvm_features();

	pr_info("# KVM features 0x%x%s\n", f,
		enforced ? "" : ", not enforced: every implemented one is served");
	if (!enforced)
		f |= TC_EMU_IMPLEMENTED;
	abi_hypercalls(f);
	abi_msrs(f);
	TAP(tc_hc(TC_EMU_HC_MARK, 1, 0, 0, 0) == 0,
	    "the emulated host's MARK hypercall returns 0");
}

static atomic_t ipi_callbacks;

static void ipi_count(void *info)
{
	atomic_inc(&ipi_callbacks);
}

/*
 * Multicast to every other online CPU, one call at a time (marks 100-101),
 * then the same number of raw sends of one reschedule IPI to all of them
 * through the APIC driver, interrupts off (marks 102-103): there the
 * sender's count is exactly what the APIC driver did, where a call may
 * find a target already signalled by someone else (the kernel then skips
 * it).
 */
static void run_ipi(void)
{
	struct cpumask *mask = kzalloc(cpumask_size(), GFP_KERNEL);
	unsigned long flags;
	unsigned int others;
	int i;

	if (!mask) {
		TAP(false, "ipi workload: memory for the mask");
		return;
	}
	preempt_disable();
	others = num_online_cpus() - 1;
	atomic_set(&ipi_callbacks, 0);
	tc_mark(100);
	for (i = 0; i < iterations; i++)
		smp_call_function_many(cpu_online_mask, ipi_count, NULL, true);
	tc_mark(101);
	cpumask_copy(mask, cpu_online_mask);
	cpumask_clear_cpu(smp_processor_id(), mask);
	local_irq_save(flags);
	tc_mark(102);
	for (i = 0; others && i < iterations; i++)
		apic->send_IPI_mask(mask, RESCHEDULE_VECTOR);
	tc_mark(103);
	local_irq_restore(flags);
	preempt_enable();
	kfree(mask);
	pr_info("# ipi: %d multicast calls to %u other CPUs, marks 100-101; as many raw sends, 102-103\n",
		iterations, others);
	TAP(atomic_read(&ipi_callbacks) == iterations * others,
	    "ipi workload: %d calls ran %d callbacks on %u other CPUs",
	    iterations, atomic_read(&ipi_callbacks), others);
}

/*
 * run=exits: single events between marks with interrupts off on this CPU,
 * so the host's count on this vCPU is exactly what the event costs
 * (selftests/suites/kvmhost.sh holds each against the exit model):
 *   600-601 one IPI to every other CPU through the APIC driver (the boot
 *           picks the destination mode and whether PV IPI is on)
 *   602-603 one self-IPI
 *   604-605 one CPUID
 *   606-607 one port write (0x80)
 *   608-609 one MMIO read of the HPET's main counter
 *   610-611 interrupts on, busy (never halted) until a pinned hrtimer has
 *           fired: the LAPIC timer interrupts this CPU took are printed
 */
#define TC_HPET_BASE		0xfed00000UL
#define TC_HPET_COUNTER		0xf0

static bool timer_fired;

static enum hrtimer_restart exits_timer_fn(struct hrtimer *t)
{
	WRITE_ONCE(timer_fired, true);
	return HRTIMER_NORESTART;
}

static void run_exits(void)
{
	void __iomem *hpet = ioremap(TC_HPET_BASE, PAGE_SIZE);
	struct cpumask *others;
	unsigned long flags, deadline;
	unsigned int before, after;
	struct hrtimer timer;
	int cpu;

	others = kzalloc(cpumask_size(), GFP_KERNEL);
	if (!others || !hpet) {
		TAP(false, "exits: memory for the mask and the HPET mapping");
		goto out;
	}
	cpu = get_cpu();
	cpumask_copy(others, cpu_online_mask);
	cpumask_clear_cpu(cpu, others);

	local_irq_save(flags);
	tc_mark(600);
	apic->send_IPI_mask(others, RESCHEDULE_VECTOR);
	tc_mark(601);
	tc_mark(602);
	apic->send_IPI_self(RESCHEDULE_VECTOR);
	tc_mark(603);
	tc_mark(604);
	cpuid_eax(0);
	tc_mark(605);
	tc_mark(606);
	outb(0, 0x80);
	tc_mark(607);
	tc_mark(608);
	readl(hpet + TC_HPET_COUNTER);
	tc_mark(609);
	local_irq_restore(flags);

	hrtimer_init(&timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	timer.function = exits_timer_fn;
	WRITE_ONCE(timer_fired, false);
	/* no interrupt between a mark and the count read beside it */
	local_irq_save(flags);
	tc_mark(610);
	before = per_cpu(irq_stat, cpu).apic_timer_irqs;
	local_irq_restore(flags);
	hrtimer_start(&timer, ms_to_ktime(2), HRTIMER_MODE_REL_PINNED);
	deadline = jiffies + 5 * HZ;
	while (!READ_ONCE(timer_fired) && time_before(jiffies, deadline))
		cpu_relax();
	local_irq_save(flags);
	tc_mark(611);
	after = per_cpu(irq_stat, cpu).apic_timer_irqs;
	local_irq_restore(flags);
	hrtimer_cancel(&timer);
	put_cpu();

	pr_info("# exits: %u other CPUs, marks 600-611 on CPU %d\n",
		cpumask_weight(others), cpu);
	pr_info("# exits: lapic timer interrupts %u\n", after - before);
	TAP(READ_ONCE(timer_fired), "exits: the pinned hrtimer fired while the CPU ran");
out:
	kfree(others);
	if (hpet)
		iounmap(hpet);
}

/*
 * run=park: CPUs 1 and 2 call each other in a tight loop, each callback
 * one locked add split across a page boundary (TCG runs it as an exclusive
 * section, which waits for every vCPU that is running guest code); CPU 3
 * spins, counting. Rounds of three 50 ms windows: nothing parked, CPU 3
 * parked by the host (the PARK hypercall, 100 ms: longer than the window),
 * nothing parked. The middle window starts once CPU 3's count has stopped,
 * and counts only the calls that completed while it stayed stopped: a host
 * where a parked vCPU stalls the others completes none or one there.
 */
#define PARK_WINDOW_MS	50
#define PARK_NS		(100 * NSEC_PER_MSEC)
#define PARK_ROUNDS	3

static u32 *split_word;
static atomic_t park_phase = ATOMIC_INIT(-1);
static atomic_t park_calls[PARK_ROUNDS * 3];
static atomic_t park_frozen_calls[PARK_ROUNDS];
static unsigned long spin_count, frozen_at;
static bool park_stop;

static void split_add(void *unused)
{
	asm volatile("lock addl $1, %0" : "+m" (*split_word));
}

static int park_caller(void *data)
{
	int other = (long)data;

	while (!READ_ONCE(park_stop)) {
		int phase = atomic_read(&park_phase);

		if (smp_call_function_single(other, split_add, NULL, 1) == 0 &&
		    phase >= 0 && phase == atomic_read(&park_phase)) {
			atomic_inc(&park_calls[phase]);
			if (phase % 3 == 1 && READ_ONCE(spin_count) == READ_ONCE(frozen_at))
				atomic_inc(&park_frozen_calls[phase / 3]);
		}
		cond_resched();
	}
	return 0;
}

static int park_spinner(void *unused)
{
	while (!READ_ONCE(park_stop)) {
		WRITE_ONCE(spin_count, spin_count + 1);
		cond_resched();
	}
	return 0;
}

/* Wait (bounded) until CPU 3's count has not moved for 2 ms. */
static unsigned long wait_spinner_stopped(void)
{
	unsigned long seen = READ_ONCE(spin_count), deadline = jiffies + HZ / 5;

	while (time_before(jiffies, deadline)) {
		mdelay(2);
		if (READ_ONCE(spin_count) == seen)
			break;
		seen = READ_ONCE(spin_count);
	}
	return seen;
}

/* CPU i + 1 runs park_fns[i](park_args[i]) */
static int (*const park_fns[3])(void *) = { park_caller, park_caller, park_spinner };
static void *const park_args[3] = { (void *)2L, (void *)1L, NULL };
static const char *const park_names[3] = { "tc_park/1", "tc_park/2", "tc_park/3" };

static void run_park(void)
{
	struct task_struct *t[3] = { };
	unsigned long pages;
	int i, round;
	long r = 0;

	if (num_online_cpus() < 4 || !cpu_online(1) || !cpu_online(2) || !cpu_online(3)) {
		TAP(false, "park: needs CPUs 0-3 online");
		return;
	}
	pages = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 1);
	if (!pages) {
		TAP(false, "park: two pages for the split word");
		return;
	}
	split_word = (u32 *)(pages + PAGE_SIZE - 2);
	WRITE_ONCE(park_stop, false);
	for (i = 0; i < 3; i++) {
		struct task_struct *k = kthread_create(park_fns[i], park_args[i], "%s",
						       park_names[i]);

		if (IS_ERR(k)) {
			TAP(false, "park: kthread %s starts (%ld)", park_names[i], PTR_ERR(k));
			goto stop;
		}
		get_task_struct(k);
		t[i] = k;
		kthread_bind(k, i + 1);
		wake_up_process(k);
	}
	msleep(PARK_WINDOW_MS);		/* let them start */
	for (round = 0; round < PARK_ROUNDS; round++) {
		for (i = 0; i < 3; i++) {
			if (i == 1) {
				r |= tc_hc(TC_EMU_HC_PARK, 3, PARK_NS, 0, 0);
				WRITE_ONCE(frozen_at, wait_spinner_stopped());
			}
			atomic_set(&park_phase, round * 3 + i);
			msleep(PARK_WINDOW_MS);
			atomic_set(&park_phase, -1);
		}
	}
	TAP(r == 0, "park: the host took every PARK (%ld)", r);
	for (round = 0; round < PARK_ROUNDS; round++)
		pr_info("# park: round %d calls %d %d %d frozen %d\n", round,
			atomic_read(&park_calls[round * 3]),
			atomic_read(&park_calls[round * 3 + 1]),
			atomic_read(&park_calls[round * 3 + 2]),
			atomic_read(&park_frozen_calls[round]));
stop:
	WRITE_ONCE(park_stop, true);
	for (i = 0; i < 3; i++) {
		if (t[i]) {
			kthread_stop(t[i]);
			put_task_struct(t[i]);
		}
	}
	pr_info("# park: split-lock word %u\n", *split_word);
	free_pages(pages, 1);
}

static DEFINE_SPINLOCK(contended);
static unsigned long shared_counter;
static atomic_t lock_workers;
static DECLARE_COMPLETION(lock_done);

/*
 * The PV qspinlock's queue head, before it halts, swaps the lock byte from
 * "locked" to this value and hashes itself, so the unlock that sees it
 * always kicks (kernel/locking/qspinlock_paravirt.h, _Q_SLOW_VAL).
 */
#define TC_Q_SLOW_VAL	(3U << _Q_LOCKED_OFFSET)
#define TC_HALT_WAIT	(10 * HZ)
static atomic_t halt_forced = ATOMIC_INIT(0);
static bool waiter_halted;

/*
 * force_halt: whoever holds the lock first keeps it until a waiter has
 * given up spinning and halted (bounded), so the unlock must issue
 * KICK_CPU whatever the host's load did to the timing of the workers.
 */
static void hold_until_a_waiter_halts(void)
{
	unsigned long deadline = jiffies + TC_HALT_WAIT;

	if (!force_halt || atomic_cmpxchg(&halt_forced, 0, 1))
		return;
	while (time_before(jiffies, deadline)) {
		u32 val = atomic_read(&contended.rlock.raw_lock.val);

		if ((val & _Q_LOCKED_MASK) == TC_Q_SLOW_VAL) {
			waiter_halted = true;
			return;
		}
		cpu_relax();
	}
}

static int lock_worker(void *unused)
{
	int i;

	for (i = 0; i < iterations; i++) {
		spin_lock(&contended);
		shared_counter++;
		hold_until_a_waiter_halts();
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
	atomic_set(&halt_forced, 0);
	waiter_halted = false;
	tc_mark(200);
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
	tc_mark(201);
	pr_info("# lock: %u CPUs x %d critical sections of %d us, marks 200-201\n",
		n, iterations, hold_us);
	TAP(n == num_online_cpus() && shared_counter == (unsigned long)n * iterations,
	    "lock workload: counter %lu == %u x %d", shared_counter, n, iterations);
	if (force_halt)
		TAP(waiter_halted,
		    "lock workload: a waiter halted while the first holder kept the lock");
}

/*
 * run=stress: one worker per CPU, each round arms a pinned hrtimer, makes an
 * asynchronous cross-CPU call to a random other CPU and waits for it, every
 * fourth round a multicast call to all other CPUs, then takes the shared
 * spinlock a few times (now and then long enough that waiters halt), and
 * finally waits for its timer. Waits are bounded, so a lost IPI or timer is
 * counted instead of hanging the guest.
 */
#define STRESS_WAIT	(10 * HZ)

struct stress_worker {
	int cpu;
	u32 rnd;
	struct task_struct *task;

	call_single_data_t csd;
	struct completion call_done;
	int call_target;
	unsigned long calls, calls_done, calls_lost, misrouted;
	unsigned long multicasts;

	struct hrtimer timer;
	struct completion timer_done;
	ktime_t timer_expires;
	unsigned long timers, timers_fired, timers_lost, timers_early;
	s64 max_late_ns;

	unsigned long acquired;
};

static struct stress_worker *workers;
static DEFINE_PER_CPU(unsigned long, multicast_received);
static DEFINE_SPINLOCK(stress_lock);
static unsigned long stress_counter;
static atomic_t stress_running;
static DECLARE_COMPLETION(stress_done);

static u32 stress_random(struct stress_worker *w)
{
	/* xorshift32: cheap, and the same run on every boot */
	w->rnd ^= w->rnd << 13;
	w->rnd ^= w->rnd >> 17;
	w->rnd ^= w->rnd << 5;
	return w->rnd;
}

static void stress_call(void *info)
{
	struct stress_worker *w = info;

	if (smp_processor_id() != w->call_target)
		w->misrouted++;
	w->calls_done++;
	complete(&w->call_done);
}

static void stress_multicast(void *info)
{
	this_cpu_inc(multicast_received);
}

static enum hrtimer_restart stress_timer(struct hrtimer *t)
{
	struct stress_worker *w = container_of(t, struct stress_worker, timer);
	s64 late = ktime_to_ns(ktime_sub(ktime_get(), w->timer_expires));

	if (late < 0)
		w->timers_early++;
	w->max_late_ns = max(w->max_late_ns, late);
	w->timers_fired++;
	complete(&w->timer_done);
	return HRTIMER_NORESTART;
}

/* A random online CPU other than this one, or -1 if there is none. */
static int stress_pick_target(struct stress_worker *w)
{
	unsigned int n = num_online_cpus(), skip;
	int cpu;

	if (n < 2)
		return -1;
	skip = stress_random(w) % (n - 1);
	for_each_online_cpu(cpu) {
		if (cpu == w->cpu)
			continue;
		if (!skip--)
			return cpu;
	}
	return -1;
}

static bool stress_round(struct stress_worker *w, unsigned long round)
{
	int target, i;

	w->timer_expires = ktime_add_us(ktime_get(), 50 + stress_random(w) % 1950);
	reinit_completion(&w->timer_done);
	hrtimer_start(&w->timer, w->timer_expires, HRTIMER_MODE_ABS_PINNED);
	w->timers++;

	target = stress_pick_target(w);
	if (target >= 0) {
		reinit_completion(&w->call_done);
		w->call_target = target;
		if (!smp_call_function_single_async(target, &w->csd)) {
			w->calls++;
			if (!wait_for_completion_timeout(&w->call_done, STRESS_WAIT)) {
				/* the csd may still be queued: stop using it */
				w->calls_lost++;
				return false;
			}
		}
	}

	if (!(round % 4)) {
		preempt_disable();
		smp_call_function_many(cpu_online_mask, stress_multicast, NULL, true);
		preempt_enable();
		w->multicasts++;
	}

	for (i = 0; i < 8; i++) {
		spin_lock(&stress_lock);
		stress_counter++;
		/* now and then long enough that spinning waiters halt */
		udelay(!(round % 64) && !i ? 2000 : stress_random(w) % 20);
		spin_unlock(&stress_lock);
		w->acquired++;
	}

	if (!wait_for_completion_timeout(&w->timer_done, STRESS_WAIT)) {
		w->timers_lost++;
		hrtimer_cancel(&w->timer);
	}
	return true;
}

static int stress_worker_fn(void *data)
{
	struct stress_worker *w = data;
	unsigned long end = jiffies + seconds * HZ, round = 0;

	while (time_before(jiffies, end) && stress_round(w, round++))
		cond_resched();
	if (atomic_dec_and_test(&stress_running))
		complete(&stress_done);
	return 0;
}

static void run_stress(void)
{
	unsigned long calls = 0, done = 0, lost = 0, misrouted = 0;
	unsigned long multicasts = 0, received = 0, acquired = 0;
	unsigned long timers = 0, fired = 0, tlost = 0, early = 0;
	unsigned int online = num_online_cpus(), started = 0;
	s64 max_late = 0;
	int cpu;

	workers = kcalloc(nr_cpu_ids, sizeof(*workers), GFP_KERNEL);
	if (!workers) {
		TAP(false, "stress: workers allocated");
		return;
	}
	atomic_set(&stress_running, 1);
	tc_mark(300);
	for_each_online_cpu(cpu) {
		struct stress_worker *w = &workers[cpu];

		w->cpu = cpu;
		w->rnd = 2654435761u * (cpu + 1);
		INIT_CSD(&w->csd, stress_call, w);
		init_completion(&w->call_done);
		init_completion(&w->timer_done);
		hrtimer_init(&w->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_PINNED);
		w->timer.function = stress_timer;
		w->task = kthread_create(stress_worker_fn, w, "tc_stress/%d", cpu);
		if (IS_ERR(w->task))
			continue;
		kthread_bind(w->task, cpu);
		atomic_inc(&stress_running);
		wake_up_process(w->task);
		started++;
	}
	if (atomic_dec_and_test(&stress_running))
		complete(&stress_done);
	wait_for_completion(&stress_done);
	tc_mark(301);

	for_each_online_cpu(cpu) {
		struct stress_worker *w = &workers[cpu];

		calls += w->calls;
		done += w->calls_done;
		lost += w->calls_lost;
		misrouted += w->misrouted;
		multicasts += w->multicasts;
		received += per_cpu(multicast_received, cpu);
		timers += w->timers;
		fired += w->timers_fired;
		tlost += w->timers_lost;
		early += w->timers_early;
		max_late = max(max_late, w->max_late_ns);
		acquired += w->acquired;
	}

	pr_info("# stress: %d s on %u CPUs, marks 300-301\n", seconds, started);
	pr_info("# stress: %lu cross-CPU calls, %lu multicasts, %lu timers (latest by %lld us), %lu lock sections\n",
		calls, multicasts, timers, max_late / 1000, acquired);
	TAP(started == online, "stress: a worker on each of the %u CPUs (%u)",
	    online, started);
	TAP(calls > 0 && done == calls && !lost,
	    "stress: every cross-CPU call ran (%lu of %lu, %lu lost)",
	    done, calls, lost);
	TAP(!misrouted, "stress: every call ran on the CPU it was sent to (%lu elsewhere)",
	    misrouted);
	TAP(multicasts > 0 && received == multicasts * (online - 1),
	    "stress: every multicast reached every other CPU (%lu of %lu x %u)",
	    received, multicasts, online - 1);
	TAP(timers > 0 && fired == timers && !tlost,
	    "stress: every timer fired (%lu of %lu, %lu lost)", fired, timers, tlost);
	TAP(!early, "stress: no timer fired early (%lu)", early);
	TAP(stress_counter == acquired,
	    "stress: the spinlock excluded (counter %lu, %lu sections)",
	    stress_counter, acquired);
	/* a lost call leaves its csd queued: keep the workers' memory */
	if (!lost)
		kfree(workers);
}

static void nothing(void *unused)
{
}

/*
 * run=mark: one MARK, then a function call on every CPU and a wait for it:
 * whatever a CPU was doing with interrupts off when the mark was taken (a
 * register write the host has counted, and the guest's own count of it)
 * is finished when the module returns, so a counter the guest reads next
 * holds everything the host counted before the mark.
 */
static void run_mark(void)
{
	tc_mark(label);
	on_each_cpu(nothing, NULL, 1);
}

static int __init tc_hosttest_init(void)
{
	if (!strcmp(run, "abi"))
		run_abi();
	else if (!strcmp(run, "ipi"))
		run_ipi();
	else if (!strcmp(run, "lock"))
		run_lock();
	else if (!strcmp(run, "mark"))
		run_mark();
	else if (!strcmp(run, "exits"))
		run_exits();
	else if (!strcmp(run, "park"))
		run_park();
	else if (!strcmp(run, "stress") && seconds > 0)
		run_stress();
	else if (!strcmp(run, "irq_off") && irq > 0)
		disable_irq(irq);	/* its interrupts stay pending */
	else if (!strcmp(run, "irq_on") && irq > 0)
		enable_irq(irq);
	else {
		pr_err("run=%s seconds=%d irq=%d: expected abi, exits, ipi, lock, mark, park, stress (seconds > 0), irq_off or irq_on (irq > 0)\n",
		       run, seconds, irq);
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

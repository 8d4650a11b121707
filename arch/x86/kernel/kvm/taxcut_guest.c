// SPDX-License-Identifier: GPL-2.0
/*
 * taxcut's built-in part (CONFIG_TAXCUT_GUEST): the choices a module cannot
 * make after boot, given to arch/x86/kernel/kvm.c through <taxcut/guest.h>,
 * and the PV IPI sender. The decisions themselves are guest_policy.c's and
 * the IPI windows ipi_window.c's; this file gathers facts and talks to the
 * hardware.
 *
 * Boot parameter: taxcut.dedicated=auto|on|off overrides KVM_HINTS_REALTIME
 * (docs/guest-policy.md).
 */
#define pr_fmt(fmt) "taxcut: " fmt

#include <linux/cpumask.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/kvm_para.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/spinlock.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <taxcut/guest.h>
#include <taxcut/kvm_abi.h>
#include <trace/events/taxcut.h>
#include "guest_policy.h"
#include "ipi_window.h"

static enum tc_dedicated_mode dedicated_mode __ro_after_init = TC_DEDICATED_AUTO;
/*
 * Not __ro_after_init: on KVM the kernel's KVM setup decides at boot, but a
 * KVM signature behind another hypervisor's leaves (Hyper-V first) skips
 * that setup, and cpuidle-haltpoll or taxcut.ko may then ask after boot,
 * possibly at the same time: the lock orders them, the release store on
 * "decided" publishes the policy to lock-free readers.
 */
static struct tc_guest_policy policy;
static bool decided;
static DEFINE_SPINLOCK(decide_lock);

static int __init parse_dedicated(char *arg)
{
	if (tc_parse_dedicated(arg, &dedicated_mode)) {
		pr_err("taxcut.dedicated=%s: invalid value (auto, on or off)\n", arg ? arg : "");
		return -EINVAL;
	}
	return 0;
}
early_param("taxcut.dedicated", parse_dedicated);

static bool pv_spinlocks_disabled(void)
{
#ifdef CONFIG_PARAVIRT_SPINLOCKS
	return nopvspin;
#else
	return true;
#endif
}

/*
 * First called from the kernel's KVM setup, after the possible CPUs are
 * known (kvm_guest_init runs late in setup_arch); later callers find the
 * policy made. The facts are gathered only by the call that decides.
 */
static const struct tc_guest_policy *decide(void)
{
	struct tc_guest_facts facts = { .dedicated = dedicated_mode };
	unsigned long flags;

	/* pairs with the release below: a decided policy is complete */
	if (smp_load_acquire(&decided))
		return &policy;
	spin_lock_irqsave(&decide_lock, flags);
	if (decided) {
		spin_unlock_irqrestore(&decide_lock, flags);
		return &policy;
	}
	facts.kvm = kvm_para_available();
	facts.possible_cpus = num_possible_cpus();
	facts.mwait = boot_cpu_has(X86_FEATURE_MWAIT);
	facts.nopvspin = pv_spinlocks_disabled();
	facts.idle_override = boot_option_idle_override != IDLE_NO_OVERRIDE;
	if (facts.kvm) {
		facts.features = kvm_arch_para_features();
		facts.hints = kvm_arch_para_hints();
	}
	tc_guest_decide(&facts, &policy);
	/* publish the policy before the flag (lock-free readers) */
	smp_store_release(&decided, true);
	spin_unlock_irqrestore(&decide_lock, flags);

	pr_info("dedicated: %s (%s)\n", policy.dedicated ? "yes" : "no", policy.dedicated_why);
	pr_info("spinlock: %s (%s)\n", tc_spinlock_mode_name(policy.spinlock),
		policy.spinlock_why);
	pr_info("tlb flush: %s (%s)\n", tc_tlb_mode_name(policy.tlb), policy.tlb_why);
	pr_info("pv sched yield: %s (%s)\n", policy.pv_sched_yield ? "on" : "off",
		policy.pv_sched_yield_why);
	pr_info("pv ipi: %s (%s)\n", policy.pv_ipi ? "on" : "off", policy.pv_ipi_why);
	pr_info("haltpoll: %s (%s)\n", policy.haltpoll ? "eligible" : "no", policy.haltpoll_why);
	return &policy;
}

bool taxcut_guest_spinlock_native(void)
{
	return decide()->spinlock == TC_SPINLOCK_NATIVE;
}

bool taxcut_guest_spinlock_pv(void)
{
	return decide()->spinlock == TC_SPINLOCK_PV;
}

bool taxcut_guest_pv_tlb_flush(void)
{
	return decide()->tlb == TC_TLB_PV;
}

bool taxcut_guest_pv_sched_yield(void)
{
	return decide()->pv_sched_yield;
}

bool taxcut_guest_pv_ipi(void)
{
	return decide()->pv_ipi;
}

/* cpuidle-haltpoll may be a module */
bool taxcut_guest_haltpoll(void)
{
	return decide()->haltpoll;
}
EXPORT_SYMBOL_GPL(taxcut_guest_haltpoll);

const struct tc_guest_policy *taxcut_guest_policy(unsigned int version)
{
	if (version != TC_GUEST_POLICY_VERSION)
		return NULL;
	/* pairs with the release in decide() */
	return smp_load_acquire(&decided) ? &policy : NULL;
}
EXPORT_SYMBOL_GPL(taxcut_guest_policy);

/*
 * For taxcut.ko's report: whether virt_spin_lock() runs before the native
 * slow path (test-and-set). The key is not exported; the built-in part
 * reads it where it lives.
 */
bool taxcut_guest_virt_spin_lock(void)
{
#ifdef CONFIG_PARAVIRT
	return static_branch_likely(&virt_spin_lock_key);
#else
	return false;
#endif
}
EXPORT_SYMBOL_GPL(taxcut_guest_virt_spin_lock);

/* --- PV IPIs ------------------------------------------------------------ */

static DEFINE_PER_CPU(struct taxcut_guest_ipi_counts, ipi_counts);
/* Once the host refuses SEND_IPI, every IPI takes the native sender. */
static bool pv_ipi_refused;
/*
 * The APIC driver's own mask sender, kept before kvm.c replaced it. Not
 * apic->send_IPI: on some xAPIC drivers that calls apic->send_IPI_mask,
 * which is this sender again.
 */
static void (*native_send_ipi_mask)(const struct cpumask *mask, int vector) __ro_after_init;

void __init taxcut_guest_keep_native_ipi(void (*send_mask)(const struct cpumask *mask, int vector))
{
	native_send_ipi_mask = send_mask;
}

static void send_native(const struct cpumask *mask, int vector,
			const struct tc_ipi_window *w)
{
	unsigned int cpu;

	this_cpu_inc(ipi_counts.native_windows);
	for_each_cpu(cpu, mask)
		if (tc_ipi_window_test(w, per_cpu(x86_cpu_to_apicid, cpu)))
			native_send_ipi_mask(cpumask_of(cpu), vector);
}

/* Sends a window; true if the hypercall took it, false if sent natively. */
static bool send_window(const struct cpumask *mask, int vector, u32 icr,
			const struct tc_ipi_window *w)
{
	long ret;

	if (!READ_ONCE(pv_ipi_refused)) {
		this_cpu_inc(ipi_counts.hypercalls);
		ret = kvm_hypercall4(TC_KVM_HC_SEND_IPI, w->bits[0], w->bits[1], w->base, icr);
		if (ret >= 0)
			return true;
		this_cpu_inc(ipi_counts.refused);
		WRITE_ONCE(pv_ipi_refused, true);
		pr_warn_once("the host refused KVM_HC_SEND_IPI (%ld): IPIs take the native path from now on\n",
			     ret);
	}
	send_native(mask, vector, w);
	return false;
}

void taxcut_guest_send_ipi_mask(const struct cpumask *mask, int vector, bool all_but_self)
{
	unsigned int cpu, targets = 0, windows[2] = { 0, 0 };	/* native, hypercall */
	struct tc_ipi_window open, full;
	unsigned long flags;
	u32 exclude, icr;

	icr = vector == NMI_VECTOR ? APIC_DM_NMI : APIC_DM_FIXED | vector;
	tc_ipi_window_init(&open);
	local_irq_save(flags);
	exclude = all_but_self ? per_cpu(x86_cpu_to_apicid, smp_processor_id()) :
				 TC_IPI_EXCLUDE_NONE;
	for_each_cpu(cpu, mask) {
		targets += per_cpu(x86_cpu_to_apicid, cpu) != exclude;
		if (tc_ipi_window_add(&open, per_cpu(x86_cpu_to_apicid, cpu), exclude, &full))
			windows[send_window(mask, vector, icr, &full)]++;
	}
	if (!tc_ipi_window_empty(&open))
		windows[send_window(mask, vector, icr, &open)]++;
	trace_pv_ipi(vector, targets, windows[1], windows[0]);
	local_irq_restore(flags);
}

void taxcut_guest_ipi_counts(struct taxcut_guest_ipi_counts *out)
{
	unsigned int cpu;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu) {
		const struct taxcut_guest_ipi_counts *c = per_cpu_ptr(&ipi_counts, cpu);

		out->hypercalls += READ_ONCE(c->hypercalls);
		out->refused += READ_ONCE(c->refused);
		out->native_windows += READ_ONCE(c->native_windows);
	}
}
EXPORT_SYMBOL_GPL(taxcut_guest_ipi_counts);

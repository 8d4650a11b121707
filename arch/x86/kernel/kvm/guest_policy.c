// SPDX-License-Identifier: GPL-2.0
/*
 * The boot-time choices of a KVM guest, as one function of the facts.
 *
 * The rule that matters: on dedicated vCPUs nothing is ever preempted, so
 * every paravirtual workaround for preemption (PV spinlock halting, the
 * test-and-set lock, deferred TLB flushes, yielding to a preempted vCPU)
 * only costs. The spinlock there is native qspinlock whether or not the host
 * advertises PV_UNHALT: KVM hides PV_UNHALT exactly when it stops HLT exits,
 * which is how dedicated hosts run, and upstream used to fall back to
 * test-and-set in that case.
 */
#include "guest_policy.h"
#include <taxcut/kvm_abi.h>

static bool has(const struct tc_guest_facts *f, unsigned int bit)
{
	return f->kvm && (f->features >> bit) & 1;
}

static void decide_dedicated(const struct tc_guest_facts *f, struct tc_guest_policy *p)
{
	switch (f->dedicated) {
	case TC_DEDICATED_ON:
		p->dedicated = true;
		p->dedicated_why = "taxcut.dedicated=on";
		return;
	case TC_DEDICATED_OFF:
		p->dedicated = false;
		p->dedicated_why = "taxcut.dedicated=off";
		return;
	case TC_DEDICATED_AUTO:
		break;
	}
	p->dedicated = f->kvm && (f->hints >> TC_KVM_HINTS_REALTIME) & 1;
	p->dedicated_why = p->dedicated ? "KVM_HINTS_REALTIME" : "no KVM_HINTS_REALTIME hint";
}

static void decide_spinlock(const struct tc_guest_facts *f, struct tc_guest_policy *p)
{
	if (!f->kvm) {
		p->spinlock = TC_SPINLOCK_NATIVE;
		p->spinlock_why = "not on KVM";
	} else if (f->possible_cpus <= 1) {
		p->spinlock = TC_SPINLOCK_NATIVE;
		p->spinlock_why = "single vCPU";
	} else if (p->dedicated) {
		p->spinlock = TC_SPINLOCK_NATIVE;
		p->spinlock_why = "dedicated vCPUs: lock holders are never preempted";
	} else if (f->nopvspin) {
		p->spinlock = TC_SPINLOCK_NATIVE;
		p->spinlock_why = "nopvspin";
	} else if (has(f, TC_KVM_FEATURE_PV_UNHALT)) {
		p->spinlock = TC_SPINLOCK_PV;
		p->spinlock_why = "shared vCPUs and PV_UNHALT: waiters halt and are kicked";
	} else {
		p->spinlock = TC_SPINLOCK_TAS;
		p->spinlock_why = "shared vCPUs without PV_UNHALT: a fair queue would stall behind preempted waiters";
	}
}

/*
 * PV TLB flush and PV sched-yield share their conditions: both act on
 * preempted vCPUs, seen through steal time, and both are pointless when the
 * guest owns its CPUs (dedicated, or MWAIT passed through, which hosts only
 * do for pinned vCPUs).
 */
static const char *preemption_aware_veto(const struct tc_guest_facts *f,
					 const struct tc_guest_policy *p,
					 unsigned int feature, const char *missing)
{
	if (!has(f, feature))
		return missing;
	if (f->possible_cpus <= 1)
		return "single vCPU";
	if (p->dedicated)
		return "dedicated vCPUs are never preempted";
	if (!has(f, TC_KVM_FEATURE_STEAL_TIME))
		return "no STEAL_TIME: preemption cannot be seen";
	if (f->mwait)
		return "MWAIT available: the vCPUs are pinned";
	return NULL;
}

static void decide_tlb(const struct tc_guest_facts *f, struct tc_guest_policy *p)
{
	const char *veto = preemption_aware_veto(f, p, TC_KVM_FEATURE_PV_TLB_FLUSH,
						 "no PV_TLB_FLUSH");

	p->tlb = veto ? TC_TLB_NATIVE : TC_TLB_PV;
	p->tlb_why = veto ? veto : "shared vCPUs: preempted ones flush when they run again";
}

static void decide_sched_yield(const struct tc_guest_facts *f, struct tc_guest_policy *p)
{
	const char *veto = preemption_aware_veto(f, p, TC_KVM_FEATURE_PV_SCHED_YIELD,
						 "no PV_SCHED_YIELD");

	p->pv_sched_yield = !veto;
	p->pv_sched_yield_why = veto ? veto : "shared vCPUs: yield to a preempted call target";
}

/* An IPI costs an exit per destination whether or not the vCPUs are pinned. */
static void decide_ipi(const struct tc_guest_facts *f, struct tc_guest_policy *p)
{
	p->pv_ipi = false;
	if (!has(f, TC_KVM_FEATURE_PV_SEND_IPI))
		p->pv_ipi_why = "no PV_SEND_IPI";
	else if (f->possible_cpus <= 1)
		p->pv_ipi_why = "single vCPU";
	else {
		p->pv_ipi = true;
		p->pv_ipi_why = "PV_SEND_IPI: one hypercall per 128 APIC IDs";
	}
}

static void decide_haltpoll(const struct tc_guest_facts *f, struct tc_guest_policy *p)
{
	p->haltpoll = false;
	if (!f->kvm)
		p->haltpoll_why = "not on KVM";
	else if (f->idle_override)
		p->haltpoll_why = "idle= given";
	else if (!p->dedicated)
		p->haltpoll_why = "shared vCPUs: guest polling would steal from other guests";
	else {
		p->haltpoll = true;
		p->haltpoll_why = "dedicated vCPUs: polling costs no one else";
	}
}

void tc_guest_decide(const struct tc_guest_facts *facts, struct tc_guest_policy *out)
{
	decide_dedicated(facts, out);
	decide_spinlock(facts, out);
	decide_tlb(facts, out);
	decide_sched_yield(facts, out);
	decide_ipi(facts, out);
	decide_haltpoll(facts, out);
}

static const char *const dedicated_names[] = {
	[TC_DEDICATED_AUTO] = "auto",
	[TC_DEDICATED_ON] = "on",
	[TC_DEDICATED_OFF] = "off",
};

int tc_parse_dedicated(const char *s, enum tc_dedicated_mode *out)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dedicated_names); i++) {
		if (s && !strcmp(s, dedicated_names[i])) {
			*out = (enum tc_dedicated_mode)i;
			return 0;
		}
	}
	return -1;
}

const char *tc_dedicated_mode_name(enum tc_dedicated_mode mode)
{
	return (unsigned int)mode < ARRAY_SIZE(dedicated_names) ? dedicated_names[mode] : "?";
}

const char *tc_spinlock_mode_name(enum tc_spinlock_mode mode)
{
	switch (mode) {
	case TC_SPINLOCK_NATIVE:
		return "native-qspinlock";
	case TC_SPINLOCK_PV:
		return "pv-qspinlock";
	case TC_SPINLOCK_TAS:
		return "test-and-set";
	}
	return "?";
}

const char *tc_tlb_mode_name(enum tc_tlb_mode mode)
{
	return mode == TC_TLB_PV ? "pv" : "native";
}

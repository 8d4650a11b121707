/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a KVM guest chooses at boot, once, from what the host offers: the
 * spinlock, the remote TLB flush, PV sched-yield, PV IPIs and whether the
 * haltpoll cpuidle driver may register. Pure: the caller gathers the facts.
 *
 * Built into the kernel (CONFIG_TAXCUT_GUEST) it makes these choices for
 * arch/x86/kernel/kvm.c; in taxcut.ko it says what it would have chosen.
 */
#ifndef _TAXCUT_GUEST_POLICY_H
#define _TAXCUT_GUEST_POLICY_H

#include <taxcut/pure.h>

/* taxcut.dedicated= */
enum tc_dedicated_mode {
	TC_DEDICATED_AUTO,	/* follow KVM_HINTS_REALTIME */
	TC_DEDICATED_ON,	/* the operator knows the vCPUs are pinned */
	TC_DEDICATED_OFF,	/* the operator knows they are not */
};

struct tc_guest_facts {
	bool kvm;			/* KVM's CPUID signature was found */
	u32 features;			/* KVM CPUID base + 1, EAX */
	u32 hints;			/* KVM CPUID base + 1, EDX */
	unsigned int possible_cpus;
	bool mwait;			/* the guest may use MONITOR/MWAIT */
	bool nopvspin;			/* upstream's "nopvspin" parameter */
	bool idle_override;		/* an idle= parameter was given */
	enum tc_dedicated_mode dedicated;
};

enum tc_spinlock_mode {
	TC_SPINLOCK_NATIVE,	/* native qspinlock, virt_spin_lock off */
	TC_SPINLOCK_PV,		/* PV qspinlock: waiters halt, are kicked */
	TC_SPINLOCK_TAS,	/* test-and-set virt_spin_lock */
};

enum tc_tlb_mode {
	TC_TLB_NATIVE,		/* IPI every CPU in the mask */
	TC_TLB_PV,		/* preempted vCPUs flush when they run again */
};

/* Bumped whenever struct tc_guest_policy or its enums change. */
#define TC_GUEST_POLICY_VERSION	1

/* Every decision comes with the reason, for the boot log and the report. */
struct tc_guest_policy {
	bool dedicated;
	const char *dedicated_why;
	enum tc_spinlock_mode spinlock;
	const char *spinlock_why;
	enum tc_tlb_mode tlb;
	const char *tlb_why;
	bool pv_sched_yield;
	const char *pv_sched_yield_why;
	bool pv_ipi;
	const char *pv_ipi_why;
	bool haltpoll;
	const char *haltpoll_why;
};

void tc_guest_decide(const struct tc_guest_facts *facts, struct tc_guest_policy *out);

/* "auto", "on", "off": 0, or -1 for anything else */
int tc_parse_dedicated(const char *s, enum tc_dedicated_mode *out);
const char *tc_dedicated_mode_name(enum tc_dedicated_mode mode);
const char *tc_spinlock_mode_name(enum tc_spinlock_mode mode);
const char *tc_tlb_mode_name(enum tc_tlb_mode mode);

#endif /* _TAXCUT_GUEST_POLICY_H */

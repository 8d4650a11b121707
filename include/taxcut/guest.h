/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What arch/x86/kernel/kvm.c and drivers/cpuidle/cpuidle-haltpoll.c ask
 * taxcut's built-in part (CONFIG_TAXCUT_GUEST) through the hook patch, and
 * what taxcut.ko reads back for its report. Kernel only.
 */
#ifndef _TAXCUT_GUEST_H
#define _TAXCUT_GUEST_H

#include <linux/cpumask.h>
#include <linux/types.h>

struct tc_guest_policy;

/* The boot-time decisions, made once at first use (the kernel's KVM setup). */
bool taxcut_guest_spinlock_native(void);	/* native qspinlock */
bool taxcut_guest_spinlock_pv(void);		/* PV qspinlock; neither: test-and-set */
bool taxcut_guest_pv_tlb_flush(void);
bool taxcut_guest_pv_sched_yield(void);
bool taxcut_guest_pv_ipi(void);
bool taxcut_guest_haltpoll(void);

/* The PV IPI sender behind apic->send_IPI_mask{,_allbutself}. */
void taxcut_guest_send_ipi_mask(const struct cpumask *mask, int vector, bool all_but_self);
/* kvm.c hands over the native mask sender before replacing it: the fallback */
void taxcut_guest_keep_native_ipi(void (*send_mask)(const struct cpumask *mask, int vector));

/*
 * For taxcut.ko, through symbol_get(): NULL until decided (or off KVM), or
 * when @version is not the built-in part's TC_GUEST_POLICY_VERSION (a module
 * built from other sources than the kernel).
 */
const struct tc_guest_policy *taxcut_guest_policy(unsigned int version);
/* virt_spin_lock_key, for the report */
bool taxcut_guest_virt_spin_lock(void);

struct taxcut_guest_ipi_counts {
	u64 hypercalls;		/* KVM_HC_SEND_IPI issued */
	u64 refused;		/* of which the host refused */
	u64 native_windows;	/* windows sent per CPU through the ICR instead */
};
void taxcut_guest_ipi_counts(struct taxcut_guest_ipi_counts *out);

#endif /* _TAXCUT_GUEST_H */

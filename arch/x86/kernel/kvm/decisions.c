// SPDX-License-Identifier: GPL-2.0
/*
 * The report's "decision" lines: the boot-time choices of taxcut's built-in
 * part (CONFIG_TAXCUT_GUEST) with their reasons, read through symbol_get()
 * so that the module still loads on kernels without it; there it shows what
 * the built-in part would have chosen, for comparison with what the kernel
 * did (the lines above them in the report).
 */
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/sysfs.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <taxcut/guest.h>
#include "guest_policy.h"
#include "taxcut.h"

static int show_policy(char *buf, int at, const struct tc_guest_policy *p)
{
	int len = 0;

	len += sysfs_emit_at(buf, at + len, "decision dedicated: %s (%s)\n",
			     p->dedicated ? "yes" : "no", p->dedicated_why);
	len += sysfs_emit_at(buf, at + len, "decision spinlock: %s (%s)\n",
			     tc_spinlock_mode_name(p->spinlock), p->spinlock_why);
	len += sysfs_emit_at(buf, at + len, "decision tlb_flush: %s (%s)\n",
			     tc_tlb_mode_name(p->tlb), p->tlb_why);
	len += sysfs_emit_at(buf, at + len, "decision pv_sched_yield: %s (%s)\n",
			     p->pv_sched_yield ? "on" : "off", p->pv_sched_yield_why);
	len += sysfs_emit_at(buf, at + len, "decision pv_ipi: %s (%s)\n",
			     p->pv_ipi ? "on" : "off", p->pv_ipi_why);
	len += sysfs_emit_at(buf, at + len, "decision haltpoll: %s (%s)\n",
			     p->haltpoll ? "eligible" : "no", p->haltpoll_why);
	return len;
}

/* Only what a module can see: nopvspin and taxcut.dedicated= are not. */
static void would_choose(struct tc_guest_policy *p)
{
	struct tc_guest_facts facts = {
		.kvm = taxcut_kvm.presence == TC_KVM,
		.features = taxcut_kvm.features,
		.hints = taxcut_kvm.hints,
		.possible_cpus = num_possible_cpus(),
		.mwait = boot_cpu_has(X86_FEATURE_MWAIT),
		.idle_override = boot_option_idle_override != IDLE_NO_OVERRIDE,
		.dedicated = TC_DEDICATED_AUTO,
	};

	tc_guest_decide(&facts, p);
}

/*
 * The built-in part's haltpoll decision, which follows taxcut.dedicated=:
 * its reason, or NULL on kernels without it (then the hint decides).
 */
const char *taxcut_builtin_haltpoll(bool *eligible)
{
	typeof(&taxcut_guest_policy) get_policy = symbol_get(taxcut_guest_policy);
	typeof(&taxcut_guest_haltpoll) get_haltpoll = symbol_get(taxcut_guest_haltpoll);
	const struct tc_guest_policy *p = NULL;
	const char *why = NULL;

	/* asking for the haltpoll decision makes one if the kernel has not yet */
	if (get_policy && get_haltpoll) {
		get_haltpoll();
		p = get_policy(TC_GUEST_POLICY_VERSION);
	}
	if (p) {
		*eligible = p->haltpoll;
		why = p->haltpoll_why;	/* a string in the kernel image */
	}
	if (get_haltpoll)
		symbol_put(taxcut_guest_haltpoll);
	if (get_policy)
		symbol_put(taxcut_guest_policy);
	return why;
}

int taxcut_decisions_show(char *buf, int at)
{
	typeof(&taxcut_guest_policy) get_policy = symbol_get(taxcut_guest_policy);
	typeof(&taxcut_guest_ipi_counts) get_counts = symbol_get(taxcut_guest_ipi_counts);
	const struct tc_guest_policy *built_in =
		get_policy ? get_policy(TC_GUEST_POLICY_VERSION) : NULL;
	struct taxcut_guest_ipi_counts counts;
	struct tc_guest_policy predicted;
	int len = 0;

	if (built_in) {
		len += sysfs_emit_at(buf, at, "taxcut_guest: built in (CONFIG_TAXCUT_GUEST)\n");
		len += show_policy(buf, at + len, built_in);
	} else {
		would_choose(&predicted);
		len += sysfs_emit_at(buf, at, "taxcut_guest: %s; it would choose (taxcut.dedicated=auto):\n",
				     get_policy ? "built in, but undecided or from other sources" :
						  "not built in");
		len += show_policy(buf, at + len, &predicted);
	}
	if (get_counts) {
		get_counts(&counts);
		len += sysfs_emit_at(buf, at + len,
				     "pv_ipi_sender: hypercalls %llu refused %llu native_windows %llu\n",
				     counts.hypercalls, counts.refused, counts.native_windows);
		symbol_put(taxcut_guest_ipi_counts);
	}
	if (get_policy)
		symbol_put(taxcut_guest_policy);
	return len;
}

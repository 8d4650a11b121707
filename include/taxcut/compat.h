/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernels taxcut supports (Debian's
 * 6.1 and 6.12). The rest of taxcut is written for one kernel API.
 */
#ifndef _TAXCUT_COMPAT_H
#define _TAXCUT_COMPAT_H

#include <linux/cpuidle.h>

/*
 * An idle state flagged CPUIDLE_FLAG_RCU_IDLE tells RCU itself when it
 * stops watching. Since 6.3 <linux/cpuidle.h> wraps that with the lockdep
 * bookkeeping of interrupts enabled in idle; before, the core called
 * ct_idle_enter() and ct_idle_exit() alone, and so do we. Kbuild defines
 * TC_HAVE_CT_CPUIDLE_ENTER when the kernel's header has the wrapper.
 */
#ifdef TC_HAVE_CT_CPUIDLE_ENTER
#define tc_cpuidle_rcu_enter()	ct_cpuidle_enter()
#define tc_cpuidle_rcu_exit()	ct_cpuidle_exit()
#else
#include <linux/context_tracking.h>
#define tc_cpuidle_rcu_enter()	ct_idle_enter()
#define tc_cpuidle_rcu_exit()	ct_idle_exit()
#endif

#endif /* _TAXCUT_COMPAT_H */

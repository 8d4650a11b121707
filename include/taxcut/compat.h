/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernels taxcut supports (Debian's
 * 6.1 and 6.12), and everything it reads from the kernel that the kernel
 * does not export. The rest of taxcut is written for one kernel API.
 */
#ifndef _TAXCUT_COMPAT_H
#define _TAXCUT_COMPAT_H

#include <linux/clockchips.h>

/*
 * The report inspects a few kernel variables that no module may link to
 * (virt_spin_lock_key, cpuidle_curr_governor, tick_cpu_device). Their
 * addresses come from kallsyms_lookup_name(), itself unexported since 5.7,
 * whose address a kprobe tells us. They are only read, never written.
 *
 * With indirect branch tracking (X86_KERNEL_IBT) the call into a sealed
 * kallsyms_lookup_name() would fault, so there the report says "unknown".
 */
#if IS_ENABLED(CONFIG_KPROBES) && IS_ENABLED(CONFIG_KALLSYMS_ALL) && \
	!IS_ENABLED(CONFIG_X86_KERNEL_IBT)
#define TAXCUT_HAVE_SYMBOL_LOOKUP 1
#else
#define TAXCUT_HAVE_SYMBOL_LOOKUP 0
#endif

/*
 * kernel/time/tick-sched.h keeps struct tick_device private; its first
 * member has been the clockevent device since 2.6.21, in 6.1 and 6.12 alike.
 */
struct taxcut_tick_device {
	struct clock_event_device *evtdev;
};

#endif /* _TAXCUT_COMPAT_H */

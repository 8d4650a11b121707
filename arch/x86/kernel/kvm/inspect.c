// SPDX-License-Identifier: GPL-2.0
/*
 * What the running kernel does, read from the kernel itself rather than
 * predicted from the KVM hints: the installed spinlock slow path, TLB flush
 * and IPI callbacks, the cpuidle driver and governor, each CPU's tick
 * device. Read-only: nothing here changes the kernel.
 */
#include <linux/cpu.h>
#include <linux/module.h>
#include <linux/cpuidle.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <asm/apic.h>
#include <asm/paravirt.h>
#include <asm/qspinlock.h>
#include <taxcut/guest.h>
#include "taxcut.h"

/*
 * What a module cannot read: the kernel does not export it. The report
 * says so and where a reader finds it instead.
 */
#define NOT_EXPORTED(where) "not exported to modules (" where ")"

void taxcut_inspect_init(void)
{
}

static bool symbol_is(const void *fn, const char *name)
{
	char sym[128];

	snprintf(sym, sizeof(sym), "%ps", fn);
	return !strcmp(sym, name);
}

static int show_spinlock(char *buf, int at)
{
	const char *key = NOT_EXPORTED("without taxcut built in; the kernel log says which");
	const char *mode = "native-qspinlock";
	typeof(&taxcut_guest_virt_spin_lock) key_on;
	void *slowpath = NULL;

#ifdef CONFIG_PARAVIRT_SPINLOCKS
	slowpath = pv_ops.lock.queued_spin_lock_slowpath;
	if (slowpath == __pv_queued_spin_lock_slowpath)
		mode = "pv-qspinlock";
	else if (slowpath != native_queued_spin_lock_slowpath)
		mode = "other";
#endif
	/*
	 * virt_spin_lock() runs before the native slow path while
	 * virt_spin_lock_key is on. The key is not exported; taxcut's
	 * built-in part, where there is one, reads it for us.
	 */
	key_on = symbol_get(taxcut_guest_virt_spin_lock);
	if (key_on) {
		bool on = key_on();

		symbol_put(taxcut_guest_virt_spin_lock);
		key = on ? "on" : "off";
		if (on && !strcmp(mode, "native-qspinlock"))
			mode = "test-and-set";
	} else if (!strcmp(mode, "native-qspinlock")) {
		mode = "native-qspinlock-or-test-and-set";
	}
	return sysfs_emit_at(buf, at, "spinlock: %s (slowpath %ps, virt_spin_lock_key %s)\n",
			     mode, slowpath, key);
}

static int show_tlb_flush(char *buf, int at)
{
	void *fn = pv_ops.mmu.flush_tlb_multi;
	const char *mode = "other";

	if (symbol_is(fn, "native_flush_tlb_multi"))
		mode = "native";
	else if (symbol_is(fn, "kvm_flush_tlb_multi"))
		mode = "pv";
	return sysfs_emit_at(buf, at, "tlb_flush: %s (%ps)\n", mode, fn);
}

static int show_ipi(char *buf, int at)
{
	void *fn = apic->send_IPI_mask;
	const char *mode = "native";

	if (symbol_is(fn, "kvm_send_ipi_mask"))
		mode = "pv";
	return sysfs_emit_at(buf, at, "ipi: %s (%ps, apic %s)\n",
			     mode, fn, apic->name);
}

static int show_cpuidle(char *buf, int at)
{
	struct cpuidle_driver *drv = cpuidle_get_driver();
	int len;

	len = sysfs_emit_at(buf, at, "cpuidle_driver: %s\n",
			    drv ? drv->name : "none");
	return len + sysfs_emit_at(buf, at + len, "cpuidle_governor: %s\n",
				   NOT_EXPORTED("/sys/devices/system/cpu/cpuidle/current_governor"));
}

/* Only taxcut's own clockevent is known to a module: the tick code's choice is not exported. */
static const char *tick_device_name(int cpu)
{
	return taxcut_timer_tick_device(cpu) ?:
	       "the kernel's own, " NOT_EXPORTED("/sys/devices/system/clockevents/clockevent<cpu>/current_device");
}

static int emit_tick_run(char *buf, int at, int first, int last, const char *name)
{
	return sysfs_emit_at(buf, at, "tick_device: cpus %d-%d %s\n",
			     first, last, name);
}

/* One line per run of consecutive CPUs sharing a tick device. */
static int show_tick_devices(char *buf, int at)
{
	const char *run_name = NULL;
	int cpu, first = -1, last = -1, len = 0;

	/*
	 * The online mask read as it is, without the hotplug lock: a report,
	 * and the exitless timer's lock nests outside that one.
	 */
	for_each_online_cpu(cpu) {
		const char *name = tick_device_name(cpu);

		if (run_name && cpu == last + 1 && !strcmp(name, run_name)) {
			last = cpu;
			continue;
		}
		if (run_name)
			len += emit_tick_run(buf, at + len, first, last, run_name);
		run_name = name;
		first = cpu;
		last = cpu;
	}
	if (run_name)
		len += emit_tick_run(buf, at + len, first, last, run_name);
	return len;
}

int taxcut_policy_show(char *buf)
{
	int len = 0;

	len += show_spinlock(buf, len);
	len += show_tlb_flush(buf, len);
	len += show_ipi(buf, len);
	len += show_cpuidle(buf, len);
	len += show_tick_devices(buf, len);
	len += taxcut_idle_show(buf, len);
	len += taxcut_timer_show(buf, len);
	len += taxcut_decisions_show(buf, len);
	return len;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What the running kernel does, read from the kernel itself rather than
 * predicted from the KVM hints: the installed spinlock slow path, TLB flush
 * and IPI callbacks, the cpuidle driver and governor, each CPU's tick
 * device. Read-only: nothing here changes the kernel.
 */
#include <linux/cpu.h>
#include <linux/cpuidle.h>
#include <linux/jump_label.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <asm/apic.h>
#include <asm/paravirt.h>
#include <asm/qspinlock.h>
#include <taxcut/compat.h>
#include "taxcut.h"

/* What the report says of a variable it cannot read, and why. */
#if TAXCUT_HAVE_SYMBOL_LOOKUP
#define UNREADABLE "unknown"
#else
#define UNREADABLE "unknown (no symbol lookup on IBT kernels)"
#endif

/* Addresses of unexported kernel variables; NULL when unknown. */
static struct static_key *virt_spin_lock_key_p;
static struct cpuidle_governor **cpuidle_curr_governor_p;
static struct taxcut_tick_device __percpu *tick_cpu_device_p;

#if TAXCUT_HAVE_SYMBOL_LOOKUP
static void *lookup_kernel_symbol(const char *name)
{
	static unsigned long (*lookup_name)(const char *name);

	if (!lookup_name) {
		struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

		int ret = register_kprobe(&kp);

		if (ret) {
			pr_info("taxcut: kernel symbol lookup unavailable (kprobe: %d)\n", ret);
			return NULL;
		}
		lookup_name = (void *)kp.addr;
		unregister_kprobe(&kp);
	}
	return (void *)lookup_name(name);
}
#else
static void *lookup_kernel_symbol(const char *name)
{
	return NULL;
}
#endif

void taxcut_inspect_init(void)
{
	void *p;

	virt_spin_lock_key_p = lookup_kernel_symbol("virt_spin_lock_key");
	cpuidle_curr_governor_p = lookup_kernel_symbol("cpuidle_curr_governor");
	p = lookup_kernel_symbol("tick_cpu_device");
	tick_cpu_device_p = (struct taxcut_tick_device __percpu __force *)p;
}

static bool symbol_is(const void *fn, const char *name)
{
	char sym[KSYM_SYMBOL_LEN];

	snprintf(sym, sizeof(sym), "%ps", fn);
	return !strcmp(sym, name);
}

static int show_spinlock(char *buf, int at)
{
	const char *mode = "native-qspinlock";
	const char *key = UNREADABLE;
	void *slowpath = NULL;

#ifdef CONFIG_PARAVIRT_SPINLOCKS
	slowpath = pv_ops.lock.queued_spin_lock_slowpath;
	if (slowpath == __pv_queued_spin_lock_slowpath)
		mode = "pv-qspinlock";
	else if (slowpath != native_queued_spin_lock_slowpath)
		mode = "other";
#endif
	/* virt_spin_lock() runs before any slow path while the key is on */
	if (virt_spin_lock_key_p) {
		bool on = static_key_enabled(virt_spin_lock_key_p);

		key = on ? "on" : "off";
		if (on)
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
	const char *gov = UNREADABLE;
	int len;

	len = sysfs_emit_at(buf, at, "cpuidle_driver: %s\n",
			    drv ? drv->name : "none");
	if (cpuidle_curr_governor_p) {
		struct cpuidle_governor *g = READ_ONCE(*cpuidle_curr_governor_p);

		gov = g ? g->name : "none";
	}
	return len + sysfs_emit_at(buf, at + len, "cpuidle_governor: %s\n", gov);
}

/* The CPU's tick device, or NULL when it cannot be read. */
struct clock_event_device *taxcut_tick_device(int cpu)
{
	if (!tick_cpu_device_p)
		return NULL;
	return READ_ONCE(per_cpu_ptr(tick_cpu_device_p, cpu)->evtdev);
}

static const char *tick_device_name(int cpu)
{
	struct clock_event_device *dev = taxcut_tick_device(cpu);

	if (!tick_cpu_device_p)
		return UNREADABLE;
	return dev ? dev->name : "none";
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

	cpus_read_lock();
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
	cpus_read_unlock();
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

// SPDX-License-Identifier: GPL-2.0
/*
 * taxcut: paravirtual guest support for KVM guests on dedicated CPUs.
 *
 * At load time: find KVM in CPUID, refuse to load anywhere else, and
 * publish what KVM offers and what this kernel does with it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <asm/processor.h>
#include <taxcut/kvm_abi.h>
#include "taxcut.h"

struct tc_kvm_cpuid taxcut_kvm __ro_after_init;

/* debugfs taxcut/: per-CPU statistics of the idle driver and the exitless timer */
struct dentry *taxcut_debugfs;

static void native_cpuid_fn(void *ctx, u32 leaf, u32 regs[TC_NR_REGS])
{
	cpuid_count(leaf, 0, &regs[TC_EAX], &regs[TC_EBX], &regs[TC_ECX],
		    &regs[TC_EDX]);
}

static int __init taxcut_init(void)
{
	char sig[13];
	int ret;

	tc_kvm_cpuid_probe(&taxcut_kvm, native_cpuid_fn, NULL);
	switch (taxcut_kvm.presence) {
	case TC_NO_HYPERVISOR:
		pr_err("no KVM hypervisor: the CPUID hypervisor bit is clear\n");
		return -ENODEV;
	case TC_OTHER_HYPERVISOR:
		tc_cpuid_signature(taxcut_kvm.first_signature, sig);
		pr_err("no KVM hypervisor: CPUID 0x%x says \"%s\" and no leaf up to 0x%x has KVM's signature\n",
		       TC_KVM_CPUID_SCAN_FIRST, sig, TC_KVM_CPUID_SCAN_LAST);
		return -ENODEV;
	case TC_KVM:
		break;
	}

	taxcut_inspect_init();
	ret = taxcut_report_init();
	if (ret)
		return ret;
	taxcut_debugfs = debugfs_create_dir("taxcut", NULL);
	ret = taxcut_idle_init();
	if (ret) {
		taxcut_report_exit();
		debugfs_remove_recursive(taxcut_debugfs);
		return ret;
	}
	ret = taxcut_timer_init();
	if (ret) {
		taxcut_report_exit();
		taxcut_idle_exit();
		debugfs_remove_recursive(taxcut_debugfs);
		return ret;
	}

	pr_info("KVM at CPUID 0x%x: features 0x%x, hints 0x%x%s\n",
		taxcut_kvm.base, taxcut_kvm.features, taxcut_kvm.hints,
		tc_kvm_has_hint(&taxcut_kvm, TC_KVM_HINTS_REALTIME) ?
		" (dedicated vCPUs)" : "");
	return 0;
}

static void __exit taxcut_exit(void)
{
	taxcut_report_exit();
	taxcut_timer_exit();
	taxcut_idle_exit();
	debugfs_remove_recursive(taxcut_debugfs);
}

module_init(taxcut_init);
module_exit(taxcut_exit);

MODULE_DESCRIPTION("Paravirtual support for KVM guests on dedicated CPUs");
MODULE_LICENSE("GPL");
MODULE_VERSION(TAXCUT_VERSION);

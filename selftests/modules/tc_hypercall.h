/* SPDX-License-Identifier: GPL-2.0 */
/* Raw KVM hypercalls for the test modules, and the emulated host's MARK. */
#ifndef _TC_HYPERCALL_H
#define _TC_HYPERCALL_H

#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <taxcut/emulated_host.h>
#include <taxcut/kvm_abi.h>

static inline long tc_hypercall(bool vmmcall, unsigned long nr, unsigned long a0,
				unsigned long a1, unsigned long a2, unsigned long a3)
{
	long ret;

	if (vmmcall)
		asm volatile(".byte 0x0f, 0x01, 0xd9"
			     : "=a" (ret)
			     : "a" (nr), "b" (a0), "c" (a1), "d" (a2), "S" (a3)
			     : "memory");
	else
		asm volatile(".byte 0x0f, 0x01, 0xc1"
			     : "=a" (ret)
			     : "a" (nr), "b" (a0), "c" (a1), "d" (a2), "S" (a3)
			     : "memory");
	return ret;
}

/* The instruction this vendor's KVM guests use, as Linux picks it. */
static inline bool tc_native_vmmcall(void)
{
	return boot_cpu_has(X86_FEATURE_VMMCALL);
}

static inline long tc_hc(unsigned long nr, unsigned long a0, unsigned long a1,
			 unsigned long a2, unsigned long a3)
{
	return tc_hypercall(tc_native_vmmcall(), nr, a0, a1, a2, a3);
}

/* KVM's feature word (kvm_arch_para_features() is not exported), 0 off KVM. */
static inline u32 tc_kvm_features(void)
{
	u32 base, eax, ebx, ecx, edx;

	for (base = TC_KVM_CPUID_SCAN_FIRST; base <= TC_KVM_CPUID_SCAN_LAST;
	     base += TC_KVM_CPUID_SCAN_STEP) {
		cpuid(base, &eax, &ebx, &ecx, &edx);
		if (ebx == TC_KVM_SIGNATURE_EBX && ecx == TC_KVM_SIGNATURE_ECX &&
		    edx == TC_KVM_SIGNATURE_EDX)
			return cpuid_eax(base + TC_KVM_CPUID_FEATURES_OFFSET);
	}
	return 0;
}

/* Snapshots the emulated host's exit accounting under @label. */
static inline void tc_mark(unsigned long label)
{
	tc_hc(TC_EMU_HC_MARK, label, 0, 0, 0);
}

#endif /* _TC_HYPERCALL_H */

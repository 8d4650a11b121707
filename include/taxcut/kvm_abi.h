/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVM paravirtual ABI as a guest sees it: CPUID leaves, feature and hint
 * bits, hypercall numbers and errors, MSRs.
 * Source: Documentation/virt/kvm/x86/{cpuid,hypercalls,msr}.rst.
 *
 * Own names (TC_KVM_*) so that pure files and userspace tools need no kernel
 * header, and kernel glue may include <asm/kvm_para.h> beside this one.
 */
#ifndef _TAXCUT_KVM_ABI_H
#define _TAXCUT_KVM_ABI_H

/* Hypervisor CPUID leaves: KVM's base is one of these, 0x100 apart. */
#define TC_KVM_CPUID_SCAN_FIRST		0x40000000u
#define TC_KVM_CPUID_SCAN_LAST		0x4000ff00u
#define TC_KVM_CPUID_SCAN_STEP		0x100u
#define TC_KVM_CPUID_FEATURES_OFFSET	1u	/* base + 1: EAX features, EDX hints */

/* "KVMKVMKVM\0\0\0" as EBX, ECX, EDX */
#define TC_KVM_SIGNATURE_EBX		0x4b4d564bu
#define TC_KVM_SIGNATURE_ECX		0x564b4d56u
#define TC_KVM_SIGNATURE_EDX		0x0000004du

/* CPUID.1:ECX bit 31, set by every hypervisor */
#define TC_CPUID1_ECX_HYPERVISOR	(1u << 31)

/* base + 1, EAX */
#define TC_KVM_FEATURE_CLOCKSOURCE		0
#define TC_KVM_FEATURE_NOP_IO_DELAY		1
#define TC_KVM_FEATURE_MMU_OP			2	/* deprecated */
#define TC_KVM_FEATURE_CLOCKSOURCE2		3
#define TC_KVM_FEATURE_ASYNC_PF			4
#define TC_KVM_FEATURE_STEAL_TIME		5
#define TC_KVM_FEATURE_PV_EOI			6
#define TC_KVM_FEATURE_PV_UNHALT		7
#define TC_KVM_FEATURE_PV_TLB_FLUSH		9
#define TC_KVM_FEATURE_ASYNC_PF_VMEXIT		10
#define TC_KVM_FEATURE_PV_SEND_IPI		11
#define TC_KVM_FEATURE_POLL_CONTROL		12
#define TC_KVM_FEATURE_PV_SCHED_YIELD		13
#define TC_KVM_FEATURE_ASYNC_PF_INT		14
#define TC_KVM_FEATURE_MSI_EXT_DEST_ID		15
#define TC_KVM_FEATURE_HC_MAP_GPA_RANGE		16
#define TC_KVM_FEATURE_MIGRATION_CONTROL	17
#define TC_KVM_FEATURE_CLOCKSOURCE_STABLE_BIT	24

/* base + 1, EDX */
#define TC_KVM_HINTS_REALTIME			0	/* once KVM_HINTS_DEDICATED */

/* Hypercalls: number in RAX, arguments in RBX, RCX, RDX, RSI */
#define TC_KVM_HC_VAPIC_POLL_IRQ	1
#define TC_KVM_HC_KICK_CPU		5
#define TC_KVM_HC_SEND_IPI		10
#define TC_KVM_HC_SCHED_YIELD		11

/* Hypercall errors, returned negated in RAX */
#define TC_KVM_ENOSYS			1000
#define TC_KVM_EPERM			1	/* a hypercall from user mode */
#define TC_KVM_EINVAL			22
#define TC_KVM_EOPNOTSUPP		95

/* MSRs; an MSR the host does not know raises #GP */
#define TC_MSR_KVM_STEAL_TIME		0x4b564d03u
#define TC_MSR_KVM_PV_EOI_EN		0x4b564d04u
#define TC_MSR_KVM_POLL_CONTROL		0x4b564d05u
#define TC_MSR_KVM_RANGE_FIRST		0x4b564d00u
#define TC_MSR_KVM_RANGE_LAST		0x4b564dffu

/* SEND_IPI: a3 is an ICR low word; these are refused with -KVM_EINVAL */
#define TC_APIC_DEST_LOGICAL		0x800u
#define TC_APIC_SHORTHAND_MASK		0xc0000u

#endif /* _TAXCUT_KVM_ABI_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Finding KVM among the hypervisor CPUID leaves and naming what it offers.
 *
 * KVM is not always at 0x40000000: QEMU moves it to 0x40000100 when Hyper-V
 * enlightenments take the first block, so scan every 0x100 up to 0x4000ff00.
 */
#include <taxcut/kvm_abi.h>
#include "kvm_cpuid.h"

static const char *const feature_names[32] = {
	[TC_KVM_FEATURE_CLOCKSOURCE]		= "clocksource",
	[TC_KVM_FEATURE_NOP_IO_DELAY]		= "nop_io_delay",
	[TC_KVM_FEATURE_MMU_OP]			= "mmu_op",
	[TC_KVM_FEATURE_CLOCKSOURCE2]		= "clocksource2",
	[TC_KVM_FEATURE_ASYNC_PF]		= "async_pf",
	[TC_KVM_FEATURE_STEAL_TIME]		= "steal_time",
	[TC_KVM_FEATURE_PV_EOI]			= "pv_eoi",
	[TC_KVM_FEATURE_PV_UNHALT]		= "pv_unhalt",
	[TC_KVM_FEATURE_PV_TLB_FLUSH]		= "pv_tlb_flush",
	[TC_KVM_FEATURE_ASYNC_PF_VMEXIT]	= "async_pf_vmexit",
	[TC_KVM_FEATURE_PV_SEND_IPI]		= "pv_send_ipi",
	[TC_KVM_FEATURE_POLL_CONTROL]		= "poll_control",
	[TC_KVM_FEATURE_PV_SCHED_YIELD]		= "pv_sched_yield",
	[TC_KVM_FEATURE_ASYNC_PF_INT]		= "async_pf_int",
	[TC_KVM_FEATURE_MSI_EXT_DEST_ID]	= "msi_ext_dest_id",
	[TC_KVM_FEATURE_HC_MAP_GPA_RANGE]	= "hc_map_gpa_range",
	[TC_KVM_FEATURE_MIGRATION_CONTROL]	= "migration_control",
	[TC_KVM_FEATURE_CLOCKSOURCE_STABLE_BIT]	= "clocksource_stable_bit",
};

static const char *const hint_names[32] = {
	[TC_KVM_HINTS_REALTIME]			= "realtime",
};

static bool is_kvm_signature(const u32 r[TC_NR_REGS])
{
	return r[TC_EBX] == TC_KVM_SIGNATURE_EBX &&
	       r[TC_ECX] == TC_KVM_SIGNATURE_ECX &&
	       r[TC_EDX] == TC_KVM_SIGNATURE_EDX;
}

void tc_kvm_cpuid_probe(struct tc_kvm_cpuid *out, tc_cpuid_fn cpuid, void *ctx)
{
	u32 r[TC_NR_REGS];
	u32 leaf;

	memset(out, 0, sizeof(*out));
	out->presence = TC_NO_HYPERVISOR;

	/* Without the hypervisor bit, 0x4000xxxx leaves return unrelated data. */
	cpuid(ctx, 1, r);
	if (!(r[TC_ECX] & TC_CPUID1_ECX_HYPERVISOR))
		return;
	out->presence = TC_OTHER_HYPERVISOR;

	for (leaf = TC_KVM_CPUID_SCAN_FIRST; leaf <= TC_KVM_CPUID_SCAN_LAST;
	     leaf += TC_KVM_CPUID_SCAN_STEP) {
		cpuid(ctx, leaf, r);
		if (leaf == TC_KVM_CPUID_SCAN_FIRST) {
			out->first_signature[0] = r[TC_EBX];
			out->first_signature[1] = r[TC_ECX];
			out->first_signature[2] = r[TC_EDX];
		}
		if (is_kvm_signature(r))
			break;
	}
	if (leaf > TC_KVM_CPUID_SCAN_LAST)
		return;

	out->presence = TC_KVM;
	out->base = leaf;
	/* Hosts before Linux 2.6.35 left EAX 0, meaning "up to base + 1". */
	out->max_leaf = r[TC_EAX] ? r[TC_EAX] : leaf + TC_KVM_CPUID_FEATURES_OFFSET;
	if (out->max_leaf < leaf + TC_KVM_CPUID_FEATURES_OFFSET)
		return;

	cpuid(ctx, leaf + TC_KVM_CPUID_FEATURES_OFFSET, r);
	out->features = r[TC_EAX];
	out->hints = r[TC_EDX];
}

static int format_bits(char *buf, size_t size, u32 bits,
		       const char *const names[32])
{
	size_t len = 0;
	unsigned int bit;

	if (size)
		buf[0] = '\0';
	for (bit = 0; bit < 32; bit++) {
		size_t room = len < size ? size - len : 0;
		char *at = room ? buf + len : NULL;
		const char *sep = len ? " " : "";

		if (!(bits & (1u << bit)))
			continue;
		if (names[bit])
			len += snprintf(at, room, "%s%s", sep, names[bit]);
		else
			len += snprintf(at, room, "%sbit%u", sep, bit);
	}
	return len;
}

int tc_kvm_format_features(char *buf, size_t size, u32 bits)
{
	return format_bits(buf, size, bits, feature_names);
}

int tc_kvm_format_hints(char *buf, size_t size, u32 bits)
{
	return format_bits(buf, size, bits, hint_names);
}

void tc_cpuid_signature(const u32 sig[3], char out[13])
{
	unsigned int i, end = 0;

	for (i = 0; i < 12; i++) {
		u8 c = sig[i / 4] >> (8 * (i % 4));

		out[i] = (c >= 0x20 && c < 0x7f) ? c : '.';
		/* trailing NULs pad short signatures ("KVMKVMKVM\0\0\0") */
		if (c)
			end = i + 1;
	}
	out[end] = '\0';
}

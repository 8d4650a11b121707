// SPDX-License-Identifier: GPL-2.0
/* Unit tests of arch/x86/kernel/kvm/kvm_cpuid.c against scripted CPUIDs. */
#include <taxcut/kvm_abi.h>
#include "kvm_cpuid.h"
#include "tap.h"

#define MAX_LEAVES 8

struct fake_cpu {
	struct { u32 leaf, regs[TC_NR_REGS]; } leaves[MAX_LEAVES];
	int nr;
	u32 unknown[TC_NR_REGS];	/* what an unlisted leaf returns */
	int calls;
};

static void fake_cpuid(void *ctx, u32 leaf, u32 regs[TC_NR_REGS])
{
	struct fake_cpu *cpu = ctx;
	int i;

	cpu->calls++;
	for (i = 0; i < cpu->nr; i++) {
		if (cpu->leaves[i].leaf == leaf) {
			memcpy(regs, cpu->leaves[i].regs, sizeof(cpu->leaves[i].regs));
			return;
		}
	}
	memcpy(regs, cpu->unknown, sizeof(cpu->unknown));
}

static void add_leaf(struct fake_cpu *cpu, u32 leaf, u32 a, u32 b, u32 c, u32 d)
{
	cpu->leaves[cpu->nr].leaf = leaf;
	cpu->leaves[cpu->nr].regs[TC_EAX] = a;
	cpu->leaves[cpu->nr].regs[TC_EBX] = b;
	cpu->leaves[cpu->nr].regs[TC_ECX] = c;
	cpu->leaves[cpu->nr].regs[TC_EDX] = d;
	cpu->nr++;
}

static void add_kvm(struct fake_cpu *cpu, u32 base, u32 max, u32 feat, u32 hints)
{
	add_leaf(cpu, base, max, TC_KVM_SIGNATURE_EBX, TC_KVM_SIGNATURE_ECX,
		 TC_KVM_SIGNATURE_EDX);
	add_leaf(cpu, base + 1, feat, 0, 0, hints);
}

static struct fake_cpu guest(void)
{
	struct fake_cpu cpu = { .nr = 0 };

	add_leaf(&cpu, 1, 0, 0, TC_CPUID1_ECX_HYPERVISOR, 0);
	return cpu;
}

static void test_plain_kvm(void)
{
	struct fake_cpu cpu = guest();
	struct tc_kvm_cpuid k;
	u32 feat = 1u << TC_KVM_FEATURE_PV_UNHALT | 1u << TC_KVM_FEATURE_PV_SEND_IPI;

	add_kvm(&cpu, 0x40000000, 0x40000001, feat, 1);
	tc_kvm_cpuid_probe(&k, fake_cpuid, &cpu);
	tap_eq_u(k.presence, TC_KVM, "KVM at 0x40000000 is found");
	tap_eq_u(k.base, 0x40000000, "base 0x40000000");
	tap_eq_u(k.features, feat, "features read from base + 1 EAX");
	tap_eq_u(k.hints, 1, "hints read from base + 1 EDX");
	tap_ok(tc_kvm_has_feature(&k, TC_KVM_FEATURE_PV_UNHALT) &&
	       !tc_kvm_has_feature(&k, TC_KVM_FEATURE_STEAL_TIME),
	       "has_feature answers per bit");
	tap_ok(tc_kvm_has_hint(&k, TC_KVM_HINTS_REALTIME), "realtime hint seen");
}

static void test_shifted_base(void)
{
	struct fake_cpu cpu = guest();
	struct tc_kvm_cpuid k;

	/* Hyper-V first, as QEMU arranges with hv-* enlightenments */
	add_leaf(&cpu, 0x40000000, 0x4000000b, 0x7263694d, 0x666f736f, 0x76482074);
	add_kvm(&cpu, 0x40000100, 0x40000101, 1u << TC_KVM_FEATURE_STEAL_TIME, 0);
	tc_kvm_cpuid_probe(&k, fake_cpuid, &cpu);
	tap_eq_u(k.base, 0x40000100, "KVM found at shifted base 0x40000100");
	tap_eq_u(k.features, 1u << TC_KVM_FEATURE_STEAL_TIME,
		 "features read from the shifted base + 1");
	tap_eq_u(k.max_leaf, 0x40000101, "max leaf kept as reported");
}

static void test_last_base(void)
{
	struct fake_cpu cpu = guest();
	struct tc_kvm_cpuid k;

	add_kvm(&cpu, 0x4000ff00, 0x4000ff01, 1, 0);
	tc_kvm_cpuid_probe(&k, fake_cpuid, &cpu);
	tap_eq_u(k.base, 0x4000ff00, "KVM found at the last scanned base 0x4000ff00");
}

static void test_max_leaf_zero(void)
{
	struct fake_cpu cpu = guest();
	struct tc_kvm_cpuid k;

	add_kvm(&cpu, 0x40000000, 0, 1u << TC_KVM_FEATURE_CLOCKSOURCE, 0);
	tc_kvm_cpuid_probe(&k, fake_cpuid, &cpu);
	tap_eq_u(k.max_leaf, 0x40000001, "max leaf 0 from an old host means base + 1");
	tap_eq_u(k.features, 1u << TC_KVM_FEATURE_CLOCKSOURCE,
		 "features still read when max leaf is 0");
}

static void test_max_leaf_below_features(void)
{
	struct fake_cpu cpu = guest();
	struct tc_kvm_cpuid k;

	/* a host claiming only the signature leaf: the feature leaf is not ours */
	add_kvm(&cpu, 0x40000100, 0x40000100, 0xffffffff, 0xffffffff);
	tc_kvm_cpuid_probe(&k, fake_cpuid, &cpu);
	tap_ok(k.presence == TC_KVM && k.features == 0 && k.hints == 0,
	       "max leaf below base + 1: KVM without features or hints");
}

static void test_no_hypervisor(void)
{
	struct fake_cpu cpu = { .nr = 0 };
	struct tc_kvm_cpuid k;

	/* Intel answers unknown leaves with the highest basic leaf: garbage */
	cpu.unknown[TC_EBX] = TC_KVM_SIGNATURE_EBX;
	cpu.unknown[TC_ECX] = TC_KVM_SIGNATURE_ECX;
	cpu.unknown[TC_EDX] = TC_KVM_SIGNATURE_EDX;
	add_leaf(&cpu, 1, 0, 0, 0, 0);
	tc_kvm_cpuid_probe(&k, fake_cpuid, &cpu);
	tap_eq_u(k.presence, TC_NO_HYPERVISOR, "no hypervisor bit: no hypervisor");
	tap_eq_u(cpu.calls, 1, "no hypervisor: leaves 0x4000xxxx are not read");
	tap_ok(!tc_kvm_has_feature(&k, TC_KVM_FEATURE_CLOCKSOURCE) &&
	       !tc_kvm_has_hint(&k, TC_KVM_HINTS_REALTIME),
	       "no hypervisor: no feature, no hint");
}

static void test_other_hypervisor(void)
{
	struct fake_cpu cpu = guest();
	struct tc_kvm_cpuid k;
	char sig[13];

	/* QEMU TCG: "TCGTCGTCGTCG" */
	add_leaf(&cpu, 0x40000000, 0x40000001, 0x54474354, 0x43544743, 0x47435447);
	tc_kvm_cpuid_probe(&k, fake_cpuid, &cpu);
	tap_eq_u(k.presence, TC_OTHER_HYPERVISOR, "TCG signature: another hypervisor");
	tap_eq_u(cpu.calls, 1 + 256, "every one of the 256 bases is scanned");
	tc_cpuid_signature(k.first_signature, sig);
	tap_eq_s(sig, "TCGTCGTCGTCG", "the first signature is kept for messages");
}

static void test_signature_text(void)
{
	u32 kvm[3] = { TC_KVM_SIGNATURE_EBX, TC_KVM_SIGNATURE_ECX, TC_KVM_SIGNATURE_EDX };
	u32 junk[3] = { 0x00010203, 0, 0 };
	char sig[13];

	tc_cpuid_signature(kvm, sig);
	tap_eq_s(sig, "KVMKVMKVM", "KVM signature printed without its NUL padding");
	tc_cpuid_signature(junk, sig);
	tap_eq_s(sig, "...", "unprintable signature bytes become dots");
}

static void test_format(void)
{
	char buf[256];
	int n;

	n = tc_kvm_format_features(buf, sizeof(buf),
				   1u << TC_KVM_FEATURE_CLOCKSOURCE |
				   1u << TC_KVM_FEATURE_PV_UNHALT |
				   1u << TC_KVM_FEATURE_CLOCKSOURCE_STABLE_BIT);
	tap_eq_s(buf, "clocksource pv_unhalt clocksource_stable_bit",
		 "known features by name, in bit order");
	tap_eq_u((size_t)n, strlen(buf), "length returned");

	tc_kvm_format_features(buf, sizeof(buf), 1u << 8 | 1u << 25 | 1u << 31);
	tap_eq_s(buf, "bit8 bit25 bit31", "unknown feature bits kept as numbers");

	tc_kvm_format_hints(buf, sizeof(buf), 1u << 0 | 1u << 3);
	tap_eq_s(buf, "realtime bit3", "hints: realtime and an unknown bit");

	tc_kvm_format_features(buf, sizeof(buf), 0);
	tap_eq_s(buf, "", "no feature: empty string");

	memset(buf, 'x', sizeof(buf));
	n = tc_kvm_format_features(buf, 8, 1u << TC_KVM_FEATURE_CLOCKSOURCE |
				   1u << TC_KVM_FEATURE_STEAL_TIME);
	tap_ok(n == (int)strlen("clocksource steal_time") && buf[7] == '\0' &&
	       buf[8] == 'x', "truncation: NUL inside the buffer, full length returned");
}

int main(void)
{
	tap_plan(27);
	test_plain_kvm();
	test_shifted_base();
	test_last_base();
	test_max_leaf_zero();
	test_max_leaf_below_features();
	test_no_hypervisor();
	test_other_hypervisor();
	test_signature_text();
	test_format();
	return tap_done();
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding KVM among the hypervisor CPUID leaves and naming what it offers.
 * Pure: the caller supplies the CPUID instruction.
 */
#ifndef _TAXCUT_KVM_CPUID_H
#define _TAXCUT_KVM_CPUID_H

#include <taxcut/pure.h>

enum tc_cpuid_reg { TC_EAX, TC_EBX, TC_ECX, TC_EDX, TC_NR_REGS };

/* Executes CPUID for @leaf (subleaf 0) into @regs. */
typedef void (*tc_cpuid_fn)(void *ctx, u32 leaf, u32 regs[TC_NR_REGS]);

enum tc_kvm_presence {
	TC_NO_HYPERVISOR,	/* CPUID.1:ECX.hypervisor clear */
	TC_OTHER_HYPERVISOR,	/* hypervisor leaves without KVM's signature */
	TC_KVM,
};

struct tc_kvm_cpuid {
	enum tc_kvm_presence presence;
	u32 base;		/* leaf holding the KVM signature */
	u32 max_leaf;		/* highest KVM leaf, 0 from old hosts fixed up */
	u32 features;		/* base + 1 EAX, 0 if that leaf is absent */
	u32 hints;		/* base + 1 EDX, 0 if that leaf is absent */
	u32 first_signature[3];	/* EBX, ECX, EDX at 0x40000000, for messages */
};

void tc_kvm_cpuid_probe(struct tc_kvm_cpuid *out, tc_cpuid_fn cpuid, void *ctx);

static inline bool tc_kvm_has_feature(const struct tc_kvm_cpuid *k, unsigned int bit)
{
	return k->presence == TC_KVM && (k->features >> bit) & 1;
}

static inline bool tc_kvm_has_hint(const struct tc_kvm_cpuid *k, unsigned int bit)
{
	return k->presence == TC_KVM && (k->hints >> bit) & 1;
}

/*
 * Writes the names of the set bits of @bits, space separated, into @buf;
 * bits without a name appear as "bitN". Returns the length snprintf would
 * have produced (so a result >= @size means it was truncated).
 */
int tc_kvm_format_features(char *buf, size_t size, u32 bits);
int tc_kvm_format_hints(char *buf, size_t size, u32 bits);

/* Printable 12-character signature ("KVMKVMKVM", "TCGTCGTCGTCG"), NUL-ended. */
void tc_cpuid_signature(const u32 sig[3], char out[13]);

#endif /* _TAXCUT_KVM_CPUID_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * hc_user: a hypercall from user mode must be refused with -KVM_EPERM, as
 * on KVM, through either instruction. Prints TAP lines.
 */
#include <stdio.h>

#include "../../../include/taxcut/kvm_abi.h"

static long hypercall(int vmmcall, long nr)
{
	long ret;

	if (vmmcall)
		asm volatile(".byte 0x0f, 0x01, 0xd9" : "=a"(ret) : "a"(nr) : "memory");
	else
		asm volatile(".byte 0x0f, 0x01, 0xc1" : "=a"(ret) : "a"(nr) : "memory");
	return ret;
}

int main(void)
{
	static const char *const insn[] = { "vmcall", "vmmcall" };
	int failed = 0;

	for (int i = 0; i < 2; i++) {
		long r = hypercall(i, TC_KVM_HC_VAPIC_POLL_IRQ);
		int good = r == -TC_KVM_EPERM;

		printf("%sok - %s from user mode returns -KVM_EPERM (%ld)\n",
		       good ? "" : "not ", insn[i], r);
		failed |= !good;
		r = hypercall(i, TC_KVM_HC_SEND_IPI);
		good = r == -TC_KVM_EPERM;
		printf("%sok - SEND_IPI by %s from user mode returns -KVM_EPERM (%ld)\n",
		       good ? "" : "not ", insn[i], r);
		failed |= !good;
	}
	return failed;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What taxcut's emulated KVM host (tools/qemu) offers beyond the KVM ABI,
 * for tests only. Never issued on real KVM, where it returns -KVM_ENOSYS.
 */
#ifndef _TAXCUT_EMULATED_HOST_H
#define _TAXCUT_EMULATED_HOST_H

/*
 * Hypercall: a0 = a label. The host snapshots its exit accounting under
 * that label into the JSON it writes at exit ("marks"), so a test takes
 * exact deltas around a workload. Not itself counted. Returns 0.
 */
#define TC_EMU_HC_MARK	0x54430001u	/* "TC" */

#endif /* _TAXCUT_EMULATED_HOST_H */

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

/*
 * Hypercall: a0 = a vCPU index, a1 = nanoseconds (at most 100 ms). The host
 * preempts that vCPU for that long, as its preempt-vcpus knob does, now.
 * Returns 0, or -KVM_EINVAL for a vCPU that does not exist or too long a time.
 */
#define TC_EMU_HC_PARK	0x54430002u

#endif /* _TAXCUT_EMULATED_HOST_H */

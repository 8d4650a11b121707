/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * taxcut's exitless timer: the region a KVM guest shares with the host agent
 * (tools/taxcut-agent) through an ivshmem-doorbell device (BAR2). The guest
 * writes the deadline it wants into its vCPU's slot instead of programming
 * the LAPIC timer; the agent fires it by signalling the vCPU's MSI-X vector.
 * Specification, with the memory-ordering rules: docs/exitless-timer.md.
 *
 * All fields little-endian; every field is written by one side only.
 */
#ifndef _UAPI_TAXCUT_EXITLESS_TIMER_H
#define _UAPI_TAXCUT_EXITLESS_TIMER_H

#include <linux/types.h>

#define TAXCUT_ET_MAGIC		0x31524d4954584354ULL	/* "TCXTIMR1" */
#define TAXCUT_ET_VERSION	1
#define TAXCUT_ET_LINE		64	/* header and each slot: one cache line */
#define TAXCUT_ET_MAX_SLOTS	255	/* vCPUs per region */

/* Cache line 0. Written by the agent only; the guest reads. */
struct taxcut_et_header {
	__u64 magic;		/* TAXCUT_ET_MAGIC */
	__u32 version;		/* TAXCUT_ET_VERSION */
	__u32 nr_slots;		/* slots after the header, one per vCPU */
	__u64 heartbeat;	/* incremented at least every heartbeat_ns */
	__u64 heartbeat_ns;	/* the agent's promise; 0: the agent has stopped */
	__u64 now_ns;		/* the agent's clock (host CLOCK_MONOTONIC) at heartbeat */
	__u64 scan_period_ns;	/* 0: busy-polling */
	__u64 reserved[2];
};

/* Cache line 1 + n: vCPU n's slot (n < nr_slots). */
struct taxcut_et_slot {
	/* written by the guest */
	__u32 seq;		/* odd while the guest writes deadline_ns */
	__u32 guest_flags;	/* reserved, 0 */
	__u64 deadline_ns;	/* agent clock; 0: nothing armed */
	__u64 armed;		/* deadlines written (statistics) */
	__u64 guest_reserved;
	/* written by the agent */
	__u32 fired_seq;	/* seq of the last deadline fired */
	__u32 agent_flags;	/* reserved, 0 */
	__u64 horizon_ns;	/* the agent looks at this slot again before this */
	__u64 fired;		/* interrupts sent for this slot */
	__u64 agent_reserved;
};

#endif /* _UAPI_TAXCUT_EXITLESS_TIMER_H */

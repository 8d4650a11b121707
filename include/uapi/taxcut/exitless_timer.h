/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * taxcut's exitless timer: the region a KVM guest shares with the host agent
 * (tools/taxcut-agent) through an ivshmem-doorbell device (BAR2). The guest
 * writes the deadline it wants into its vCPU's slot instead of programming
 * the LAPIC timer; the agent fires it by signalling the vCPU's MSI-X vector.
 * Specification, with the memory-ordering rules: docs/exitless-timer.md.
 *
 * Protocol version 2. All fields little-endian; every cache line is written
 * by one side only: line 0 (the header) by the agent, then per slot one
 * line written by the guest and one written by the agent.
 */
#ifndef _UAPI_TAXCUT_EXITLESS_TIMER_H
#define _UAPI_TAXCUT_EXITLESS_TIMER_H

#include <linux/types.h>

#define TAXCUT_ET_MAGIC		0x31524d4954584354ULL	/* "TCXTIMR1" */
#define TAXCUT_ET_VERSION	2	/* a reader of another version stays away */
#define TAXCUT_ET_LINE		64
#define TAXCUT_ET_SLOT_SIZE	(2 * TAXCUT_ET_LINE)
#define TAXCUT_ET_MAX_SLOTS	255	/* vCPUs per region */

/* Where vCPU n's slot starts, and the bytes a region of n slots needs. */
#define TAXCUT_ET_SLOT_OFFSET(n)	(TAXCUT_ET_LINE + (n) * TAXCUT_ET_SLOT_SIZE)
#define TAXCUT_ET_REGION_BYTES(n)	TAXCUT_ET_SLOT_OFFSET(n)

/* Line 0. Written by the agent only; the guest reads. */
struct taxcut_et_header {
	__u64 magic;		/* TAXCUT_ET_MAGIC */
	__u32 version;		/* TAXCUT_ET_VERSION */
	__u32 nr_slots;		/* slots after the header, one per vCPU */
	__u64 heartbeat;	/* incremented at least every heartbeat_ns */
	__u64 heartbeat_ns;	/* the agent's promise; 0: the agent has stopped */
	__u64 now_ns;		/* the agent's clock at heartbeat */
	__u64 scan_period_ns;	/* 0: busy-polling */
	/*
	 * The agent looks at every slot again before this (its clock). It
	 * stores the horizon, then a full fence, then loads the slots.
	 */
	__u64 horizon_ns;
	/*
	 * Never 0, new for every guest the agent serves: a new instance
	 * means a new clock (another host's agent, after a migration).
	 * Stored after now_ns with release: acquire it before now_ns.
	 */
	__u64 instance;
};

/* At TAXCUT_ET_SLOT_OFFSET(n), n < nr_slots: vCPU n's slot. */
struct taxcut_et_slot {
	/* its first line: written by the guest */
	__u32 seq;		/* odd while the guest writes the fields below */
	__u32 guest_flags;	/* reserved, 0 */
	__u64 deadline_ns;	/* agent clock; 0: nothing armed */
	__u64 instance;		/* the header's instance whose clock deadline_ns is in */
	__u64 armed;		/* deadlines written (statistics) */
	__u64 guest_reserved[4];
	/* its second line: written by the agent */
	__u32 fired_seq;	/* seq of the last deadline fired */
	__u32 agent_flags;	/* reserved, 0 */
	__u64 fired;		/* interrupts sent for this slot */
	__u64 agent_reserved[6];
};

#endif /* _UAPI_TAXCUT_EXITLESS_TIMER_H */

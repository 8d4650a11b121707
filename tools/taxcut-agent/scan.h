/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's work on one region, without any I/O: publish the heartbeat,
 * read each slot as hostile input, decide which vCPUs to interrupt, publish
 * horizons. The caller owns the clock and the eventfds.
 */
#ifndef TAXCUT_AGENT_SCAN_H
#define TAXCUT_AGENT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uapi/taxcut/exitless_timer.h>
#include "budget.h"

/* fire lateness histogram: 1 us buckets, the last one for everything later */
#define ET_LATE_BUCKETS	2048

/* What the agent remembers per slot: never read back from shared memory. */
struct et_slot_state {
	uint32_t fired_seq;
	bool fired_seq_valid;	/* fired_seq is of the region's current history */
	bool fired_any;
	uint64_t last_fire_ns;	/* rate limit */
	uint64_t fired;
	uint64_t rate_limited;
	uint64_t late_max_ns;	/* now - deadline when fired */
	uint64_t late_sum_ns;
	uint64_t foreign;	/* fires of deadlines in another instance's clock */
	uint32_t foreign_seq;		/* the foreign deadline the gap is of */
	uint64_t foreign_gap_ns;	/* between its fires; 0: none yet */
	uint64_t foreign_next_ns;	/* its next fire, not before */
};

struct et_region {
	volatile void *mem;	/* the shared mapping; the guest writes it */
	size_t size;
	uint32_t nr_slots;	/* the agent's own count, from its configuration */
	uint64_t heartbeat;	/* as stored last; starts at a random value */
	uint64_t heartbeat_ns;
	uint64_t scan_period_ns;
	uint64_t min_refire_ns;	/* at most one interrupt per slot per this */
	uint64_t instance;	/* this agent's, never 0 */
	uint64_t restores;	/* the region found rewritten from outside */
	bool seen_current;	/* a slot written in this instance since the last restore */
	struct et_budget budget;	/* the VM's interrupts (budget.h) */
	uint32_t first_slot;	/* a pass starts here: after a refusal, the refused slot */
	bool woke_early;	/* this pass is an early wake the VM asked for */
	/* the promise: the next look before promised_ns (0: none made yet) */
	uint64_t promised_ns, last_look_ns;
	uint64_t look_late_ns;	/* this look, after the last one plus the period */
	uint64_t broken_promises, broken_max_ns;	/* looks after the horizon, by how much */
	uint64_t late_hist[ET_LATE_BUCKETS];	/* fires in this instance's clock, by lateness */
	struct et_slot_state slot[TAXCUT_ET_MAX_SLOTS];
};

/* Bytes a region of @nr_slots needs (a power of two, as ivshmem wants). */
size_t et_region_size(uint32_t nr_slots);

/*
 * Writes a fresh header and empty slots. Returns false if @size is too
 * small or @instance is 0.
 */
bool et_region_init(struct et_region *r, volatile void *mem, size_t size, uint32_t nr_slots,
		    uint64_t heartbeat_ns, uint64_t scan_period_ns, uint64_t instance,
		    uint64_t now_ns);

/* Marks the region stopped (heartbeat_ns = 0), so the guest falls back. */
void et_region_stop(struct et_region *r);

typedef void (*et_fire_fn)(void *ctx, uint32_t slot);

/*
 * The first and last gap between fires of a deadline left in another
 * instance's clock: fired at once, then again (the interrupt may be lost
 * while a migrated VM's vectors are restored), each gap twice the last,
 * until the guest writes it in this clock; after the last, no more.
 */
#define ET_FOREIGN_GAP_MIN_NS	1000000ull
#define ET_FOREIGN_GAP_MAX_NS	1000000000ull

/* The budget: @rate interrupts per second, @per_pass per pass (0: no limit). */
void et_region_budget(struct et_region *r, uint64_t rate, uint32_t per_pass, uint64_t now_ns);

/*
 * One pass at @now_ns: checks the last pass's promise (a look after it is
 * counted broken; look_late_ns is how much later than the last look plus
 * the period this one came), refreshes the header, finding whether the region
 * still held the header this agent wrote last (else it was restored from
 * elsewhere: a migration into this host, a snapshot loaded; the region then
 * gets a new instance, so every armed slot is foreign), promises to look
 * again before @next_look_ns (the region's horizon), fires every due
 * deadline (calls @fire at most once per slot) the VM's budget allows.
 * A pass that runs out of budget leaves the rest due, and the next pass
 * starts at the first slot refused: every slot gets its turn.
 * Returns when the VM wants the next look: its earliest deadline not yet
 * due, a rate-limited slot's next chance, or @now_ns if the pass's budget
 * left some due (UINT64_MAX: none). If the caller woke early for this VM
 * (woke_early) and the pass fires nothing of it, the wake costs the VM a
 * token (et_budget_charge_wake). A VM that spent half its budget
 * (et_budget_heavy) does not wake the agent early at all (UINT64_MAX): its
 * deadlines wait for the regular passes, at most a period late.
 */
uint64_t et_scan(struct et_region *r, uint64_t now_ns, uint64_t next_look_ns,
		 et_fire_fn fire, void *ctx);

#endif /* TAXCUT_AGENT_SCAN_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One VM's interrupt budget: at most per_pass interrupts in one pass and a
 * token bucket of rate per second (burst of one twentieth of a second),
 * on top of the per-slot rate limit. A VM over budget waits, and is
 * counted; the other VMs never do. No I/O, no clock of its own.
 */
#ifndef TAXCUT_AGENT_BUDGET_H
#define TAXCUT_AGENT_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

struct et_budget {
	uint64_t rate;		/* interrupts per second; 0: no limit */
	uint64_t burst;		/* bucket size, in interrupts */
	uint32_t per_pass;	/* 0: no limit */
	uint64_t tokens;	/* in interrupt-nanoseconds: interrupts * 1e9 */
	uint64_t refilled_ns;
	uint32_t pass_left;
	bool over;		/* refused an interrupt in this pass */
	uint64_t refused;	/* interrupts deferred, in all */
	uint64_t passes_over;	/* passes in which some were */
	uint64_t wasted_wakes;	/* early wakes it asked for that fired nothing */
};

/* A full bucket at @now_ns. */
void et_budget_init(struct et_budget *b, uint64_t rate, uint32_t per_pass, uint64_t now_ns);

/* A pass over the VM starts: refills the bucket, renews the pass's share. */
void et_budget_pass(struct et_budget *b, uint64_t now_ns);

/* One interrupt: true if the budget allows it (and takes it); else counted. */
bool et_budget_take(struct et_budget *b);

/*
 * The agent woke early for this VM's deadline and the pass fired nothing
 * of it (the guest moved it on): costs one interrupt's token, so a guest
 * cannot wake a scanning agent more often than its budget allows.
 */
void et_budget_charge_wake(struct et_budget *b);

/*
 * Spent more than half its bucket: the VM's interrupts go after every
 * other VM's in a pass, and its deadlines do not wake the agent early.
 */
bool et_budget_heavy(const struct et_budget *b);

#endif /* TAXCUT_AGENT_BUDGET_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The per-VM interrupt budget (budget.h). Tokens are kept in
 * interrupt-nanoseconds so that refilling at any rate is exact in integers.
 */
#include "budget.h"

#define NSEC_PER_SEC	1000000000ull
/* the bucket holds a twentieth of a second's worth, at least one pass */
#define BURST_DIVISOR	20

static uint64_t capacity(const struct et_budget *b)
{
	return b->burst * NSEC_PER_SEC;
}

void et_budget_init(struct et_budget *b, uint64_t rate, uint32_t per_pass, uint64_t now_ns)
{
	*b = (struct et_budget){ .rate = rate, .per_pass = per_pass, .refilled_ns = now_ns };
	b->burst = rate / BURST_DIVISOR;
	if (b->burst < per_pass)
		b->burst = per_pass;
	if (b->burst == 0)
		b->burst = 1;
	b->tokens = capacity(b);
	b->pass_left = per_pass;
}

void et_budget_pass(struct et_budget *b, uint64_t now_ns)
{
	uint64_t elapsed = now_ns > b->refilled_ns ? now_ns - b->refilled_ns : 0;
	uint64_t room = capacity(b) - b->tokens;

	b->refilled_ns = now_ns;
	b->pass_left = b->per_pass;
	b->over = false;
	if (!b->rate)
		return;
	/* elapsed * rate may not fit: compare against the room first */
	if (elapsed >= room / b->rate + 1)
		b->tokens = capacity(b);
	else
		b->tokens += elapsed * b->rate < room ? elapsed * b->rate : room;
}

bool et_budget_take(struct et_budget *b)
{
	if ((b->per_pass && !b->pass_left) || (b->rate && b->tokens < NSEC_PER_SEC)) {
		b->refused++;
		if (!b->over)
			b->passes_over++;
		b->over = true;
		return false;
	}
	if (b->per_pass)
		b->pass_left--;
	if (b->rate)
		b->tokens -= NSEC_PER_SEC;
	return true;
}

void et_budget_charge_wake(struct et_budget *b)
{
	b->wasted_wakes++;
	if (b->rate && b->tokens >= NSEC_PER_SEC)
		b->tokens -= NSEC_PER_SEC;
}

bool et_budget_heavy(const struct et_budget *b)
{
	return b->rate && (b->tokens < capacity(b) / 2 || b->tokens < NSEC_PER_SEC);
}

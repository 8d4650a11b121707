/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Idle-trace simulation for the haltpoll policy tests and the replay
 * benchmark (replay.c uses its model of upstream): replays a trace of
 * idle periods (when each wakeup arrives, counted from the start of idle)
 * through taxcut's policy and through a model of upstream's haltpoll
 * governor (drivers/cpuidle/governors/haltpoll.c as of 6.12, written from
 * its documented behaviour in shared/REFERENCE.md section 4), and sums up
 * what each did.
 */
#ifndef _TAXCUT_HALTPOLL_SIM_H
#define _TAXCUT_HALTPOLL_SIM_H

#include "haltpoll_policy.h"

struct sim_result {
	u64 periods, hits, misses, halts;
	u64 poll_ns, wasted_ns;
	u64 last_window_ns;
};

/* One wakeup: @arrive_ns after idle began; @next_timer_ns is what the CPU
 * knew about its next timer event at idle entry (U64_MAX: none). */
struct sim_event {
	u64 arrive_ns;
	u64 next_timer_ns;
};

static inline void sim_taxcut(struct tc_hp_cpu *c, const struct tc_hp_params *p,
			      const struct sim_event *ev, size_t n,
			      struct sim_result *r)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct tc_hp_period period = { 0 };
		u64 t = ev[i].arrive_ns;

		period.budget_ns = tc_hp_budget(c, p, ev[i].next_timer_ns,
						&period.timer_capped);
		period.idle_ns = t;
		if (period.budget_ns && t <= period.budget_ns) {
			period.hit = true;
			period.polled_ns = t;
			r->hits++;
		} else {
			period.polled_ns = period.budget_ns;
			period.halted = true;
			r->halts++;
			if (period.budget_ns)
				r->misses++;
			r->wasted_ns += period.budget_ns;
		}
		r->poll_ns += period.polled_ns;
		r->periods++;
		tc_hp_record(c, p, &period);
	}
	r->last_window_ns = c->window_ns;
}

/*
 * Upstream: the limit L starts at 0. Select: L == 0 -> halt; the last
 * state was a poll that timed out -> halt; otherwise poll for L. The
 * timed-out poll returns to the idle loop, which selects again: the halt
 * for the rest of the period. Only
 * after a halt does it adapt, on the halted time B alone: L < B <= cap
 * grows L to max(L * grow, grow_start), capped; B > cap divides L by
 * shrink (0: to 0), and a result below grow_start is 0.
 */
struct upstream_cpu {
	u64 limit_ns;
};

static inline void upstream_adjust(struct upstream_cpu *u,
				   const struct tc_hp_params *p, u64 block_ns)
{
	u64 val;

	if (block_ns > u->limit_ns && block_ns <= p->max_ns) {
		val = u->limit_ns * p->grow;
		if (val < p->grow_start_ns)
			val = p->grow_start_ns;
		if (val > p->max_ns)
			val = p->max_ns;
		u->limit_ns = val;
	} else if (block_ns > p->max_ns && p->allow_shrink) {
		val = p->shrink ? u->limit_ns / p->shrink : 0;
		/*
		 * Below the first window it goes to 0 (halt at once): found by
		 * the replay's validation against the real governor
		 * (selftests/unit/traces/decisions-mixed.txt), as KVM's host
		 * side does too.
		 */
		u->limit_ns = val < p->grow_start_ns ? 0 : val;
	}
}

/*
 * Upstream's governor at its defaults (guest_halt_poll_* as it ships):
 * taxcut's defaults are upstream's today (haltpoll_policy.h); the models
 * name them apart so that taxcut's can move without moving upstream's.
 */
#define UPSTREAM_PARAMS TC_HP_DEFAULT_PARAMS

static inline void sim_upstream(struct upstream_cpu *u, const struct tc_hp_params *p,
				const struct sim_event *ev, size_t n,
				struct sim_result *r)
{
	size_t i;

	for (i = 0; i < n; i++) {
		u64 t = ev[i].arrive_ns;

		r->periods++;
		if (u->limit_ns) {
			if (t <= u->limit_ns) {
				r->hits++;
				r->poll_ns += t;
				continue;
			}
			/* poll timed out, then the idle loop halts the rest */
			r->misses++;
			r->poll_ns += u->limit_ns;
			r->wasted_ns += u->limit_ns;
			t -= u->limit_ns;
		}
		r->halts++;
		upstream_adjust(u, p, t);
	}
	r->last_window_ns = u->limit_ns;
}

#endif /* _TAXCUT_HALTPOLL_SIM_H */

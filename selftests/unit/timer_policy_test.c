// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of drivers/clocksource/timer_policy.c: the clock mapping
 * (including a simulated agent publishing its clock at random ages, with
 * drift), liveness, the near and overdue rules and the early-interrupt rule.
 */
#include <stdlib.h>
#include "tap.h"
#include "timer_policy.h"

#define US 1000ull
#define MS 1000000ull
#define S 1000000000ull

static void clock_basics(void)
{
	struct et_clock c = { 0 };
	s64 off = 12345;

	tap_ok(!et_clock_offset(&c, &off) && off == 12345, "no offset before the first sample");
	et_clock_sample(&c, 10 * S + 300 * US, 4 * S);
	tap_ok(et_clock_offset(&c, &off) && off == (s64)(6 * S + 300 * US),
	       "one sample is the estimate");
	et_clock_sample(&c, 10 * S + 400 * US, 4 * S + 390 * US);
	et_clock_sample(&c, 10 * S + 500 * US, 4 * S + 250 * US);
	tap_ok(et_clock_offset(&c, &off) && off == (s64)(6 * S + 10 * US),
	       "the smallest sample (the freshest reading) wins");
	/* a guest clock behind the agent's: a negative offset */
	memset(&c, 0, sizeof(c));
	et_clock_sample(&c, 5 * S, 9 * S);
	tap_ok(et_clock_offset(&c, &off) && off == -(s64)(4 * S), "a negative offset");
	tap_eq_u(et_clock_to_agent(off, 6 * S), 10 * S, "guest 6 s is agent 10 s");
	tap_eq_u(et_clock_to_agent(5 * S, 2 * S), 1, "a deadline before the agent's epoch is due (1, not 0)");
	tap_eq_u(et_clock_to_agent(0, 0), 1, "never 0, which would disarm");
}

static void clock_epochs(void)
{
	struct et_clock c = { 0 };
	s64 off;

	/* an old, too small sample ages out after two epochs */
	et_clock_sample(&c, 1 * S, 1 * S - 5 * US);		/* offset 5 us */
	et_clock_sample(&c, 1 * S + ET_CLOCK_EPOCH_NS, 1 * S + ET_CLOCK_EPOCH_NS - 50 * US);
	et_clock_offset(&c, &off);
	tap_ok(off == (s64)(5 * US), "the previous epoch's minimum still counts (%lld)", (long long)off);
	et_clock_sample(&c, 1 * S + 2 * ET_CLOCK_EPOCH_NS + 1, 1 * S + 2 * ET_CLOCK_EPOCH_NS + 1 - 60 * US);
	et_clock_offset(&c, &off);
	tap_ok(off == (s64)(50 * US), "two epochs later it is forgotten (%lld)", (long long)off);
}

/*
 * The agent stamps its clock every period; the guest samples at random
 * times and reads the latest stamp. Guest time = agent time * (1 + drift)
 * + offset. The estimate must stay within [true - drift over two epochs,
 * true + the smallest age among its samples].
 */
static void clock_simulation(double drift_ppm, u64 period_ns, const char *what)
{
	struct et_clock c = { 0 };
	const s64 base = 123 * S;
	u64 agent = 1 * S, worst_early = 0, worst_late = 0;
	int bad = 0, i;

	srand(42);
	for (i = 0; i < 200000; i++) {
		u64 stamp, guest;
		s64 off, truth;

		agent += 1 + rand() % (int)(period_ns / 4);	/* samples every ~period/8 */
		stamp = agent - agent % period_ns;		/* the agent's last pass */
		guest = base + agent + (u64)((double)agent * drift_ppm / 1e6);
		et_clock_sample(&c, guest, stamp);
		et_clock_offset(&c, &off);
		truth = (s64)(guest - agent);
		if (off > truth && (u64)(off - truth) > worst_early)
			worst_early = off - truth;
		if (off < truth && (u64)(truth - off) > worst_late)
			worst_late = truth - off;
		if (off > truth + (s64)period_ns || truth - off > (s64)(3 * ET_CLOCK_EPOCH_NS * (drift_ppm < 0 ? -drift_ppm : drift_ppm) / 1e6) + 1)
			bad++;
	}
	tap_ok(!bad, "%s: estimate within bounds (above by <= %llu ns, below by <= %llu ns)",
	       what, (unsigned long long)worst_early, (unsigned long long)worst_late);
}

static void liveness(void)
{
	struct et_liveness l = { 0 };

	tap_ok(et_agent_alive(&l, 7, 100 * US, 1 * S), "a first beat is alive");
	tap_ok(et_agent_alive(&l, 7, 100 * US, 1 * S + 200 * US), "the same beat within 2 promises: alive");
	tap_ok(!et_agent_alive(&l, 7, 100 * US, 1 * S + 201 * US), "the same beat after 2 promises: dead");
	tap_ok(et_agent_alive(&l, 8, 100 * US, 1 * S + 300 * US), "a new beat: alive again");
	tap_ok(!et_agent_alive(&l, 9, 0, 1 * S + 301 * US), "heartbeat_ns 0: stopped");
	memset(&l, 0, sizeof(l));
	et_agent_alive(&l, 1, ~0ull, 0);
	tap_ok(!et_agent_alive(&l, 1, ~0ull, 2 * ET_HEARTBEAT_MAX_NS + 1),
	       "a huge promise is capped: the beat still has to move within 2 s");
}

static void routing(void)
{
	tap_ok(!et_near(500 * US, 400 * US), "beyond the horizon: seen before it is due");
	tap_ok(!et_near(400 * US, 400 * US), "at the horizon: seen before it is due");
	tap_ok(et_near(399 * US, 400 * US), "before the horizon: may wait for the next look");
	tap_ok(!et_overdue(0, 9 * S, 10 * MS), "nothing armed: never overdue");
	tap_ok(!et_overdue(1 * S, 1 * S + 10 * MS, 10 * MS), "within the grace: not overdue");
	tap_ok(et_overdue(1 * S, 1 * S + 10 * MS + 1, 10 * MS), "past the grace: overdue");
	tap_ok(!et_overdue(1, 5 * MS, 10 * MS), "an agent clock younger than the grace: not overdue");
	tap_ok(et_early(10 * S, 10 * S, 50 * US) == ET_ON_TIME, "at the deadline: on time");
	tap_ok(et_early(10 * S - 50 * US, 10 * S, 50 * US) == ET_SPIN, "50 us early: spin");
	tap_ok(et_early(10 * S - 51 * US, 10 * S, 50 * US) == ET_REPROGRAM, "51 us early: reprogram");
}

int main(void)
{
	tap_plan(29);
	clock_basics();
	clock_epochs();
	clock_simulation(0, 250 * US, "no drift, 250 us scans");
	clock_simulation(0, 2 * US, "no drift, busy-poll");
	clock_simulation(80, 250 * US, "guest 80 ppm fast");
	clock_simulation(-80, 250 * US, "guest 80 ppm slow");
	liveness();
	routing();
	return tap_failed ? 1 : 0;
}

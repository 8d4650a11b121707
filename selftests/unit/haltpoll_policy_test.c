// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of drivers/cpuidle/haltpoll_policy.c: its buckets and
 * parameters, the weaknesses of upstream's governor it must not have, and
 * synthetic idle traces replayed through it and through a model of
 * upstream's governor (haltpoll_sim.h).
 */
#include <stdlib.h>
#include "haltpoll_sim.h"
#include "tap.h"

#define US 1000ULL
#define NO_TIMER (~0ULL)
#define TRACE_LEN 4000
#define WARM_UP 100	/* periods before a strict comparison counts */

static struct sim_event trace[TRACE_LEN];
static const struct tc_hp_params upstream_params = UPSTREAM_PARAMS;
static u32 rnd_state = 2463534242u;

static u32 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Wakeups @think_us after idle began, plus 2-6 us of wakeup path. */
static u64 think(u64 think_us)
{
	return think_us * US + 2 * US + rnd() % (4 * US);
}

static void fill(size_t n, u64 arrive_ns)
{
	size_t i;

	for (i = 0; i < n; i++) {
		trace[i].arrive_ns = arrive_ns;
		trace[i].next_timer_ns = NO_TIMER;
	}
}

static struct sim_result run_taxcut(struct tc_hp_cpu *c, const struct tc_hp_params *p,
				    size_t n)
{
	struct sim_result r = { 0 };

	sim_taxcut(c, p, trace, n, &r);
	return r;
}

static void test_buckets(void)
{
	bool ordered = true, edges = true;
	unsigned int i;

	for (i = 0; i + 1 < TC_HP_BUCKETS; i++) {
		u64 top = tc_hp_bucket_top_ns(i);

		if (i && top <= tc_hp_bucket_top_ns(i - 1))
			ordered = false;
		if (tc_hp_bucket(top - 1) != i || tc_hp_bucket(top) != i + 1)
			edges = false;
	}
	tap_ok(ordered, "bucket tops rise strictly");
	tap_ok(edges, "each bucket ends where the next begins");
	tap_ok(tc_hp_bucket(0) == 0 && tc_hp_bucket(1023) == 0 && tc_hp_bucket(1024) == 1,
	       "bucket 0 holds periods under 1024 ns");
	tap_ok(tc_hp_bucket(~0ULL) == TC_HP_BUCKETS - 1 &&
	       tc_hp_bucket_top_ns(TC_HP_BUCKETS - 2) > TC_HP_MAX_NS,
	       "the last bucket holds everything past the largest cap");
	tap_ok(tc_hp_bucket_top_ns(tc_hp_bucket(100 * US)) <= 100 * US * 5 / 4,
	       "a bucket's window is within a quarter octave of its periods");
}

static void test_params(void)
{
	const struct tc_hp_params defaults = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_params p;

	tap_ok(!tc_hp_params_invalid(&defaults), "the defaults are valid");
	tap_ok(defaults.max_ns == 200000 && defaults.grow == 2 &&
	       defaults.grow_start_ns == 50000 && defaults.shrink == 2 &&
	       defaults.allow_shrink, "upstream's defaults for upstream's parameters");
	p = defaults;
	p.max_ns = TC_HP_MAX_NS + 1;
	tap_eq_s(tc_hp_params_invalid(&p) ?: "", "guest_halt_poll_ns", "a cap past the largest is refused");
	p = defaults;
	p.grow = 65;
	tap_eq_s(tc_hp_params_invalid(&p) ?: "", "guest_halt_poll_grow", "grow over 64 is refused");
	p = defaults;
	p.grow_start_ns = TC_HP_MAX_NS + 1;
	tap_eq_s(tc_hp_params_invalid(&p) ?: "", "guest_halt_poll_grow_start",
		 "grow_start past the largest cap is refused");
	p = defaults;
	p.shrink = 65;
	tap_eq_s(tc_hp_params_invalid(&p) ?: "", "guest_halt_poll_shrink", "shrink over 64 is refused");
	p = defaults;
	p.hit_worth_ns = 10000001;
	tap_eq_s(tc_hp_params_invalid(&p) ?: "", "hit_worth_ns", "hit_worth over 10 ms is refused");
}

static void test_budget(void)
{
	const struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_cpu c;
	bool capped;

	tc_hp_cpu_init(&c);
	tap_ok(tc_hp_budget(&c, &p, NO_TIMER, &capped) == 0 && !capped,
	       "a new CPU halts at once (window 0)");
	c.window_ns = 100 * US;
	tap_ok(tc_hp_budget(&c, &p, NO_TIMER, &capped) == 100 * US && !capped,
	       "the budget is the window");
	tap_ok(tc_hp_budget(&c, &p, 30 * US, &capped) == 30 * US && capped,
	       "never polls past the next timer event");
	tap_ok(tc_hp_budget(&c, &p, 0, &capped) == 0 && capped,
	       "a timer due now means no poll");
}

/* From a cold start, steady periods of @t_ns: periods until the window
 * covers them, and hits in the rest. */
static void test_converges(u64 t_us, unsigned int within)
{
	const struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_cpu c;
	struct sim_result r;
	unsigned int n;

	tc_hp_cpu_init(&c);
	fill(TRACE_LEN, t_us * US);
	for (n = 0; n < 100 && c.window_ns < t_us * US; n++)
		run_taxcut(&c, &p, 1);
	r = run_taxcut(&c, &p, 1000);
	tap_ok(n <= within && r.hits == 1000,
	       "cold start, steady %llu us periods: covered after %u periods (at most %u), then 1000 hits of 1000 (%llu)",
	       (unsigned long long)t_us, n, within, (unsigned long long)r.hits);
}

/*
 * Upstream adapts only on the halted part B of a period and only grows
 * when B > L: periods in (L, 2L] pay a full poll and a halt for ever.
 */
static void test_blind_band(u64 t_us)
{
	const struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct upstream_cpu u = { 0 };
	struct sim_result up = { 0 }, tc;
	struct tc_hp_cpu c;

	fill(TRACE_LEN, t_us * US);
	sim_upstream(&u, &upstream_params, trace, 100, &up);
	memset(&up, 0, sizeof(up));
	sim_upstream(&u, &upstream_params, trace, 1000, &up);
	tc_hp_cpu_init(&c);
	run_taxcut(&c, &p, 100);
	tc = run_taxcut(&c, &p, 1000);
	tap_ok(up.hits == 0 && up.wasted_ns > 0 && tc.hits == 1000 && tc.wasted_ns == 0,
	       "%llu us periods (upstream's blind band at L = %llu us): upstream %llu hits, wastes %llu us; taxcut %llu hits, wastes %llu us",
	       (unsigned long long)t_us, (unsigned long long)(u.limit_ns / US),
	       (unsigned long long)up.hits, (unsigned long long)(up.wasted_ns / US),
	       (unsigned long long)tc.hits, (unsigned long long)(tc.wasted_ns / US));
}

static void test_whole_period(void)
{
	const struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_period period = { 0 };
	struct tc_hp_cpu c;

	tc_hp_cpu_init(&c);
	c.window_ns = c.ctx[0].window_ns = c.ctx[0].reach_ns = 50 * US;
	/* polled 50 us, then halted 30 us: the halt alone is under L */
	period.budget_ns = 50 * US;
	period.polled_ns = 50 * US;
	period.idle_ns = 80 * US;
	period.halted = true;
	tc_hp_record(&c, &p, &period);
	tap_ok(c.target_ns >= 80 * US && c.window_ns == c.target_ns,
	       "a miss of 80 us against a 50 us window (halt 30 us) sets the target to cover 80 us (%u ns) and the window follows within the grow factor (%u ns)",
	       c.target_ns, c.window_ns);
	tap_ok(c.stats.polls == 1 && c.stats.poll_misses == 1 && c.stats.halts == 1 &&
	       c.stats.wasted_ns == 50 * US, "the miss is counted as 50 us wasted");
}

static void test_one_long_sleep(void)
{
	const struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_cpu c;
	u32 before;
	struct sim_result r;

	tc_hp_cpu_init(&c);
	fill(TRACE_LEN, 100 * US);
	run_taxcut(&c, &p, 200);
	before = c.window_ns;
	trace[0].arrive_ns = 20000 * US;
	run_taxcut(&c, &p, 1);
	tap_ok(c.ctx[0].window_ns == before && c.context == 1,
	       "one 20 ms sleep leaves the short periods' window alone (%u -> %u ns)",
	       before, c.ctx[0].window_ns);
	fill(TRACE_LEN, 100 * US);
	r = run_taxcut(&c, &p, 100);
	tap_ok(r.hits == 99, "and of the next 100 us periods all but the first are caught (%llu)",
	       (unsigned long long)r.hits);
}

/*
 * Phases: 400 periods of 30-50 us, then 40 of 2-6 ms. What follows a long
 * sleep is learnt apart from what follows a short period: the window goes
 * to 0 at the first long sleep and back at the first short period.
 */
static void test_phases(void)
{
	const struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_cpu c;
	struct sim_result r;
	size_t i;

	for (i = 0; i < TRACE_LEN; i++) {
		trace[i].arrive_ns = i % 440 < 400 ? 30 * US + rnd() % (20 * US) :
						     2000 * US + rnd() % (4000 * US);
		trace[i].next_timer_ns = NO_TIMER;
	}
	tc_hp_cpu_init(&c);
	run_taxcut(&c, &p, 880);
	r = run_taxcut(&c, &p, 2640);
	/* six phases: a miss at each switch to long sleeps, a halt at each return */
	tap_ok(r.misses <= 6 && r.hits >= 2400 - 6,
	       "bursty phases: after two, 6 more cost %llu timed-out polls (at most 6) and catch %llu of 2400 short periods",
	       (unsigned long long)r.misses, (unsigned long long)r.hits);
}

/*
 * A halted period measures the wait and the halt's own wakeup: with a
 * 200 us halt cost, 10 us periods measure 210 us, past the cap. Less the
 * measured cost, the policy sees 10 us and learns to poll them.
 */
static void test_halt_cost(void)
{
	struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_period period = { .idle_ns = 210 * US, .halted = true };
	struct tc_hp_cpu c;
	unsigned int n;

	tc_hp_cpu_init(&c);
	for (n = 0; n < 20; n++)
		tc_hp_record(&c, &p, &period);
	tap_ok(c.window_ns == 0, "halt cost unknown: 210 us halted periods are past the cap, no poll (%u ns)",
	       c.window_ns);
	p.halt_cost_ns = 200 * US;
	tc_hp_cpu_init(&c);
	for (n = 0; n < 20 && !c.window_ns; n++)
		tc_hp_record(&c, &p, &period);
	tap_ok(c.window_ns >= 10 * US && c.window_ns <= 12 * US && n <= 2,
	       "halt cost 200 us: the same periods are 10 us, window %u ns after %u periods",
	       c.window_ns, n);
	tap_ok(tc_hp_hit_worth(&p) == 200 * US, "hit_worth 0: the exchange rate is the halt cost");
	p.halt_cost_ns = 0;
	tap_ok(tc_hp_hit_worth(&p) == TC_HP_FALLBACK_WORTH_NS,
	       "hit_worth 0 and no halt cost: %u ns", TC_HP_FALLBACK_WORTH_NS);
	p.hit_worth_ns = 30 * US;
	p.halt_cost_ns = 200 * US;
	tap_ok(tc_hp_hit_worth(&p) == 30 * US, "a hit_worth set wins over the halt cost");
	/* the exchange rate decides: 5 us saved is not worth a 100 us poll that misses half */
	p.hit_worth_ns = 0;
	p.halt_cost_ns = 5 * US;
	tc_hp_cpu_init(&c);
	for (n = 0; n < TRACE_LEN; n++) {
		trace[n].arrive_ns = rnd() % 2 ? 90 * US : 400 * US;
		trace[n].next_timer_ns = NO_TIMER;
	}
	run_taxcut(&c, &p, 100);
	n = c.stats.polls;
	run_taxcut(&c, &p, TRACE_LEN - 100);
	tap_ok(c.ctx[0].window_ns == 0 && c.ctx[1].window_ns == 0 && c.stats.polls == n,
	       "halt cost 5 us, periods 90 or 400 us at random: after 100 periods never a poll (%llu polls, %u in the first 100)",
	       (unsigned long long)c.stats.polls - n, n);
	p.halt_cost_ns = 500 * US;
	tc_hp_cpu_init(&c);
	run_taxcut(&c, &p, TRACE_LEN);
	tap_ok(c.window_ns >= 90 * US, "halt cost 500 us, the same periods: polls them (%u ns)",
	       c.window_ns);
}

/*
 * A halt costs more the longer it lasted (this host: 15 us after 20-100
 * us halted, 50 us after 200 us). Measured by length, the halted periods
 * are taken back to their true length, and catching a long period is
 * worth what halting for it would have cost.
 */
static void test_halt_cost_by_length(void)
{
	static const u32 at[TC_HP_COST_POINTS] = { 15 * US, 15 * US, 18 * US, 50 * US, 54 * US };
	struct tc_hp_params p = TC_HP_DEFAULT_PARAMS, flat;
	struct tc_hp_period period = { .halted = true };
	u32 bad[TC_HP_COST_POINTS] = { 30 * US, 20 * US, 0, 50 * US, 1 };
	struct tc_hp_cpu c;
	unsigned int n, i;
	bool ordered = true;

	p.halt_cost_ns = 15 * US;
	memcpy(p.halt_cost_at_ns, at, sizeof(at));
	tap_ok(!tc_hp_params_invalid(&p), "a measured table is valid");
	tap_ok(tc_hp_halt_cost_at(&p, 0) == 15 * US && tc_hp_halt_cost_at(&p, 40 * US) == 15 * US &&
	       tc_hp_halt_cost_at(&p, 75 * US) == 16500 &&
	       tc_hp_halt_cost_at(&p, 150 * US) == 34 * US &&
	       tc_hp_halt_cost_at(&p, 200 * US) == 50 * US &&
	       tc_hp_halt_cost_at(&p, 5000 * US) == 54 * US,
	       "the cost between the points is interpolated, past either end the end's (150 us: %u ns)",
	       tc_hp_halt_cost_at(&p, 150 * US));
	flat = p;
	memset(flat.halt_cost_at_ns, 0, sizeof(flat.halt_cost_at_ns));
	tap_ok(tc_hp_halt_cost_at(&flat, 300 * US) == 15 * US, "no table: halt_cost_ns at every length");
	p.halt_cost_at_ns[2] = 10 * US;
	tap_ok(tc_hp_params_invalid(&p) && !strcmp(tc_hp_params_invalid(&p), "halt_cost_at_ns"),
	       "a table that falls with length is refused");
	p.halt_cost_at_ns[2] = at[2];
	tc_hp_cost_table_fix(bad);
	for (i = 1; i < TC_HP_COST_POINTS; i++)
		ordered &= bad[i] >= bad[i - 1];
	tap_ok(ordered && bad[0] == 30 * US && bad[2] == 30 * US && bad[3] == 50 * US,
	       "a measured table is put in order: each point at least the one before");

	/* halted periods of a true 150 us measure 184: taken back to 150 */
	period.idle_ns = 184 * US;
	tc_hp_cpu_init(&c);
	for (n = 0; n < 200; n++)
		tc_hp_record(&c, &p, &period);
	tap_ok(c.target_ns == tc_hp_bucket_top_ns(tc_hp_bucket(150 * US)),
	       "by length: 184 us halted periods are 150 us ones, target %u ns", c.target_ns);
	tc_hp_cpu_init(&c);
	for (n = 0; n < 200; n++)
		tc_hp_record(&c, &flat, &period);
	tap_ok(c.target_ns == tc_hp_bucket_top_ns(tc_hp_bucket(169 * US)),
	       "one cost for all: the same periods look 169 us, target %u ns", c.target_ns);

	/*
	 * 9 in 10 periods of 190 us, 1 of 2 ms: a 215 us window catches 90%
	 * and wastes 21.5 us a period. Worth 15 us a catch, it does not pay;
	 * worth the 46 us a 190 us halt costs, it does.
	 */
	p.max_ns = 400 * US;
	flat.max_ns = 400 * US;
	for (n = 0; n < TRACE_LEN; n++) {
		trace[n].arrive_ns = n % 10 ? 190 * US : 2000 * US;
		trace[n].next_timer_ns = NO_TIMER;
	}
	tc_hp_cpu_init(&c);
	run_taxcut(&c, &flat, TRACE_LEN);
	tap_ok(c.ctx[0].target_ns == 0, "worth 15 us a catch: 190 us periods are not polled (%u ns)",
	       c.ctx[0].target_ns);
	tc_hp_cpu_init(&c);
	run_taxcut(&c, &p, TRACE_LEN);
	tap_ok(c.ctx[0].target_ns >= 190 * US && c.stats.poll_hits > TRACE_LEN / 2,
	       "worth what a 190 us halt costs: they are (target %u ns, %llu caught)",
	       c.ctx[0].target_ns, (unsigned long long)c.stats.poll_hits);
	p.hit_worth_ns = 15 * US;
	tc_hp_cpu_init(&c);
	run_taxcut(&c, &p, TRACE_LEN);
	tap_ok(c.ctx[0].target_ns == 0, "hit_worth_ns set: it is the worth at every length (%u ns)",
	       c.ctx[0].target_ns);
}

/*
 * Four phases of 200 short periods (40 us: caught once the window reaches
 * them, else halted), then 100 sleeps of 2 ms, each split by @tick into
 * a 150 us piece and the 1850 us rest.
 */
static void ticked_phases(struct tc_hp_cpu *c, const struct tc_hp_period *tick)
{
	const struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	const struct tc_hp_period longp = { .idle_ns = 2000 * US, .halted = true };
	const struct tc_hp_period shortp = { .idle_ns = 40 * US, .polled_ns = 40 * US,
					     .budget_ns = 200 * US, .hit = true };
	const struct tc_hp_period shorth = { .idle_ns = 40 * US, .halted = true };
	const struct tc_hp_period rest = { .idle_ns = 1850 * US, .halted = true };
	unsigned int i, n;

	tc_hp_cpu_init(c);
	for (n = 0; n < 4; n++) {
		for (i = 0; i < 200; i++)
			tc_hp_record(c, &p, c->window_ns >= 40 * US ? &shortp : &shorth);
		for (i = 0; i < 100; i++) {
			tc_hp_record(c, &p, &longp);
			tc_hp_record(c, &p, tick);
			tc_hp_record(c, &p, &rest);
		}
	}
}

/*
 * A sleep an interrupt splits (a tick, a device) goes on after it: a
 * short piece that ended at an interrupt that woke no task does not
 * switch the context, so the rest of the sleep is not learnt as what
 * follows a short period. A long piece switches to the long context.
 */
static void test_sleep_goes_on(void)
{
	struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_period longp = { .idle_ns = 2000 * US, .halted = true };
	struct tc_hp_period tick = { .idle_ns = 150 * US, .halted = true, .irq_only = true };
	struct tc_hp_period woke = { .idle_ns = 150 * US, .halted = true };
	struct tc_hp_period shortp = { .idle_ns = 40 * US, .polled_ns = 40 * US,
				       .budget_ns = 200 * US, .hit = true };
	struct tc_hp_cpu c;
	u32 window;

	tc_hp_cpu_init(&c);
	tc_hp_record(&c, &p, &longp);
	tc_hp_record(&c, &p, &tick);
	tap_ok(c.context == 1, "a 150 us piece of a sleep an interrupt ended, no task woken: the context stays long");
	tc_hp_record(&c, &p, &woke);
	tap_ok(c.context == 0, "a 150 us period that woke a task: short context");
	longp.irq_only = true;
	tc_hp_record(&c, &p, &longp);
	tap_ok(c.context == 1, "a 2 ms piece ended by an interrupt that woke no task: long context all the same");

	ticked_phases(&c, &tick);
	window = c.ctx[0].window_ns;
	tc_hp_record(&c, &p, &shortp);
	tap_ok(window >= 40 * US && c.window_ns >= 40 * US,
	       "after 4 phases of ticked sleeps, the short periods' window is kept (%u ns): the first short period back is caught",
	       window);
	tick.irq_only = false;
	ticked_phases(&c, &tick);
	tap_ok(c.ctx[0].window_ns < 40 * US,
	       "(the same with the pieces taken for wakeups: the rests teach the short context to halt, %u ns)",
	       c.ctx[0].window_ns);
}

/* The probe's arithmetic: medians of its round trips, their difference. */
static void test_probe_math(void)
{
	u64 halted[15] = { 40, 31, 33, 900, 35, 30, 36, 29, 34, 32, 38, 37, 30, 39, 2000 };
	u64 polled[15] = { 4, 3, 5, 2, 300, 3, 4, 6, 2, 3, 5, 4, 3, 2, 4 };
	u64 one = 7;
	unsigned int i;
	bool sorted = true;

	tap_ok(tc_hp_median(halted, 15) == 35 && tc_hp_median(polled, 15) == 4,
	       "medians of 15 round trips, outliers and all: 35 and 4");
	for (i = 1; i < 15; i++)
		sorted &= halted[i - 1] <= halted[i];
	tap_ok(sorted, "the samples come back sorted");
	tap_ok(tc_hp_median(&one, 1) == 7 && tc_hp_median(NULL, 0) == 0, "one sample, none");
	tap_ok(tc_hp_halt_cost(35000, 4000) == 31000, "halt cost: 35 us against 4 us is 31 us");
	tap_ok(tc_hp_halt_cost(4000, 5000) == 1 && tc_hp_halt_cost(5000, 5000) == 1,
	       "a halt no dearer than a poll costs 1 ns (0 means unknown)");
	tap_ok(tc_hp_halt_cost(~0ULL, 0) == TC_HP_MAX_NS, "at most %u ns", TC_HP_MAX_NS);
	tap_ok(tc_hp_probe_plausible(35000, 4000) && tc_hp_probe_plausible(8000, 4000) &&
	       !tc_hp_probe_plausible(87000, 74000) && !tc_hp_probe_plausible(7999, 4000) &&
	       !tc_hp_probe_plausible(0, 0),
	       "a measurement counts when the halted round trip is at least twice the polled one (and not 0)");
}

static void test_long_sleeps(void)
{
	const struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_cpu c;
	struct sim_result r;
	unsigned int n;

	tc_hp_cpu_init(&c);
	fill(TRACE_LEN, 100 * US);
	run_taxcut(&c, &p, 200);
	fill(TRACE_LEN, 4000 * US);
	for (n = 0; n < 100 && c.window_ns; n++)
		run_taxcut(&c, &p, 1);
	tap_ok(n <= 12, "after a switch to 4 ms sleeps the window is 0 within %u periods (at most 12)", n);
	r = run_taxcut(&c, &p, 1000);
	tap_ok(r.poll_ns == 0, "an idle CPU then never polls (%llu ns)",
	       (unsigned long long)r.poll_ns);
	fill(TRACE_LEN, 100 * US);
	for (n = 0; n < 100 && c.window_ns < 100 * US; n++)
		run_taxcut(&c, &p, 1);
	tap_ok(n <= 10, "back to 100 us periods, covered again within %u periods (at most 10)", n);
}

static void test_timer_cap(void)
{
	const struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_cpu c;
	struct sim_result r;
	size_t i;

	tc_hp_cpu_init(&c);
	fill(TRACE_LEN, 100 * US);
	run_taxcut(&c, &p, 100);
	for (i = 0; i < 1000; i++)
		trace[i].next_timer_ns = 30 * US;
	r = run_taxcut(&c, &p, 1000);
	tap_ok(r.poll_ns <= 1000 * 30 * US && c.stats.timer_capped >= 1000,
	       "with a timer 30 us out, 1000 periods poll %llu us in all (at most 30000)",
	       (unsigned long long)(r.poll_ns / US));
}

/* Random periods and random parameter changes: the window stays inside. */
static void test_bounds(void)
{
	struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_cpu c;
	bool inside = true;
	size_t i;

	tc_hp_cpu_init(&c);
	for (i = 0; i < 200000; i++) {
		struct sim_result r = { 0 };
		struct sim_event ev = { rnd() % (1u << (rnd() % 24)), NO_TIMER };

		if (!(i % 1000)) {
			p.max_ns = rnd() % (TC_HP_MAX_NS + 1);
			p.grow = rnd() % 65;
			p.grow_start_ns = rnd() % (TC_HP_MAX_NS + 1);
			p.shrink = rnd() % 65;
			p.allow_shrink = rnd() & 1;
			p.hit_worth_ns = rnd() % 10000001;
			tc_hp_clamp(&c, &p);
		}
		if (c.window_ns > p.max_ns)
			inside = false;
		sim_taxcut(&c, &p, &ev, 1, &r);
		if (c.window_ns > p.max_ns || c.target_ns > p.max_ns ||
		    r.poll_ns > p.max_ns)
			inside = false;
	}
	tap_ok(inside, "200000 random periods under random valid parameters: window and poll never exceed the cap");
}

static void test_knobs(void)
{
	struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_cpu c;
	bool never_down = true;
	u32 prev;
	size_t i;

	tc_hp_cpu_init(&c);
	p.grow = 0;
	fill(TRACE_LEN, 150 * US);
	run_taxcut(&c, &p, 1);
	tap_ok(c.window_ns >= 150 * US, "grow 0 jumps to the target at once (%u ns)", c.window_ns);

	tc_hp_cpu_init(&c);
	p = (struct tc_hp_params)TC_HP_DEFAULT_PARAMS;
	p.grow_start_ns = 0;
	run_taxcut(&c, &p, 1);
	tap_ok(c.window_ns >= 150 * US, "grow_start 0 does not keep the window at 0 (%u ns)",
	       c.window_ns);

	tc_hp_cpu_init(&c);
	p = (struct tc_hp_params)TC_HP_DEFAULT_PARAMS;
	p.allow_shrink = false;
	prev = 0;
	for (i = 0; i < 2000; i++) {
		struct sim_result r = { 0 };
		struct sim_event ev = { i % 2 && i < 200 ? 150 * US : 5000 * US, NO_TIMER };

		sim_taxcut(&c, &p, &ev, 1, &r);
		if (c.ctx[1].window_ns < prev)
			never_down = false;
		prev = c.ctx[1].window_ns;
	}
	tap_ok(never_down && c.ctx[1].window_ns >= 150 * US,
	       "allow_shrink N: the window never shrinks (%u ns after 1800 long sleeps)",
	       c.ctx[1].window_ns);

	tc_hp_cpu_init(&c);
	p = (struct tc_hp_params)TC_HP_DEFAULT_PARAMS;
	p.max_ns = 0;
	fill(TRACE_LEN, 20 * US);
	run_taxcut(&c, &p, 100);
	tap_ok(c.window_ns == 0 && !c.stats.polls, "guest_halt_poll_ns 0: never polls");
}

static const char *const trace_names[] = {
	"think 10 us", "think 50 us", "think 100 us", "think 200 us",
	"think 500 us", "think 1000 us", "mixed", "bursty",
};

static void make_trace(unsigned int kind, size_t n)
{
	static const u64 thinks[] = { 10, 50, 100, 200, 500, 1000 };
	size_t i;

	for (i = 0; i < n; i++) {
		u64 t;

		if (kind < 6)
			t = thinks[kind];
		else if (kind == 6)
			t = thinks[rnd() % 6];
		else
			t = thinks[(i / 50) % 6];	/* bursts of 50 */
		trace[i].arrive_ns = think(t);
		trace[i].next_timer_ns = NO_TIMER;
	}
}

/*
 * What the policy maximises, hit_worth * caught - wasted, evaluated for any
 * policy's run: upstream's too.
 */
static double objective(const struct sim_result *r, const struct tc_hp_params *p)
{
	return (double)p->hit_worth_ns * r->hits - (double)r->wasted_ns;
}

/*
 * A trace through both. @strict (steady think times, bursts): taxcut
 * wastes at most half of what upstream wastes and catches at least as
 * many wakeups, after a warm-up of WARM_UP periods each. Otherwise (a random mix, where no policy can tell a short
 * period from a long one in advance, and recorded traces): it wastes no
 * more and scores at least as well on its own objective.
 */
static void compare(const char *name, size_t n, bool strict)
{
	const struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct sim_result tc = { 0 }, up = { 0 };
	struct upstream_cpu u = { 0 };
	struct tc_hp_cpu c;
	bool ok;

	tc_hp_cpu_init(&c);
	if (strict) {
		sim_taxcut(&c, &p, trace, WARM_UP, &tc);
		sim_upstream(&u, &upstream_params, trace, WARM_UP, &up);
		memset(&tc, 0, sizeof(tc));
		memset(&up, 0, sizeof(up));
		sim_taxcut(&c, &p, trace + WARM_UP, n - WARM_UP, &tc);
		sim_upstream(&u, &upstream_params, trace + WARM_UP, n - WARM_UP, &up);
		n -= WARM_UP;
	} else {
		sim_taxcut(&c, &p, trace, n, &tc);
		sim_upstream(&u, &upstream_params, trace, n, &up);
	}
	if (strict)
		ok = tc.wasted_ns * 2 <= up.wasted_ns && tc.hits >= up.hits;
	else
		ok = tc.wasted_ns <= up.wasted_ns && objective(&tc, &p) >= objective(&up, &p);
	tap_ok(ok, "%s (%zu periods): taxcut wastes %.1f us/period, catches %llu; upstream %.1f us/period, %llu",
	       name, n, tc.wasted_ns / 1e3 / n, (unsigned long long)tc.hits,
	       up.wasted_ns / 1e3 / n, (unsigned long long)up.hits);
}

/* The benchmark's workloads as synthetic idle traces. */
static void test_against_upstream(void)
{
	unsigned int kind;

	for (kind = 0; kind < ARRAY_SIZE(trace_names); kind++) {
		make_trace(kind, TRACE_LEN);
		compare(trace_names[kind], TRACE_LEN, kind != 6);
	}
}

/*
 * Idle periods recorded in a guest (tools/bench/record_traces.sh: our
 * kernel on the emulated host, every period one halt), TCG's noise and all.
 */
static void test_recorded(const char *name)
{
	char path[512], what[64];
	unsigned long long ns;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.txt", TRACES_DIR, name);
	f = fopen(path, "r");
	while (f && n < TRACE_LEN && fscanf(f, "%llu", &ns) == 1) {
		trace[n].arrive_ns = ns;
		trace[n++].next_timer_ns = NO_TIMER;
	}
	if (f)
		fclose(f);
	if (n < 1000) {
		tap_ok(0, "recorded trace %s: at least 1000 idle periods in %s (%zu)",
		       name, path, n);
		return;
	}
	snprintf(what, sizeof(what), "recorded %s", name);
	compare(what, n, false);
}

static void test_stats(void)
{
	const struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_cpu c;
	const struct tc_hp_stats *s = &c.stats;

	tc_hp_cpu_init(&c);
	make_trace(6, TRACE_LEN);
	run_taxcut(&c, &p, TRACE_LEN);
	tap_ok(s->polls == s->poll_hits + s->poll_misses && s->wasted_ns <= s->poll_ns &&
	       s->halts >= s->poll_misses && s->halts + s->poll_hits == TRACE_LEN,
	       "statistics add up (polls %llu = hits %llu + misses %llu, halts %llu)",
	       (unsigned long long)s->polls, (unsigned long long)s->poll_hits,
	       (unsigned long long)s->poll_misses, (unsigned long long)s->halts);
}

/* What the trace events report: each period's outcome, each change's reason. */
static void test_trace_reasons(void)
{
	const struct tc_hp_params p = TC_HP_DEFAULT_PARAMS;
	struct tc_hp_period caught = { .budget_ns = 50 * US, .polled_ns = 10 * US,
				       .idle_ns = 10 * US, .hit = true };
	struct tc_hp_period halted = { .idle_ns = 20000 * US, .halted = true };
	struct tc_hp_period capped = { .budget_ns = 5 * US, .polled_ns = 5 * US,
				       .idle_ns = 80 * US, .halted = true, .timer_capped = true };
	struct tc_hp_period out = capped, awake = { 0 };
	enum tc_hp_change grew = TC_HP_KEPT, why;
	unsigned int i, changes = 0, kept = 0;
	bool wrong = false;
	struct tc_hp_cpu c;

	out.timer_capped = false;
	tap_ok(tc_hp_outcome(&caught) == TC_HP_CAUGHT && tc_hp_outcome(&out) == TC_HP_TIMED_OUT &&
	       tc_hp_outcome(&capped) == TC_HP_TIMER_CAPPED &&
	       tc_hp_outcome(&halted) == TC_HP_HALTED && tc_hp_outcome(&awake) == TC_HP_NOT_IDLE,
	       "outcomes: caught, timed out, capped by a timer, halted, not idle");

	/* 40 us periods: the window grows to catch them */
	tc_hp_cpu_init(&c);
	halted.idle_ns = 40 * US;
	for (i = 0; i < 50; i++) {
		why = tc_hp_record(&c, &p, c.window_ns ? &caught : &halted);
		if (why == TC_HP_GREW)
			grew = why;
		changes += why != TC_HP_KEPT;
		kept += why == TC_HP_KEPT;
	}
	tap_ok(grew == TC_HP_GREW && c.window_ns > 0, "short periods: the window grew (%u ns)", c.window_ns);
	/* then 150 us ones, halted: past the window, within the cap: it moves on */
	halted.idle_ns = 150 * US;
	for (i = 0; i < 300; i++) {
		u32 before = c.window_ns;

		why = tc_hp_record(&c, &p, &halted);
		if ((why == TC_HP_GREW && c.window_ns <= before) ||
		    (why == TC_HP_SHRANK && c.window_ns >= before) ||
		    (why == TC_HP_KEPT && c.window_ns != before))
			wrong = true;
		changes += why != TC_HP_KEPT;
		kept += why == TC_HP_KEPT;
	}
	tap_ok(!wrong, "longer periods: each reported change is the change made");
	/* one long sleep: the next period's context has its own window (0) */
	halted.idle_ns = 20000 * US;
	why = tc_hp_record(&c, &p, &halted);
	changes += why != TC_HP_KEPT;
	kept += why == TC_HP_KEPT;
	tap_ok(c.context == 1 && why == (c.window_ns ? TC_HP_KEPT : TC_HP_SWITCHED),
	       "after a period past the cap, the switch to the other context's window is reported (%d)",
	       why);
	tap_ok(c.stats.periods == 351 && c.stats.window_changes == changes && changes + kept == 351,
	       "every period and every window change counted (%llu periods, %llu changes)",
	       (unsigned long long)c.stats.periods, (unsigned long long)c.stats.window_changes);
}

int main(void)
{
	test_buckets();
	test_params();
	test_budget();
	test_converges(10, 1);
	test_converges(60, 2);
	test_converges(150, 3);
	test_blind_band(55);
	test_blind_band(105);
	test_blind_band(150);
	test_whole_period();
	test_one_long_sleep();
	test_long_sleeps();
	test_phases();
	test_halt_cost();
	test_halt_cost_by_length();
	test_sleep_goes_on();
	test_probe_math();
	test_timer_cap();
	test_bounds();
	test_knobs();
	test_against_upstream();
	test_recorded("think50");
	test_recorded("think100");
	test_recorded("mixed");
	test_recorded("bursty");
	test_stats();
	test_trace_reasons();
	tap_plan(tap_count);
	return tap_done();
}

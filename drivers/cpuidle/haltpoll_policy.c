// SPDX-License-Identifier: GPL-2.0
/*
 * taxcut's adaptive guest halt-polling policy (see haltpoll_policy.h and
 * docs/haltpoll.md). Pure: no kernel state, no locks; one struct tc_hp_cpu
 * per CPU, touched only by that CPU.
 */
#include "haltpoll_policy.h"

#define TC_HP_LIMIT_FACTOR	64u		/* largest grow or shrink */
#define TC_HP_LIMIT_WORTH_NS	10000000u	/* largest hit_worth_ns */
#define TC_HP_FIRST_NS		1024u		/* bucket 0: [0, 1024 ns) */

const char *tc_hp_params_invalid(const struct tc_hp_params *p)
{
	if (p->max_ns > TC_HP_MAX_NS)
		return "guest_halt_poll_ns";
	if (p->grow > TC_HP_LIMIT_FACTOR)
		return "guest_halt_poll_grow";
	if (p->grow_start_ns > TC_HP_MAX_NS)
		return "guest_halt_poll_grow_start";
	if (p->shrink > TC_HP_LIMIT_FACTOR)
		return "guest_halt_poll_shrink";
	if (p->hit_worth_ns > TC_HP_LIMIT_WORTH_NS)
		return "hit_worth_ns";
	return NULL;
}

void tc_hp_cpu_init(struct tc_hp_cpu *c)
{
	memset(c, 0, sizeof(*c));
	c->weight = TC_HP_WEIGHT_FIRST;
}

static unsigned int log2_u64(u64 v)
{
	return 63 - __builtin_clzll(v);
}

unsigned int tc_hp_bucket(u64 ns)
{
	unsigned int top_bit, octave, sub;

	if (ns < TC_HP_FIRST_NS)
		return 0;
	top_bit = log2_u64(ns);
	octave = top_bit - 10;
	if (octave >= TC_HP_OCTAVES)
		return TC_HP_BUCKETS - 1;
	/* the two bits below the top one pick the quarter octave */
	sub = (ns >> (top_bit - 2)) & 3;
	return 1 + octave * TC_HP_PER_OCTAVE + sub;
}

u64 tc_hp_bucket_top_ns(unsigned int bucket)
{
	unsigned int octave, sub;

	if (bucket == 0)
		return TC_HP_FIRST_NS;
	if (bucket >= TC_HP_BUCKETS - 1)
		return ~0ULL;
	octave = (bucket - 1) / TC_HP_PER_OCTAVE;
	sub = (bucket - 1) % TC_HP_PER_OCTAVE;
	return (u64)(TC_HP_PER_OCTAVE + sub + 1) << (octave + 8);
}

static u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

static u64 max_u64(u64 a, u64 b)
{
	return a > b ? a : b;
}

u64 tc_hp_budget(const struct tc_hp_cpu *c, const struct tc_hp_params *p,
		 u64 next_event_ns, bool *timer_capped)
{
	u64 budget = min_u64(c->window_ns, p->max_ns);

	*timer_capped = next_event_ns < budget;
	if (*timer_capped)
		budget = next_event_ns;
	return budget;
}

/* Adds a period to the histogram: O(1), the decay is in the weight. */
static void add_period(struct tc_hp_cpu *c, u64 idle_ns)
{
	unsigned int i;

	if (!c->weight)		/* never initialised */
		c->weight = TC_HP_WEIGHT_FIRST;
	c->hist[tc_hp_bucket(idle_ns)] += c->weight;
	c->total += c->weight;
	/* the next period weighs 8/7 of this one (1 + 1/8 + 1/64) */
	c->weight += (c->weight >> 3) + (c->weight >> 6);
	if (c->weight < TC_HP_WEIGHT_RESCALE)
		return;
	c->total = 0;
	for (i = 0; i < TC_HP_BUCKETS; i++) {
		c->hist[i] >>= TC_HP_RESCALE_SHIFT;
		c->total += c->hist[i];
	}
	c->weight >>= TC_HP_RESCALE_SHIFT;
}

/*
 * The window that maximises hit_worth * caught - window * missed over the
 * histogram. A window at a bucket's top catches the whole bucket; the
 * bucket the cap falls into counts as caught in proportion to the part of
 * it below the cap.
 */
static u32 best_window(const struct tc_hp_cpu *c, const struct tc_hp_params *p)
{
	s64 best_score = 0, score;
	u64 caught = 0, window, bottom = 0, top;
	u32 best = 0;
	unsigned int i;

	for (i = 0; i < TC_HP_BUCKETS - 1 && bottom < p->max_ns; i++, bottom = top) {
		top = tc_hp_bucket_top_ns(i);
		if (top <= p->max_ns) {
			window = top;
			caught += c->hist[i];
		} else {
			window = p->max_ns;
			caught += c->hist[i] * (p->max_ns - bottom) / (top - bottom);
		}
		score = (s64)p->hit_worth_ns * (s64)caught -
			(s64)window * (s64)(c->total - caught);
		if (score > best_score) {
			best_score = score;
			best = (u32)window;
		}
	}
	return best;
}

/*
 * One step of the window towards the target, as far as grow and shrink
 * allow; a shrink only once the target has stayed below for
 * TC_HP_SHRINK_AFTER periods, so one long sleep changes nothing.
 */
static u32 step(struct tc_hp_cpu *c, const struct tc_hp_params *p)
{
	u64 window = c->window_ns, target = c->target_ns, next;

	if (target < window)
		c->shrink_votes++;
	else
		c->shrink_votes = 0;

	if (target > window) {
		next = max_u64(window * p->grow, p->grow_start_ns);
		if (!p->grow || !next)
			next = target;
		window = min_u64(next, target);
	} else if (target < window && p->allow_shrink &&
		   c->shrink_votes >= TC_HP_SHRINK_AFTER) {
		next = p->shrink ? window / p->shrink : 0;
		/* below a microsecond a window catches nothing: go all the way */
		window = next < TC_HP_FIRST_NS ? target : max_u64(next, target);
	}
	return (u32)min_u64(window, p->max_ns);
}

void tc_hp_record(struct tc_hp_cpu *c, const struct tc_hp_params *p,
		  const struct tc_hp_period *period)
{
	struct tc_hp_stats *s = &c->stats;

	if (period->budget_ns) {
		s->polls++;
		s->poll_ns += period->polled_ns;
		if (period->hit) {
			s->poll_hits++;
		} else {
			s->poll_misses++;
			s->wasted_ns += period->polled_ns;
		}
		if (period->timer_capped)
			s->timer_capped++;
	}
	if (period->halted)
		s->halts++;

	add_period(c, period->idle_ns);
	/*
	 * Caught wakeups rescan only now and then: they are the periods that
	 * must stay cheap. A miss looks at once (it ended in a halt anyway).
	 */
	if (++c->since_scan >= TC_HP_RESCAN_EVERY || !period->hit) {
		c->target_ns = best_window(c, p);
		c->since_scan = 0;
	}
	c->window_ns = step(c, p);
}

void tc_hp_clamp(struct tc_hp_cpu *c, const struct tc_hp_params *p)
{
	if (c->window_ns > p->max_ns)
		c->window_ns = p->max_ns;
	if (c->target_ns > p->max_ns)
		c->target_ns = p->max_ns;
}

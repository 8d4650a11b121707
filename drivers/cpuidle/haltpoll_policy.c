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
	unsigned int i;
	u32 c, prev = 0;

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
	if (p->halt_cost_ns > TC_HP_LIMIT_WORTH_NS)
		return "halt_cost_ns";
	for (i = 0; i < TC_HP_COST_POINTS; i++) {
		c = p->halt_cost_at_ns[i];
		if (c > TC_HP_LIMIT_WORTH_NS || (i && (c < prev || (c && !prev))))
			return "halt_cost_at_ns";
		prev = c;
	}
	return NULL;
}

void tc_hp_cpu_init(struct tc_hp_cpu *c)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < TC_HP_CONTEXTS; i++)
		c->ctx[i].weight = TC_HP_WEIGHT_FIRST;
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

/* Adds a period to a context's histogram: O(1), the decay is in the weight. */
static void add_period(struct tc_hp_context *x, u64 idle_ns)
{
	unsigned int i;

	if (!x->weight)		/* never initialised */
		x->weight = TC_HP_WEIGHT_FIRST;
	x->hist[tc_hp_bucket(idle_ns)] += x->weight;
	x->total += x->weight;
	/* the next period weighs 1 + 2^-s + 2^-2s of this one: decay by 2^-s */
	x->weight += (x->weight >> TC_HP_DECAY_SHIFT) + (x->weight >> (2 * TC_HP_DECAY_SHIFT));
	if (x->weight < TC_HP_WEIGHT_RESCALE)
		return;
	x->total = 0;
	for (i = 0; i < TC_HP_BUCKETS; i++) {
		x->hist[i] >>= TC_HP_RESCALE_SHIFT;
		x->total += x->hist[i];
	}
	x->weight >>= TC_HP_RESCALE_SHIFT;
}

u32 tc_hp_hit_worth(const struct tc_hp_params *p)
{
	if (p->hit_worth_ns)
		return p->hit_worth_ns;
	return p->halt_cost_ns ? p->halt_cost_ns : TC_HP_FALLBACK_WORTH_NS;
}

static const u32 cost_halt_us[TC_HP_COST_POINTS] = TC_HP_COST_HALT_US;

static u64 cost_halt_ns(unsigned int i)
{
	return (u64)cost_halt_us[i] * 1000;
}

u32 tc_hp_halt_cost_at(const struct tc_hp_params *p, u64 halt_ns)
{
	const u32 *c = p->halt_cost_at_ns;
	u64 h0, h1;
	unsigned int i;

	if (!c[0])
		return p->halt_cost_ns;
	for (i = 0; i < TC_HP_COST_POINTS; i++) {
		h1 = cost_halt_ns(i);
		if (halt_ns >= h1)
			continue;
		if (!i)
			return c[0];
		h0 = cost_halt_ns(i - 1);
		if (c[i] <= c[i - 1])	/* flat, or a table out of order */
			return c[i - 1];
		return c[i - 1] + (u32)((u64)(c[i] - c[i - 1]) * (halt_ns - h0) / (h1 - h0));
	}
	return c[TC_HP_COST_POINTS - 1];
}

void tc_hp_cost_table_fix(u32 *cost_ns)
{
	unsigned int i;

	for (i = 0; i < TC_HP_COST_POINTS; i++) {
		cost_ns[i] = (u32)min_u64(max_u64(cost_ns[i], 1), TC_HP_MAX_NS);
		if (i && cost_ns[i] < cost_ns[i - 1])
			cost_ns[i] = cost_ns[i - 1];
	}
}

/*
 * The length of a halt that measured @r from HLT to the period's end: r
 * is the halt plus its wakeup cost, h + cost(h), which grows with h, so
 * it is inverted segment by segment of the table.
 */
static u64 halt_length(const struct tc_hp_params *p, u64 r)
{
	const u32 *c = p->halt_cost_at_ns;
	u64 h0, h1, g0, g1;
	unsigned int i;

	if (!c[0])
		return r > p->halt_cost_ns ? r - p->halt_cost_ns : 0;
	g0 = cost_halt_ns(0) + c[0];
	if (r <= g0)
		return r > c[0] ? r - c[0] : 0;
	for (i = 1; i < TC_HP_COST_POINTS; i++, g0 = g1) {
		h0 = cost_halt_ns(i - 1);
		h1 = cost_halt_ns(i);
		g1 = h1 + c[i];
		if (r < g1)
			return h0 + (r - g0) * (h1 - h0) / (g1 - g0);
	}
	return r - c[TC_HP_COST_POINTS - 1];
}

/*
 * The window up to @limit_ns that maximises hit_worth * caught - window *
 * missed over the histogram (0 if none earns 1/16 of hit_worth per period). A window at a
 * bucket's top catches the whole bucket; the bucket the limit falls into
 * counts as caught in proportion to the part of it below the limit.
 */
static u32 best_window(const struct tc_hp_context *x, const struct tc_hp_params *p,
		       u64 limit_ns)
{
	s64 worth = tc_hp_hit_worth(p), score;
	/* a window must pay a little: at a break-even one, noise flips the choice */
	s64 best_score = (worth * (s64)x->total) >> TC_HP_MARGIN_SHIFT;
	/* catching a period saves what halting for it would have cost */
	bool by_length = !p->hit_worth_ns && p->halt_cost_at_ns[0];
	u64 caught = 0, window, bottom = 0, top, part;
	s64 saved = 0;
	u32 best = 0;
	unsigned int i;

	for (i = 0; i < TC_HP_BUCKETS - 1 && bottom < limit_ns; i++, bottom = top) {
		top = tc_hp_bucket_top_ns(i);
		if (top <= limit_ns) {
			window = top;
			part = x->hist[i];
		} else {
			window = limit_ns;
			part = x->hist[i] * (limit_ns - bottom) / (top - bottom);
		}
		caught += part;
		if (by_length)
			worth = tc_hp_halt_cost_at(p, (bottom + top) / 2);
		saved += worth * (s64)part;
		score = saved - (s64)window * (s64)(x->total - caught);
		if (score > best_score) {
			best_score = score;
			best = (u32)window;
		}
	}
	return best;
}

/*
 * One step of the window towards the target. Growing, the reach grows by
 * the grow factor per period and the window is the best one within it,
 * so a ramp through windows that catch nothing polls nothing. Shrinking,
 * by the shrink divisor, only once the target has stayed below for
 * TC_HP_SHRINK_AFTER periods, so one odd period changes nothing.
 */
static void step(struct tc_hp_context *x, const struct tc_hp_params *p)
{
	u64 window = x->window_ns, target = x->target_ns, reach = x->reach_ns, next;

	if (target < window)
		x->shrink_votes++;
	else
		x->shrink_votes = 0;

	if (target > window) {
		next = max_u64(reach * p->grow, p->grow_start_ns);
		if (!p->grow || !next)
			next = target;
		reach = min_u64(max_u64(next, reach), target);
		/*
		 * On the way up, a window below the current one that pays
		 * better is taken, unless shrinking is not allowed at all.
		 */
		next = reach == target ? target : best_window(x, p, reach);
		window = p->allow_shrink ? next : max_u64(window, next);
	} else if (target < window && p->allow_shrink &&
		   x->shrink_votes >= TC_HP_SHRINK_AFTER) {
		next = p->shrink ? window / p->shrink : 0;
		/* below a microsecond a window catches nothing: go all the way */
		window = next < TC_HP_FIRST_NS ? target : max_u64(next, target);
		reach = window;
	} else if (target == window) {
		reach = window;
	}
	x->window_ns = (u32)min_u64(window, p->max_ns);
	x->reach_ns = (u32)min_u64(reach, p->max_ns);
}

/*
 * When the wakeup came, as far as the CPU can tell: a halted period's end
 * is late by the halt's wakeup cost, and it lasted at least its poll.
 */
static u64 event_ns(const struct tc_hp_params *p, const struct tc_hp_period *period)
{
	u64 idle = period->idle_ns, polled = period->polled_ns;

	if (!period->halted)
		return idle;
	if (idle <= polled)
		return polled;
	return polled + halt_length(p, idle - polled);
}

enum tc_hp_change tc_hp_record(struct tc_hp_cpu *c, const struct tc_hp_params *p,
			       const struct tc_hp_period *period)
{
	struct tc_hp_context *x = &c->ctx[c->context % TC_HP_CONTEXTS];
	struct tc_hp_stats *s = &c->stats;
	u32 old_window = c->window_ns, old_context = c->context;
	u64 event;

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
	s->periods++;

	event = event_ns(p, period);
	add_period(x, event);
	/*
	 * Caught wakeups rescan only now and then: they are the periods that
	 * must stay cheap. A miss looks at once (it ended in a halt anyway).
	 */
	if (++x->since_scan >= TC_HP_RESCAN_EVERY || !period->hit) {
		x->target_ns = best_window(x, p, p->max_ns);
		x->since_scan = 0;
	}
	step(x, p);

	/*
	 * A short piece of a sleep that an interrupt ended without waking a
	 * task (a tick) says nothing of the phase: the sleep goes on. The
	 * context stays, or the rest of the sleep would be learnt as what
	 * follows a short period. A long piece is a long sleep all the same.
	 */
	if (event > p->max_ns || !period->irq_only)
		c->context = event > p->max_ns;
	c->window_ns = c->ctx[c->context].window_ns;
	c->target_ns = c->ctx[c->context].target_ns;

	if (c->window_ns == old_window)
		return TC_HP_KEPT;
	s->window_changes++;
	if (c->context != old_context)
		return TC_HP_SWITCHED;
	return c->window_ns > old_window ? TC_HP_GREW : TC_HP_SHRANK;
}

void tc_hp_clamp(struct tc_hp_cpu *c, const struct tc_hp_params *p)
{
	unsigned int i;

	for (i = 0; i < TC_HP_CONTEXTS; i++) {
		c->ctx[i].window_ns = min_u64(c->ctx[i].window_ns, p->max_ns);
		c->ctx[i].target_ns = min_u64(c->ctx[i].target_ns, p->max_ns);
		c->ctx[i].reach_ns = min_u64(c->ctx[i].reach_ns, p->max_ns);
	}
	c->window_ns = min_u64(c->window_ns, p->max_ns);
	c->target_ns = min_u64(c->target_ns, p->max_ns);
}

/* Sorts a few samples in place (insertion: the probe takes 15). */
static void sort_few(u64 *v, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		u64 x = v[i];

		for (j = i; j && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

u64 tc_hp_median(u64 *v, unsigned int n)
{
	if (!n)
		return 0;
	sort_few(v, n);
	return v[n / 2];
}

u32 tc_hp_halt_cost(u64 halted_ns, u64 polled_ns)
{
	if (halted_ns <= polled_ns)
		return 1;	/* 0 would mean unknown */
	return (u32)min_u64(halted_ns - polled_ns, TC_HP_MAX_NS);
}

bool tc_hp_probe_plausible(u64 halted_ns, u64 polled_ns)
{
	return halted_ns > polled_ns && halted_ns / 2 >= polled_ns;
}

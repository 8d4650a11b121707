/* SPDX-License-Identifier: GPL-2.0 */
/*
 * taxcut's adaptive guest halt-polling policy: how long an idle CPU polls
 * before it halts. Pure (no kernel state): the in-tree governor and the
 * loadable cpuidle driver feed it idle periods and ask it for a budget.
 *
 * Each CPU keeps a decayed histogram of its recent idle periods, measured
 * whole (polling and halting together), a halted one less the measured halt
 * cost: that part is the halt's own wakeup, not the wait for an event, and
 * where halts are slow it would hide every short period past the cap. The
 * target window is the one that maximises  hit_worth * (periods it would
 * catch) - window * (periods it would miss), i.e. a poll is kept only while
 * the halt latency it saves is worth more than the polling time it wastes;
 * by default hit_worth is the measured halt cost. The window moves towards the
 * target at most by upstream's grow and shrink factors per idle period, and
 * the poll never runs past the next timer event the CPU knows about.
 * docs/haltpoll.md explains the design.
 */
#ifndef _TAXCUT_HALTPOLL_POLICY_H
#define _TAXCUT_HALTPOLL_POLICY_H

#include <taxcut/pure.h>

/*
 * Idle-period buckets: [0, 1 us), then four per octave from 1 us (units
 * of 1024 ns) up to TC_HP_MAX_NS; the last bucket holds everything longer.
 */
#define TC_HP_PER_OCTAVE	4
#define TC_HP_OCTAVES		13
#define TC_HP_BUCKETS		(1 + TC_HP_OCTAVES * TC_HP_PER_OCTAVE + 1)
#define TC_HP_MAX_NS		8000000u	/* largest allowed window cap */

/*
 * Idle periods come in phases (a burst of short ones, then long sleeps),
 * so what follows a period depends on it: each CPU learns two contexts,
 * the periods that followed one the window could catch (at most the cap)
 * and those that followed a longer one, each with its own histogram,
 * target and window. The context of the next period is the class of the
 * one just ended; switching between the two windows is immediate.
 */
#define TC_HP_CONTEXTS		2

/*
 * Histogram weights decay by about 1/TC_HP_DECAY per idle period of their
 * context. Lazily: instead of scaling every bucket down, each new period
 * weighs a little more than the last, and all weights are scaled down
 * together once they grow large.
 */
#define TC_HP_DECAY_SHIFT	6
#define TC_HP_WEIGHT_FIRST	(1u << 12)
#define TC_HP_WEIGHT_RESCALE	(1u << 24)
#define TC_HP_RESCALE_SHIFT	12
/* A context's target is recomputed after every miss, and every few caught periods. */
#define TC_HP_RESCAN_EVERY	4
/* A window must earn hit_worth >> this per period on average to be chosen. */
#define TC_HP_MARGIN_SHIFT	4
/* A window shrinks only after this many periods in a row ask for it. */
#define TC_HP_SHRINK_AFTER	2

/*
 * A halt's cost depends on how long the vCPU stayed halted: the longer the
 * host thread sleeps, the deeper its host CPU idles and the slower it
 * wakes (on the emulated host: 15 us after a halt of 20-100 us, 50 us
 * after 200 us). The probe measures it after halts of these lengths.
 */
#define TC_HP_COST_POINTS	5
#define TC_HP_COST_HALT_US	{ 20, 50, 100, 200, 400 }

struct tc_hp_params {
	u32 max_ns;		/* guest_halt_poll_ns: the window's cap */
	u32 grow;		/* guest_halt_poll_grow: factor, 0 = jump */
	u32 grow_start_ns;	/* guest_halt_poll_grow_start: first window */
	u32 shrink;		/* guest_halt_poll_shrink: divisor, 0 = jump */
	bool allow_shrink;	/* guest_halt_poll_allow_shrink */
	u32 hit_worth_ns;	/* wasted polling one caught wakeup is worth, 0: halt_cost_ns */
	u32 halt_cost_ns;	/* measured: a halted wakeup's cost over a polled one, 0: unknown */
	/*
	 * Measured: the same after a halt of TC_HP_COST_HALT_US[i], never
	 * less than the point before; all 0: halt_cost_ns at every length.
	 */
	u32 halt_cost_at_ns[TC_HP_COST_POINTS];
};

/* The exchange rate while the halt cost is unknown and none is set. */
#define TC_HP_FALLBACK_WORTH_NS	100000u

/* Upstream's defaults where the meaning is the same, and ours. */
#define TC_HP_DEFAULT_PARAMS {			\
	.max_ns = 200000,			\
	.grow = 2,				\
	.grow_start_ns = 50000,			\
	.shrink = 2,				\
	.allow_shrink = true,			\
	.hit_worth_ns = 0,			\
}

struct tc_hp_stats {
	u64 polls;		/* idle periods that polled */
	u64 poll_hits;		/* ... and caught their wakeup polling */
	u64 poll_misses;	/* ... and ran out of budget, then halted */
	u64 halts;		/* idle periods that halted (after a miss or not) */
	u64 poll_ns;		/* time spent polling */
	u64 wasted_ns;		/* the part of it that timed out */
	u64 timer_capped;	/* polls cut short by the next timer event */
	u64 periods;		/* idle periods learnt from */
	u64 window_changes;	/* ... after which the window was another */
};

struct tc_hp_context {
	u32 window_ns;		/* the poll window in this context */
	u32 target_ns;		/* where its histogram says it should be */
	u32 reach_ns;		/* how far the window may grow by now */
	u32 shrink_votes;	/* periods in a row with the target below */
	u32 since_scan;		/* periods since the target was computed */
	u32 weight;		/* of the next period (grows: lazy decay) */
	u64 total;		/* sum of hist[] */
	u32 hist[TC_HP_BUCKETS];
};

struct tc_hp_cpu {
	u32 window_ns;		/* the poll window now: the current context's */
	u32 target_ns;		/* ... and its target */
	u32 context;		/* the next period's: 1 after one past the cap */
	struct tc_hp_context ctx[TC_HP_CONTEXTS];
	struct tc_hp_stats stats;
};

/* How an idle period went, as the glue measured it. */
struct tc_hp_period {
	u64 idle_ns;		/* whole period: polling and halting */
	u64 polled_ns;		/* the polling part */
	u64 budget_ns;		/* what tc_hp_budget() allowed */
	bool hit;		/* the wakeup came while polling */
	bool halted;		/* the CPU halted */
	bool timer_capped;	/* the budget was cut by the next timer */
	bool irq_only;		/* a halt ended by an interrupt that woke no task */
};

/* Returns NULL if @p is valid, else the name of the first bad field. */
const char *tc_hp_params_invalid(const struct tc_hp_params *p);

void tc_hp_cpu_init(struct tc_hp_cpu *c);

/*
 * The poll budget for the idle period starting now: the window, never past
 * @next_event_ns (time to the next timer event the CPU knows about, U64_MAX
 * if none). 0 means halt at once. Sets *@timer_capped if the timer cut it.
 */
u64 tc_hp_budget(const struct tc_hp_cpu *c, const struct tc_hp_params *p,
		 u64 next_event_ns, bool *timer_capped);

/* Why the window changed after a period (the trace event's reason). */
enum tc_hp_change {
	TC_HP_KEPT,		/* it did not */
	TC_HP_GREW,		/* towards a higher target, within the reach */
	TC_HP_SHRANK,		/* towards a lower target */
	TC_HP_SWITCHED,		/* the next period's context has another window */
};

/*
 * Learns from one idle period: statistics, histogram, target, window.
 * Returns why c->window_ns changed, TC_HP_KEPT if it did not.
 */
enum tc_hp_change tc_hp_record(struct tc_hp_cpu *c, const struct tc_hp_params *p,
			       const struct tc_hp_period *period);

/* How an idle period ended, in the order the trace event names them. */
enum tc_hp_outcome {
	TC_HP_CAUGHT,		/* the wakeup came while polling */
	TC_HP_TIMED_OUT,	/* the window ran out, then the CPU halted */
	TC_HP_TIMER_CAPPED,	/* a budget cut by the next timer ran out, then halted */
	TC_HP_HALTED,		/* no poll: halted at once */
	TC_HP_NOT_IDLE,		/* no poll, no halt: woken before it could */
};

/* Inline: an argument of a trace event, computed even while it is off. */
static inline enum tc_hp_outcome tc_hp_outcome(const struct tc_hp_period *period)
{
	if (period->budget_ns) {
		if (period->hit)
			return TC_HP_CAUGHT;
		return period->timer_capped ? TC_HP_TIMER_CAPPED : TC_HP_TIMED_OUT;
	}
	return period->halted ? TC_HP_HALTED : TC_HP_NOT_IDLE;
}

/* The exchange rate in use: hit_worth_ns, else the halt cost, else a guess. */
u32 tc_hp_hit_worth(const struct tc_hp_params *p);

/*
 * What a wakeup after a halt of @halt_ns costs: halt_cost_at_ns[]
 * interpolated between its points (constant past either end), else
 * halt_cost_ns.
 */
u32 tc_hp_halt_cost_at(const struct tc_hp_params *p, u64 halt_ns);

/*
 * Makes a measured table usable: each point at least the one before (a
 * longer halt costs no less), each at least 1 ns, at most TC_HP_MAX_NS.
 */
void tc_hp_cost_table_fix(u32 *cost_ns);

/*
 * The halt cost from the probe's round trips (haltpoll_probe.c): the
 * median to a halted CPU less the median to a polling one, at least 1 ns
 * (0 means unknown), at most TC_HP_MAX_NS. tc_hp_median() sorts @v.
 */
u64 tc_hp_median(u64 *v, unsigned int n);
u32 tc_hp_halt_cost(u64 halted_ns, u64 polled_ns);

/*
 * Whether the round trips measured a halt at all: a polling CPU wakes
 * without an exit, so on a host that runs the vCPUs it is at least twice
 * as fast; else the vCPUs were not running when called and the difference
 * is the host's scheduling noise.
 */
bool tc_hp_probe_plausible(u64 halted_ns, u64 polled_ns);

/* Keeps the window inside the (possibly changed) parameters. */
void tc_hp_clamp(struct tc_hp_cpu *c, const struct tc_hp_params *p);

/* Bucket of an idle period, and the window that catches a whole bucket. */
unsigned int tc_hp_bucket(u64 ns);
u64 tc_hp_bucket_top_ns(unsigned int bucket);

#endif /* _TAXCUT_HALTPOLL_POLICY_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * One region's scan. Everything in shared memory may change under us at any
 * time and may hold anything: each guest field is loaded once, the slot
 * count and sizes come from the agent's own state, and the work per pass is
 * bounded by nr_slots whatever the guest writes.
 */
#include <string.h>
#include "scan.h"

#define LOAD(p)		__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define STORE(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

_Static_assert(sizeof(struct taxcut_et_header) == TAXCUT_ET_LINE, "header: one line");
_Static_assert(sizeof(struct taxcut_et_slot) == TAXCUT_ET_SLOT_SIZE, "slot: two lines");
_Static_assert(__builtin_offsetof(struct taxcut_et_slot, fired_seq) == TAXCUT_ET_LINE,
	       "the agent's half of a slot starts a line");

static volatile struct taxcut_et_header *header(struct et_region *r)
{
	return (volatile struct taxcut_et_header *)r->mem;
}

static volatile struct taxcut_et_slot *slot(struct et_region *r, uint32_t n)
{
	return (volatile struct taxcut_et_slot *)((volatile char *)r->mem +
						  TAXCUT_ET_SLOT_OFFSET((size_t)n));
}

size_t et_region_size(uint32_t nr_slots)
{
	size_t need = TAXCUT_ET_REGION_BYTES((size_t)nr_slots), size = 4096;

	while (size < need)
		size *= 2;
	return size;
}

/* splitmix64's step: a new instance from the last, never 0 */
static uint64_t next_instance(uint64_t x)
{
	do {
		x += 0x9e3779b97f4a7c15ull;
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
		x ^= x >> 31;
	} while (!x);
	return x;
}

static void store_header_fields(struct et_region *r, uint64_t now_ns, uint64_t next_look_ns)
{
	volatile struct taxcut_et_header *h = header(r);

	h->magic = TAXCUT_ET_MAGIC;
	h->version = TAXCUT_ET_VERSION;
	h->nr_slots = r->nr_slots;
	h->heartbeat_ns = r->heartbeat_ns;
	h->scan_period_ns = r->scan_period_ns;
	h->now_ns = now_ns;
	STORE(h->horizon_ns, next_look_ns);
	/* after its clock: a guest that acquires a new instance reads that clock */
	STORE(h->instance, r->instance);
}

/*
 * The region's contents came from elsewhere: a migration writes the
 * source's region over this one, a loaded snapshot writes the region as it
 * was. The guest's slots and sequence numbers are then another history
 * than the one remembered here (a remembered fired_seq could match a
 * restored slot's and drop its deadline). So the region starts a new
 * instance: every armed slot is foreign, fired at once, and the guest
 * writes it again in this clock.
 */
static void restored(struct et_region *r)
{
	uint32_t n;

	r->restores++;
	r->instance = next_instance(r->instance);
	r->seen_current = false;
	for (n = 0; n < r->nr_slots; n++) {
		r->slot[n].fired_seq_valid = false;
		r->slot[n].foreign_gap_ns = 0;	/* a new history: fired at once */
	}
}

/*
 * The beat after a restore: random again, so no later copy of the source's
 * region (its pass count may run in step with this one) can match it.
 */
static uint64_t fresh_beat(const struct et_region *r, uint64_t found)
{
	uint64_t beat = next_instance(r->instance ^ found);

	return beat == found ? beat + 1 : beat;
}

/*
 * The header's heartbeat is this agent's alone (it starts at a random
 * value): if it is not what the agent stored last, the region was rewritten
 * from outside. Looked at before the fields are stored, so a restore found
 * publishes the new instance at once, and checked again by the beat's
 * compare-and-swap, so a rewrite landing while they are stored is not lost.
 * The guest always sees the beat change.
 * A guest scribbling on the header gets only its own slots fired early.
 */
static void publish_header(struct et_region *r, uint64_t now_ns, uint64_t next_look_ns)
{
	volatile struct taxcut_et_header *h = header(r);
	uint64_t found = LOAD(h->heartbeat), beat = found + 1;

	if (found != r->heartbeat) {
		restored(r);
		beat = fresh_beat(r, found);
	}
	store_header_fields(r, now_ns, next_look_ns);
	if (!__atomic_compare_exchange_n(&h->heartbeat, &found, beat, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		restored(r);
		beat = fresh_beat(r, found);
		store_header_fields(r, now_ns, next_look_ns);
		STORE(h->heartbeat, beat);
	}
	r->heartbeat = beat;
	/*
	 * The horizon before any slot load: a guest stores its slot, fences,
	 * then loads the horizon. Either this pass sees its deadline or the
	 * guest sees this promise (docs/exitless-timer.md, "the horizon").
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * Whether seq's deadline was fired already: the agent's own memory, trusted
 * only while the slot's agent line still holds what the agent stored there
 * (a restore that slipped in after this pass's beat rewrites it).
 */
static bool already_fired(volatile struct taxcut_et_slot *s, const struct et_slot_state *st,
			  uint32_t seq)
{
	return st->fired_seq_valid && seq == st->fired_seq &&
	       LOAD(s->fired_seq) == st->fired_seq && LOAD(s->fired) == st->fired;
}

/*
 * A deadline in another instance's clock (the agent restarted on a kept
 * region, or the region was restored) means nothing here: it is due now,
 * the guest finds it early and writes it again in this clock. Until it
 * does, it fires again at a doubling gap, 1 ms to 1 s: its first interrupt
 * may be lost while a migrated VM's vectors are restored. Then it is left
 * to the guest's watch (a CPU that left a deadline behind, or a guest that
 * keeps its slots foreign, gets no interrupt per second forever), until
 * the slot holds another sequence number or the region another history.
 */
static bool foreign_due(const struct et_slot_state *st, uint32_t seq, uint64_t now_ns)
{
	return !st->foreign_gap_ns || seq != st->foreign_seq || now_ns >= st->foreign_next_ns;
}

static void foreign_fired(struct et_slot_state *st, uint32_t seq, uint64_t now_ns)
{
	if (!st->foreign_gap_ns || seq != st->foreign_seq)
		st->foreign_gap_ns = ET_FOREIGN_GAP_MIN_NS;
	else if (st->foreign_gap_ns < ET_FOREIGN_GAP_MAX_NS)
		st->foreign_gap_ns *= 2;
	else
		st->foreign_gap_ns = UINT64_MAX;	/* given up on */
	st->foreign_seq = seq;
	st->foreign_next_ns = st->foreign_gap_ns == UINT64_MAX ? UINT64_MAX
							       : now_ns + st->foreign_gap_ns;
}

bool et_region_init(struct et_region *r, volatile void *mem, size_t size, uint32_t nr_slots,
		    uint64_t heartbeat_ns, uint64_t scan_period_ns, uint64_t instance,
		    uint64_t now_ns)
{
	if (nr_slots == 0 || nr_slots > TAXCUT_ET_MAX_SLOTS || size < et_region_size(nr_slots) ||
	    !instance)
		return false;
	memset(r, 0, sizeof(*r));
	r->mem = mem;
	r->size = size;
	r->nr_slots = nr_slots;
	r->heartbeat_ns = heartbeat_ns;
	r->scan_period_ns = scan_period_ns;
	r->min_refire_ns = 10000;
	r->instance = instance;
	/* from the random instance: another agent's region never matches it */
	r->heartbeat = next_instance(instance);
	memset((void *)mem, 0, size);
	STORE(header(r)->heartbeat, r->heartbeat);
	publish_header(r, now_ns, now_ns);
	return true;
}

void et_region_budget(struct et_region *r, uint64_t rate, uint32_t per_pass, uint64_t now_ns)
{
	et_budget_init(&r->budget, rate, per_pass, now_ns);
}

/*
 * The promise the last pass made: this look must come before it. A look
 * after it may have left a guest's deadline unseen past its due time.
 */
static void check_promise(struct et_region *r, uint64_t now_ns)
{
	uint64_t planned = r->last_look_ns + r->scan_period_ns;

	r->look_late_ns = r->promised_ns && now_ns > planned ? now_ns - planned : 0;
	if (r->promised_ns && now_ns > r->promised_ns) {
		r->broken_promises++;
		if (now_ns - r->promised_ns > r->broken_max_ns)
			r->broken_max_ns = now_ns - r->promised_ns;
	}
	r->last_look_ns = now_ns;
	r->promised_ns = 0;
}

static void record_lateness(struct et_region *r, struct et_slot_state *st, uint64_t late_ns,
			    bool foreign)
{
	uint64_t us = late_ns / 1000;

	if (late_ns > st->late_max_ns)
		st->late_max_ns = late_ns;
	/* saturates: a guest's deadline of 1 is a lateness of the whole uptime */
	if (__builtin_add_overflow(st->late_sum_ns, late_ns, &st->late_sum_ns))
		st->late_sum_ns = UINT64_MAX;
	/* a foreign deadline's lateness is the other clock's, not this agent's */
	if (!foreign)
		r->late_hist[us < ET_LATE_BUCKETS ? us : ET_LATE_BUCKETS - 1]++;
}

void et_region_stop(struct et_region *r)
{
	r->heartbeat_ns = 0;
	header(r)->heartbeat_ns = 0;
	STORE(header(r)->heartbeat, ++r->heartbeat);
}

uint64_t et_scan(struct et_region *r, uint64_t now_ns, uint64_t next_look_ns,
		 et_fire_fn fire, void *ctx)
{
	uint64_t earliest = UINT64_MAX, retry = UINT64_MAX;
	uint32_t k, n, m, first = r->first_slot < r->nr_slots ? r->first_slot : 0;
	bool refused = false, fired = false, busy = false;

	check_promise(r, now_ns);
	et_budget_pass(&r->budget, now_ns);
	publish_header(r, now_ns, next_look_ns);
	r->promised_ns = next_look_ns;
	for (k = 0, n = first; k < r->nr_slots; k++, n = n + 1 == r->nr_slots ? 0 : n + 1) {
		volatile struct taxcut_et_slot *s = slot(r, n);
		struct et_slot_state *st = &r->slot[n];
		uint64_t deadline, instance;
		uint32_t seq1, seq2;
		bool foreign;

		seq1 = LOAD(s->seq);
		deadline = LOAD(s->deadline_ns);
		instance = LOAD(s->instance);
		seq2 = LOAD(s->seq);
		if ((seq1 & 1) || seq1 != seq2) {
			busy = true;	/* being written: next pass */
			continue;
		}
		if (deadline == 0)
			continue;	/* nothing armed */
		foreign = instance != r->instance;
		if (foreign) {
			if (!foreign_due(st, seq1, now_ns))
				continue;
			deadline = now_ns;
		} else {
			st->foreign_gap_ns = 0;
			if (!r->seen_current) {
				/*
				 * The guest writes in this instance: the VM runs
				 * here now (a migration's copies are over), so
				 * what is still foreign fires again at once.
				 */
				r->seen_current = true;
				for (m = 0; m < r->nr_slots; m++)
					r->slot[m].foreign_gap_ns = 0;
			}
			if (already_fired(s, st, seq1))
				continue;
			if (deadline > now_ns) {
				if (deadline < earliest)
					earliest = deadline;
				continue;
			}
		}
		if (st->fired_any && now_ns - st->last_fire_ns < r->min_refire_ns) {
			busy = true;
			st->rate_limited++;
			if (st->last_fire_ns + r->min_refire_ns < retry)
				retry = st->last_fire_ns + r->min_refire_ns;
			continue;
		}
		if (!et_budget_take(&r->budget)) {
			/* due: stays armed, and goes first in the next pass */
			if (!refused)
				r->first_slot = n;
			refused = true;
			continue;
		}
		if (foreign) {
			foreign_fired(st, seq1, now_ns);
			st->foreign++;
		}
		/* a foreign deadline fires again until rewritten: no dedup */
		st->fired_seq_valid = !foreign;
		st->fired_any = true;
		st->fired_seq = seq1;
		st->last_fire_ns = now_ns;
		st->fired++;
		record_lateness(r, st, now_ns - deadline, foreign);
		STORE(s->fired_seq, seq1);
		s->fired = st->fired;
		fired = true;
		fire(ctx, n);
	}
	/* nothing due at all: the guest moved the deadline it woke us for */
	if (r->woke_early && !fired && !refused && !busy)
		et_budget_charge_wake(&r->budget);
	r->woke_early = false;
	if (et_budget_heavy(&r->budget))
		return UINT64_MAX;
	if (refused)
		return now_ns;
	return earliest < retry ? earliest : retry;
}

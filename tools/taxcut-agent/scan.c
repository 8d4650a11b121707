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

static void publish_header(struct et_region *r, uint64_t now_ns, uint64_t next_look_ns)
{
	volatile struct taxcut_et_header *h = header(r);

	/*
	 * Rewritten every pass: a guest scribbling here, or a region copied
	 * in from another host by a migration, changes nothing for long.
	 */
	h->magic = TAXCUT_ET_MAGIC;
	h->version = TAXCUT_ET_VERSION;
	h->nr_slots = r->nr_slots;
	h->heartbeat_ns = r->heartbeat_ns;
	h->scan_period_ns = r->scan_period_ns;
	h->now_ns = now_ns;
	STORE(h->horizon_ns, next_look_ns);
	/* after its clock: a guest that acquires a new instance reads that clock */
	STORE(h->instance, r->instance);
	STORE(h->heartbeat, ++r->heartbeat);
	/*
	 * The horizon before any slot load: a guest stores its slot, fences,
	 * then loads the horizon. Either this pass sees its deadline or the
	 * guest sees this promise (docs/exitless-timer.md, "the horizon").
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
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
	memset((void *)mem, 0, size);
	publish_header(r, now_ns, now_ns);
	return true;
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
	uint64_t earliest = UINT64_MAX;
	uint32_t n;

	publish_header(r, now_ns, next_look_ns);
	for (n = 0; n < r->nr_slots; n++) {
		volatile struct taxcut_et_slot *s = slot(r, n);
		struct et_slot_state *st = &r->slot[n];
		uint64_t deadline, instance;
		uint32_t seq1, seq2;

		seq1 = LOAD(s->seq);
		deadline = LOAD(s->deadline_ns);
		instance = LOAD(s->instance);
		seq2 = LOAD(s->seq);
		if ((seq1 & 1) || seq1 != seq2 || deadline == 0)
			continue;	/* being written, or nothing armed: next pass */
		if (st->fired_any && seq1 == st->fired_seq)
			continue;	/* already fired */
		/*
		 * A deadline in another instance's clock (the agent restarted on
		 * a kept region, or the VM came from another host) means nothing
		 * here: fire it now, the guest finds it early and writes it again
		 * in this clock.
		 */
		if (instance != r->instance) {
			st->foreign++;
			deadline = now_ns;
		}
		if (deadline > now_ns) {
			if (deadline < earliest)
				earliest = deadline;
			continue;
		}
		if (st->fired_any && now_ns - st->last_fire_ns < r->min_refire_ns) {
			st->rate_limited++;
			if (st->last_fire_ns + r->min_refire_ns < earliest)
				earliest = st->last_fire_ns + r->min_refire_ns;
			continue;
		}
		st->fired_any = true;
		st->fired_seq = seq1;
		st->last_fire_ns = now_ns;
		st->fired++;
		if (now_ns - deadline > st->late_max_ns)
			st->late_max_ns = now_ns - deadline;
		st->late_sum_ns += now_ns - deadline;
		STORE(s->fired_seq, seq1);
		s->fired = st->fired;
		fire(ctx, n);
	}
	return earliest;
}

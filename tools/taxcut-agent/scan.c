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

static volatile struct taxcut_et_header *header(struct et_region *r)
{
	return (volatile struct taxcut_et_header *)r->mem;
}

static volatile struct taxcut_et_slot *slot(struct et_region *r, uint32_t n)
{
	return (volatile struct taxcut_et_slot *)((volatile char *)r->mem +
						  TAXCUT_ET_LINE * (1 + (size_t)n));
}

size_t et_region_size(uint32_t nr_slots)
{
	size_t need = TAXCUT_ET_LINE * (1 + (size_t)nr_slots), size = 4096;

	while (size < need)
		size *= 2;
	return size;
}

static void publish_header(struct et_region *r, uint64_t now_ns)
{
	volatile struct taxcut_et_header *h = header(r);

	/* rewritten every pass: a guest scribbling here changes nothing for long */
	h->magic = TAXCUT_ET_MAGIC;
	h->version = TAXCUT_ET_VERSION;
	h->nr_slots = r->nr_slots;
	h->heartbeat_ns = r->heartbeat_ns;
	h->scan_period_ns = r->scan_period_ns;
	h->now_ns = now_ns;
	STORE(h->heartbeat, ++r->heartbeat);
}

bool et_region_init(struct et_region *r, volatile void *mem, size_t size, uint32_t nr_slots,
		    uint64_t heartbeat_ns, uint64_t scan_period_ns, uint64_t now_ns)
{
	if (nr_slots == 0 || nr_slots > TAXCUT_ET_MAX_SLOTS || size < et_region_size(nr_slots))
		return false;
	memset(r, 0, sizeof(*r));
	r->mem = mem;
	r->size = size;
	r->nr_slots = nr_slots;
	r->heartbeat_ns = heartbeat_ns;
	r->scan_period_ns = scan_period_ns;
	r->min_refire_ns = 10000;
	memset((void *)mem, 0, size);
	publish_header(r, now_ns);
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

	publish_header(r, now_ns);
	for (n = 0; n < r->nr_slots; n++) {
		volatile struct taxcut_et_slot *s = slot(r, n);
		struct et_slot_state *st = &r->slot[n];
		uint32_t seq1, seq2;
		uint64_t deadline;

		/* promise first: a deadline written after this load is seen next pass */
		STORE(s->horizon_ns, next_look_ns);
		seq1 = LOAD(s->seq);
		deadline = LOAD(s->deadline_ns);
		seq2 = LOAD(s->seq);
		if ((seq1 & 1) || seq1 != seq2 || deadline == 0)
			continue;	/* being written, or nothing armed: next pass */
		if (st->fired_any && seq1 == st->fired_seq)
			continue;	/* already fired */
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

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tools/taxcut-agent/scan.c: the slot protocol, then a fuzz
 * run with a hostile guest writing random bytes anywhere in the region.
 */
#include <stdlib.h>
#include <string.h>
#include "scan.h"
#include "tap.h"

#define SLOTS 8
#define GUARD 4096
#define INSTANCE 0x1234abcdull

static unsigned char arena[GUARD + 4096 + GUARD] __attribute__((aligned(64)));
static unsigned int fired[TAXCUT_ET_MAX_SLOTS + 1], fires, bad_index;

static void fire(void *ctx, uint32_t n)
{
	(void)ctx;
	if (n >= SLOTS)
		bad_index++;
	else
		fired[n]++;
	fires++;
}

static struct taxcut_et_slot *slot_of(void *mem, unsigned int n)
{
	return (struct taxcut_et_slot *)((char *)mem + TAXCUT_ET_SLOT_OFFSET(n));
}

static void arm_in(struct taxcut_et_slot *s, uint64_t deadline, uint64_t instance)
{
	s->seq++;		/* odd: writing */
	s->deadline_ns = deadline;
	s->instance = instance;
	s->seq++;		/* even: done */
}

static void arm(struct taxcut_et_slot *s, uint64_t deadline)
{
	arm_in(s, deadline, INSTANCE);
}

static uint64_t rnd(void)
{
	static uint64_t x = 0x2545f4914f6cdd1dull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static struct et_region r;

static void test_protocol(void)
{
	void *mem = arena + GUARD;
	struct taxcut_et_header *h = mem;
	struct taxcut_et_slot *s0 = slot_of(mem, 0), *s3 = slot_of(mem, 3);
	uint64_t next;

	tap_ok(et_region_size(1) == 4096 && et_region_size(31) == 4096 &&
	       et_region_size(32) == 8192 && et_region_size(255) == 32768,
	       "region sizes: 4 KiB up to 31 slots of two lines, powers of two beyond");
	tap_ok(!et_region_init(&r, mem, 4096, 0, 1000, 0, INSTANCE, 0) &&
	       !et_region_init(&r, mem, 4096, TAXCUT_ET_MAX_SLOTS + 1, 1000, 0, INSTANCE, 0) &&
	       !et_region_init(&r, mem, 4096, 32, 1000, 0, INSTANCE, 0) &&
	       !et_region_init(&r, mem, 4096, SLOTS, 1000, 0, 0, 0),
	       "init refuses 0 slots, too many slots, too small a region, instance 0");
	tap_ok(et_region_init(&r, mem, 4096, SLOTS, 1000000, 250000, INSTANCE, 5) &&
	       h->magic == TAXCUT_ET_MAGIC && h->version == 2 &&
	       h->nr_slots == SLOTS && h->heartbeat == 1 && h->now_ns == 5 &&
	       h->instance == INSTANCE,
	       "init publishes magic, version 2, slot count, heartbeat, clock, instance");

	arm(s0, 1000);
	next = et_scan(&r, 900, 1150, fire, NULL);
	tap_ok(fires == 0 && next == 1000 && h->horizon_ns == 1150 && !s3->fired_seq,
	       "a future deadline: nothing fired, reported as the next wakeup, horizon set");
	et_scan(&r, 1000, 1250, fire, NULL);
	tap_ok(fires == 1 && fired[0] == 1 && s0->fired_seq == s0->seq && s0->fired == 1,
	       "at the deadline: fired once, fired_seq and counter published");
	et_scan(&r, 1200, 1450, fire, NULL);
	tap_ok(fires == 1, "the same deadline is not fired twice");

	arm(s0, 1300);
	s0->seq++;		/* the guest is in the middle of writing */
	et_scan(&r, 50000, 50250, fire, NULL);
	tap_ok(fires == 1, "an odd sequence (write in progress) is left for the next pass");
	s0->seq++;
	et_scan(&r, 50001, 50250, fire, NULL);
	tap_ok(fires == 2 && fired[0] == 2, "then fired at the next pass");
	tap_ok(r.slot[0].late_max_ns == 50001 - 1300, "lateness recorded (%llu ns)",
	       (unsigned long long)r.slot[0].late_max_ns);

	arm(s0, 1);
	et_scan(&r, 50002, 50250, fire, NULL);
	tap_ok(fires == 2 && r.slot[0].rate_limited == 1,
	       "a slot re-armed within min_refire_ns waits (rate limit)");
	next = et_scan(&r, 50003, 50250, fire, NULL);
	tap_ok(next == 50001 + r.min_refire_ns, "and the wakeup is when the limit ends");
	et_scan(&r, 50001 + r.min_refire_ns, 90000, fire, NULL);
	tap_ok(fires == 3, "then it fires");

	arm(s3, 80000);
	arm(s3, 0);
	et_scan(&r, 90000, 90250, fire, NULL);
	tap_ok(fires == 3, "deadline 0 disarms");

	/* a deadline of another clock: a region kept across an agent restart or migrated in */
	arm_in(s3, 1ull << 62, INSTANCE + 1);
	next = et_scan(&r, 91000, 91250, fire, NULL);
	tap_ok(fires == 4 && fired[3] == 1 && r.slot[3].foreign == 1 && next == UINT64_MAX,
	       "a deadline in another instance's clock is fired at once, counted foreign");
	et_scan(&r, 92000, 92250, fire, NULL);
	tap_ok(fires == 4, "and only once");

	h->nr_slots = 200;
	h->magic = 0;
	et_scan(&r, 95000, 95250, fire, NULL);
	tap_ok(h->nr_slots == SLOTS && h->magic == TAXCUT_ET_MAGIC && r.nr_slots == SLOTS,
	       "a guest scribbling on the header changes nothing; the next pass rewrites it");
	et_region_stop(&r);
	tap_ok(h->heartbeat_ns == 0, "stopping publishes heartbeat_ns 0");
}

static void test_fuzz(void)
{
	unsigned char *mem = arena + GUARD;
	unsigned int pass, over = 0, dup = 0;
	bool guards = true;
	uint64_t now = 1000;
	size_t i;

	memset(arena, 0x5a, sizeof(arena));
	et_region_init(&r, mem, 4096, SLOTS, 1000000, 0, INSTANCE, now);
	bad_index = 0;
	for (pass = 0; pass < 200000; pass++) {
		unsigned int writes = rnd() % 16, before = fires, n;
		unsigned int per_slot[SLOTS] = { 0 };

		while (writes--) {
			size_t off = rnd() % 4096;
			uint64_t v = rnd();

			switch (rnd() % 4) {
			case 0:		/* a random byte anywhere */
				mem[off] = (unsigned char)v;
				break;
			case 1:		/* a random word anywhere, header included */
				memcpy(mem + (off & ~7ul), &v, 8);
				break;
			case 2:		/* a plausible arm, deadline near now */
				arm(slot_of(mem, v % SLOTS), now + (rnd() % 20000) - 10000);
				break;
			default:	/* garbage sequence numbers */
				slot_of(mem, v % SLOTS)->seq = (uint32_t)rnd();
				break;
			}
		}
		memcpy(per_slot, fired, sizeof(per_slot));
		now += rnd() % 5000;
		et_scan(&r, now, now + 250000, fire, NULL);
		if (fires - before > SLOTS)
			over++;
		for (n = 0; n < SLOTS; n++)
			if (fired[n] - per_slot[n] > 1)
				dup++;
		if (r.nr_slots != SLOTS || ((struct taxcut_et_header *)mem)->magic != TAXCUT_ET_MAGIC)
			over++;
	}
	for (i = 0; i < GUARD; i++)
		guards &= arena[i] == 0x5a && arena[GUARD + 4096 + i] == 0x5a;
	tap_ok(!bad_index, "fuzz: 200000 hostile passes never name a slot beyond the region's");
	tap_ok(!over, "fuzz: at most one interrupt per slot per pass, own slot count and header kept");
	tap_ok(!dup, "fuzz: no slot fired twice in a pass");
	tap_ok(guards, "fuzz: nothing written outside the region");
	tap_ok(fires > 1000, "fuzz: plausible arms still fire (%u interrupts)", fires);
}

int main(void)
{
	tap_plan(22);
	test_protocol();
	test_fuzz();
	return tap_done();
}

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
	       h->nr_slots == SLOTS && h->heartbeat == r.heartbeat && h->now_ns == 5 &&
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
	tap_ok(fires == 4, "not again within the first foreign gap");
	et_scan(&r, 91000 + ET_FOREIGN_GAP_MIN_NS, 0, fire, NULL);
	et_scan(&r, 91000 + 2 * ET_FOREIGN_GAP_MIN_NS, 0, fire, NULL);
	et_scan(&r, 91000 + 3 * ET_FOREIGN_GAP_MIN_NS, 0, fire, NULL);
	tap_ok(fires == 6 && r.slot[3].foreign == 3,
	       "left foreign, it fires again at doubling gaps (a lost interrupt is sent again)");
	arm(s3, 0);

	h->nr_slots = 200;
	h->magic = 0;
	et_scan(&r, 95000, 95250, fire, NULL);
	tap_ok(h->nr_slots == SLOTS && h->magic == TAXCUT_ET_MAGIC && r.nr_slots == SLOTS,
	       "a guest scribbling on the header changes nothing; the next pass rewrites it");
	et_region_stop(&r);
	tap_ok(h->heartbeat_ns == 0, "stopping publishes heartbeat_ns 0");
}

/*
 * A snapshot loaded (or a migration's copy) puts an older region under the
 * agent: the guest's slot sequence goes back and may meet a number the
 * agent already fired. The agent must see the restore and fire from it.
 */
static struct {
	void *mem;
	const void *snapshot;
} restore_in_pass;

/* fires, and on slot 0 lets a restore land in the middle of the pass */
static void fire_then_restore(void *ctx, uint32_t n)
{
	(void)ctx;
	fire(NULL, n);
	if (n == 0)
		memcpy(restore_in_pass.mem, restore_in_pass.snapshot, 4096);
}

static void test_restore(void)
{
	static unsigned char saved[4096] __attribute__((aligned(64)));
	void *mem = arena + GUARD;
	struct taxcut_et_header *h = mem;
	struct taxcut_et_slot *s0 = slot_of(mem, 0), *s1 = slot_of(mem, 1);
	const uint64_t us = 1000, ms = 1000 * us;
	uint64_t old, t, beat;
	unsigned int before;

	memset(fired, 0, sizeof(fired));
	fires = 0;
	et_region_init(&r, mem, 4096, SLOTS, 1000 * ms, 250 * us, INSTANCE, 1 * ms);
	tap_ok(r.heartbeat != 1 && h->heartbeat == r.heartbeat,
	       "the heartbeat starts at a random value (no other agent's region matches)");
	arm(s1, 1000 * ms);		/* seq 2, far away */
	et_scan(&r, 2 * ms, 0, fire, NULL);
	memcpy(saved, mem, sizeof(saved));	/* the snapshot */
	arm(s1, 3 * ms);		/* seq 4 */
	et_scan(&r, 3 * ms, 0, fire, NULL);
	tap_ok(fires == 1 && r.slot[1].fired_seq == 4, "before the restore: seq 4 fired");

	memcpy(mem, saved, sizeof(saved));	/* loadvm: seq 2 again, the old header */
	arm(s1, 20 * ms);		/* the restored guest's next deadline: seq 4 again */
	old = r.instance;
	beat = h->heartbeat;
	et_scan(&r, 20 * ms, 0, fire, NULL);
	tap_ok(r.restores == 1 && r.instance != old && r.instance && h->instance == r.instance,
	       "the rewritten header is seen: a new instance, published");
	tap_ok(h->heartbeat != beat && h->heartbeat != beat + 1 && h->heartbeat == r.heartbeat,
	       "and a fresh random beat, not the restored one's next (no copy runs in step)");
	tap_ok(fires == 2 && fired[1] == 2 && r.slot[1].foreign == 1,
	       "the restored slot's seq 4 (fired before the restore) fires again, as foreign");
	arm_in(s1, 30 * ms, r.instance);	/* written again in the new clock */
	et_scan(&r, 29 * ms, 0, fire, NULL);
	tap_ok(fires == 2, "rewritten in the new instance: it waits for its deadline");
	et_scan(&r, 30 * ms, 0, fire, NULL);
	tap_ok(fires == 3 && r.restores == 1, "then fires, and the agent's own header is no restore");

	/* a restore that lands after the pass's beat: the slot's agent line tells */
	arm_in(s0, 31 * ms, r.instance);
	arm_in(s1, 40 * ms, r.instance);	/* seq 8 */
	et_scan(&r, 31 * ms, 0, fire, NULL);	/* s0 fired */
	arm_in(s1, 32 * ms, r.instance);	/* seq 10 */
	et_scan(&r, 32 * ms, 0, fire, NULL);	/* s1 fired: fired_seq 10 */
	/* a snapshot taken after the guest wrote seq 10, before the agent fired it */
	memcpy(saved, mem, sizeof(saved));
	slot_of(saved, 1)->fired_seq = 8;
	slot_of(saved, 1)->fired = r.slot[1].fired - 1;
	arm_in(s0, 1, r.instance);
	restore_in_pass.mem = mem;
	restore_in_pass.snapshot = saved;
	before = fires;
	et_scan(&r, 33 * ms, 0, fire_then_restore, NULL);
	tap_ok(fires == before + 2 && fired[1] == 5,
	       "a restore landing mid-pass: the restored seq the agent fired before still fires");

	et_scan(&r, 34 * ms, 0, fire, NULL);
	tap_ok(r.restores == 2, "and the next pass sees the restore in the header");

	/* a foreign deadline never rewritten: doubling gaps, then given up */
	arm_in(s0, 0, r.instance);
	arm_in(s1, 1, INSTANCE);
	before = fires;
	for (t = 100 * ms; t < 10100 * ms; t += 250 * us)
		et_scan(&r, t, 0, fire, NULL);
	tap_ok(fires - before == 12,
	       "left foreign for 10 s: 12 interrupts (gaps of 1 ms doubling to 1 s), then none");
	arm_in(s1, 1, INSTANCE);	/* another deadline, still foreign */
	et_scan(&r, t, 0, fire, NULL);
	tap_ok(fires - before == 13, "a new sequence number in the old clock fires at once again");
	for (t += 250 * us; t < 13000 * ms; t += 250 * us)
		et_scan(&r, t, 0, fire, NULL);	/* given up again */
	before = fires;
	arm_in(s0, 20000 * ms, r.instance);	/* the guest writes in this instance */
	et_scan(&r, t, 0, fire, NULL);
	tap_ok(fires - before == 1 && fired[1] == r.slot[1].fired,
	       "the first slot written in this instance: the given-up foreign one fires again");

	/* a guest rewriting the header every pass: one interrupt per pass, as arming past deadlines */
	arm_in(s0, 0, r.instance);
	before = fires;
	old = r.restores;
	for (t = 20 * 1000 * ms; t < 20100 * ms; t += 250 * us) {
		h->heartbeat = 0;
		et_scan(&r, t, 0, fire, NULL);
	}
	tap_ok(fires - before == 400 && r.restores - old == 400,
	       "400 header rewrites in 100 ms: 400 restores, at most one interrupt per pass");
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
			case 2:		/* a plausible arm: near now, the current instance */
				arm_in(slot_of(mem, v % SLOTS), now + (rnd() % 20000) - 10000,
				       r.instance);
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

/* A guest's deadline of 1, fired again and again, late by the whole uptime. */
static void test_lateness_saturates(void)
{
	void *mem = arena + GUARD;
	uint64_t now = 1ull << 62;
	unsigned int i;

	et_region_init(&r, mem, 4096, SLOTS, 1000000, 0, INSTANCE, now);
	for (i = 0; i < 8; i++) {
		arm_in(slot_of(mem, 0), 1, r.instance);
		now += 1000000;
		et_scan(&r, now, now + 250000, fire, NULL);
	}
	tap_ok(r.slot[0].fired == 8 && r.slot[0].late_sum_ns == UINT64_MAX &&
	       r.slot[0].late_max_ns == now - 1,
	       "a deadline of 1 fired 8 times at 2^62 ns: the lateness sum saturates");
}

/* The VM's budget, the promise a pass makes, the lateness histogram. */
static void test_budget_and_promise(void)
{
	void *mem = arena + GUARD;
	uint64_t us = 1000, now = 1000000, next;
	unsigned int n, before;

	memset(fired, 0, sizeof(fired));
	fires = 0;
	et_region_init(&r, mem, 4096, SLOTS, 1000000000, 250 * us, INSTANCE, now);
	et_region_budget(&r, 0, 3, now);
	for (n = 0; n < SLOTS; n++)
		arm(slot_of(mem, n), now);
	next = et_scan(&r, now, now + 300 * us, fire, NULL);
	tap_ok(fires == 3 && r.budget.refused == 5 && next == now,
	       "3 per pass: 3 of 8 due slots fired, 5 refused, the next pass asked at once");
	et_scan(&r, now + 1 * us, now + 300 * us, fire, NULL);
	et_scan(&r, now + 2 * us, now + 300 * us, fire, NULL);
	tap_ok(fires == 8 && fired[0] == 1 && fired[7] == 1,
	       "the refused ones stay armed and fire in the next passes, each once");
	tap_ok(r.late_hist[0] == 3 && r.late_hist[1] == 3 && r.late_hist[2] == 2,
	       "lateness histogram: 3 at 0 us, 3 at 1 us, 2 at 2 us");
	tap_ok(r.broken_promises == 0, "passes before their horizon: no broken promise");

	/* a look after the horizon the last pass promised */
	now += 2 * us;
	et_scan(&r, now + 301 * us, now + 600 * us, fire, NULL);
	tap_ok(r.broken_promises == 1 && r.broken_max_ns == 3 * us && r.look_late_ns == 51 * us,
	       "a look 3 us after the horizon: one broken promise, 51 us after the period");
	et_scan(&r, now + 400 * us, now + 700 * us, fire, NULL);
	tap_ok(r.broken_promises == 1 && r.look_late_ns == 0,
	       "an early look (a wakeup for a deadline) is neither late nor broken");

	/* a flood beyond the rate: the VM is heavy and no longer wakes the agent early */
	now += 10000 * us;
	et_region_budget(&r, 100000, 0, now);	/* a bucket of 5000 */
	before = fires;
	for (n = 0; n < 2000; n++) {
		unsigned int k;

		for (k = 0; k < SLOTS; k++)
			arm(slot_of(mem, k), 1);
		next = et_scan(&r, now + n * 20 * us, now + n * 20 * us + 300 * us, fire, NULL);
	}
	tap_ok(fires - before >= 5000 + 3998 && fires - before <= 5000 + 3998 + SLOTS &&
	       et_budget_heavy(&r.budget) && next == UINT64_MAX,
	       "8 slots due every 20 us for 40 ms at 100000/s: %u fired, then heavy, no early wakeups",
	       fires - before);
	tap_ok(r.late_hist[ET_LATE_BUCKETS - 1] == fires - before,
	       "deadlines of 1 are milliseconds late: all %llu in the last bucket (2047 us and more)",
	       (unsigned long long)r.late_hist[ET_LATE_BUCKETS - 1]);
}

/*
 * A VM over budget for a long time: every slot still gets its turn (the
 * next pass starts where the last one was refused), and a guest that keeps
 * moving a deadline on before it is due pays for the wakes it causes.
 */
static void test_fair_and_charged(void)
{
	void *mem = arena + GUARD;
	uint64_t us = 1000, now = 5000000000ull, next = 0;
	unsigned int n, p, min_fired = ~0u, before;

	memset(fired, 0, sizeof(fired));
	fires = 0;
	et_region_init(&r, mem, 4096, SLOTS, 1000000000, 250 * us, INSTANCE, now);
	et_region_budget(&r, 0, 2, now);	/* 2 per pass for 8 always-due slots */
	for (p = 0; p < 400; p++) {
		for (n = 0; n < SLOTS; n++)
			if (slot_of(mem, n)->fired_seq == slot_of(mem, n)->seq)
				arm(slot_of(mem, n), now + p * 20 * us);
		et_scan(&r, now + p * 20 * us, now + p * 20 * us + 300 * us, fire, NULL);
	}
	for (n = 0; n < SLOTS; n++)
		if (fired[n] < min_fired)
			min_fired = fired[n];
	tap_ok(fires == 800 && min_fired == 100,
	       "8 due slots, 2 per pass, 400 passes: each slot fired 100 times (%u fires, least %u)",
	       fires, min_fired);

	/* an honest re-arm 4 us after a fire: held back by the rate limit, not charged */
	now += 100000 * us;
	memset(mem, 0, 4096);
	et_region_init(&r, mem, 4096, SLOTS, 1000000000, 250 * us, INSTANCE, now);
	et_region_budget(&r, 20000, 32, now);
	arm(slot_of(mem, 0), now);
	et_scan(&r, now, now + 300 * us, fire, NULL);
	arm(slot_of(mem, 0), now + 4 * us);
	r.woke_early = true;
	et_scan(&r, now + 4 * us, now + 300 * us, fire, NULL);
	r.woke_early = true;
	before = fires;
	et_scan(&r, now + 10 * us, now + 300 * us, fire, NULL);
	tap_ok(r.budget.wasted_wakes == 0 && fires == before + 1,
	       "a wake whose deadline the rate limit held back is not charged (%llu), it fires next",
	       (unsigned long long)r.budget.wasted_wakes);

	/* a deadline always 5 us ahead: every early wake for it fires nothing */
	before = fires;
	now += 100000 * us;
	memset(mem, 0, 4096);
	et_region_init(&r, mem, 4096, SLOTS, 1000000000, 250 * us, INSTANCE, now);
	et_region_budget(&r, 20000, 32, now);	/* a bucket of 1000 */
	for (p = 0; p < 1000 && next != UINT64_MAX; p++) {
		uint64_t t = now + p * 10 * us;

		arm(slot_of(mem, 0), t + 5 * us);
		r.woke_early = p > 0;	/* the agent woke for the last deadline */
		next = et_scan(&r, t, t + 300 * us, fire, NULL);
	}
	/* half the bucket (500) at a net 0.8 a wake (0.2 refilled in 10 us): 625 */
	tap_ok(next == UINT64_MAX && r.budget.wasted_wakes >= 620 && r.budget.wasted_wakes <= 630 &&
	       fires == before,
	       "a deadline moved on before every wake: %llu wakes charged (625 expected), then heavy, no more early wakes",
	       (unsigned long long)r.budget.wasted_wakes);
}

int main(void)
{
	tap_plan(48);
	test_protocol();
	test_restore();
	test_fuzz();
	test_lateness_saturates();
	test_budget_and_promise();
	test_fair_and_charged();
	return tap_done();
}

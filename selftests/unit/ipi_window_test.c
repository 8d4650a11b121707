// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of arch/x86/kernel/kvm/ipi_window.c: adversarial APIC ID
 * orders, then random sets checked for exact coverage.
 */
#include <stdlib.h>
#include "ipi_window.h"
#include "tap.h"

#define MAX_WINDOWS 4096

struct plan {
	struct tc_ipi_window w[MAX_WINDOWS];
	unsigned int n;
};

/* What the kernel glue does: one hypercall per completed window, then the last. */
static void plan_ids(struct plan *p, const u32 *ids, unsigned int n, u32 exclude)
{
	struct tc_ipi_window open, full;
	unsigned int i;

	p->n = 0;
	tc_ipi_window_init(&open);
	for (i = 0; i < n; i++)
		if (tc_ipi_window_add(&open, ids[i], exclude, &full))
			p->w[p->n++] = full;
	if (!tc_ipi_window_empty(&open))
		p->w[p->n++] = open;
}

static unsigned int popcount128(const struct tc_ipi_window *w)
{
	return __builtin_popcountll(w->bits[0]) + __builtin_popcountll(w->bits[1]);
}

/*
 * Every wanted ID is in exactly one window, nothing else is, and no window
 * is empty. Returns a description of the first problem, or NULL.
 */
static const char *check_cover(const struct plan *p, const u32 *ids, unsigned int n, u32 exclude)
{
	static char why[128];
	unsigned int i, j, set = 0, wanted = 0;

	for (j = 0; j < p->n; j++) {
		if (tc_ipi_window_empty(&p->w[j]))
			return "an empty window was sent";
		set += popcount128(&p->w[j]);
	}
	for (i = 0; i < n; i++) {
		unsigned int found = 0, k;
		bool dup = false;

		for (k = 0; k < i; k++)
			dup |= ids[k] == ids[i];
		if (dup)
			continue;
		for (j = 0; j < p->n; j++)
			found += tc_ipi_window_test(&p->w[j], ids[i]);
		if (ids[i] == exclude) {
			if (found) {
				snprintf(why, sizeof(why), "excluded ID %u was sent", ids[i]);
				return why;
			}
			continue;
		}
		wanted++;
		if (found != 1) {
			snprintf(why, sizeof(why), "ID %u is in %u windows", ids[i], found);
			return why;
		}
	}
	if (set != wanted) {
		snprintf(why, sizeof(why), "%u bits set for %u destinations", set, wanted);
		return why;
	}
	return NULL;
}

static int check(const char *what, const u32 *ids, unsigned int n, u32 exclude,
		 unsigned int want_windows)
{
	static struct plan p;
	const char *bad;

	plan_ids(&p, ids, n, exclude);
	bad = check_cover(&p, ids, n, exclude);
	if (!tap_ok(!bad && p.n == want_windows, "%s", what)) {
		printf("#   %s; %u windows, want %u\n", bad ? bad : "covered", p.n, want_windows);
		return 0;
	}
	return 1;
}

/* Fewest 128-ID windows for a set, by a greedy pass over the sorted IDs. */
static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static unsigned int min_windows(const u32 *ids, unsigned int n, u32 exclude)
{
	static u32 s[4096];
	unsigned int i, windows = 0;
	u32 base = 0;
	bool open = false;

	memcpy(s, ids, n * sizeof(*ids));
	qsort(s, n, sizeof(*s), cmp_u32);
	for (i = 0; i < n; i++) {
		if (s[i] == exclude)
			continue;
		if (!open || s[i] - base >= TC_IPI_WINDOW_BITS) {
			base = s[i];
			open = true;
			windows++;
		}
	}
	return windows;
}

static u32 rnd(void)
{
	static u64 x = 0x9e3779b97f4a7c15ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (u32)(x >> 16);
}

static void shuffle(u32 *ids, unsigned int n)
{
	unsigned int i;

	for (i = n; i > 1; i--) {
		unsigned int j = rnd() % i;
		u32 t = ids[i - 1];

		ids[i - 1] = ids[j];
		ids[j] = t;
	}
}

static void test_fixed_orders(void)
{
	static u32 ids[512];
	const u32 one_128_0[] = { 1, 128, 0 };
	const u32 sparse[] = { 0, 200, 400, 1000, 64, 4096 };
	const u32 top[] = { 0xfffffffeu, 0xffffff80u, 0xffffffa0u };
	const u32 two_far[] = { 5, 0x80000000u, 6 };
	static struct plan p;
	unsigned int i;

	for (i = 0; i < 8; i++)
		ids[i] = 7 - i;
	check("descending 7..0: one window", ids, 8, TC_IPI_EXCLUDE_NONE, 1);
	plan_ids(&p, ids, 8, TC_IPI_EXCLUDE_NONE);
	tap_ok(p.w[0].base == 0 && p.w[0].bits[0] == 0xff && p.w[0].bits[1] == 0,
	       "descending 7..0: base 0, bits 0xff (got base %u bits 0x%llx)",
	       p.w[0].base, (unsigned long long)p.w[0].bits[0]);

	for (i = 0; i < 128; i++)
		ids[i] = 127 - i;
	check("descending 127..0: one full window", ids, 128, TC_IPI_EXCLUDE_NONE, 1);

	check("1, 128, 0: two windows (0 does not fit below 128)", one_128_0, 3,
	      TC_IPI_EXCLUDE_NONE, 2);
	plan_ids(&p, one_128_0, 3, TC_IPI_EXCLUDE_NONE);
	tap_ok(p.w[0].base == 1 && p.w[0].bits[0] == 1 && p.w[0].bits[1] == 1ull << 63 &&
	       p.w[1].base == 0 && p.w[1].bits[0] == 1,
	       "1, 128, 0: {base 1: bits 0 and 127}, {base 0: bit 0}");

	for (i = 0; i < 201; i++)
		ids[i] = i;
	check("ascending 0..200 (span over 128): two windows", ids, 201, TC_IPI_EXCLUDE_NONE, 2);
	for (i = 0; i < 201; i++)
		ids[i] = 200 - i;
	check("descending 200..0 (span over 128): two windows", ids, 201, TC_IPI_EXCLUDE_NONE, 2);

	/* one pass, one open window: 64 arrives after 0's window was sent */
	check("sparse 0, 200, 400, 1000, 64, 4096: six windows", sparse, 6,
	      TC_IPI_EXCLUDE_NONE, 6);
	check("IDs near 2^32: one window, no wrap", top, 3, TC_IPI_EXCLUDE_NONE, 1);
	check("5, 2^31, 6: a far ID splits the run", two_far, 3, TC_IPI_EXCLUDE_NONE, 3);

	for (i = 0; i < 8; i++)
		ids[i] = i;
	check("all-but-self 0..7 from 3: one window", ids, 8, 3, 1);
	plan_ids(&p, ids, 8, 3);
	tap_ok(p.n == 1 && p.w[0].bits[0] == 0xf7, "all-but-self 0..7 from 3: bits 0xf7");
	check("all-but-self from 0 of 0..7: window starts at 1", ids, 8, 0, 1);
	plan_ids(&p, ids, 8, 0);
	tap_ok(p.n == 1 && p.w[0].base == 1 && p.w[0].bits[0] == 0x7f,
	       "all-but-self from 0: base 1, bits 0x7f");
	ids[0] = 9;
	check("only the sender: nothing is sent", ids, 1, 9, 0);

	/* moving the anchor down by 64 and by 127 exercises both shift paths */
	ids[0] = 100; ids[1] = 36; ids[2] = 163;
	check("anchor moves down by 64 with a bit at the top", ids, 3, TC_IPI_EXCLUDE_NONE, 1);
	ids[0] = 127; ids[1] = 0;
	check("anchor moves down by 127", ids, 2, TC_IPI_EXCLUDE_NONE, 1);
	plan_ids(&p, ids, 2, TC_IPI_EXCLUDE_NONE);
	tap_ok(p.w[0].base == 0 && p.w[0].bits[0] == 1 && p.w[0].bits[1] == 1ull << 63,
	       "anchor moves down by 127: bits 0 and 127");
	ids[0] = 3; ids[1] = 3; ids[2] = 3;
	check("the same ID three times: one bit", ids, 3, TC_IPI_EXCLUDE_NONE, 1);
}

static void test_random(void)
{
	static u32 ids[4096];
	static struct plan p;
	unsigned int round, bad_cover = 0, bad_sorted = 0, worse = 0;
	const char *first = NULL;

	for (round = 0; round < 20000; round++) {
		unsigned int n = 1 + rnd() % 600, i, unique, kind = round % 4;
		u32 exclude = TC_IPI_EXCLUDE_NONE, start = rnd();

		for (i = 0; i < n; i++) {
			switch (kind) {
			case 0:	/* dense: a permutation of start.. */
				ids[i] = (start & 0xfffff) + i;
				break;
			case 1:	/* clustered: sockets of 32 IDs, half populated */
				ids[i] = (rnd() % 64) * 32 + rnd() % 16;
				break;
			case 2:	/* sparse over 2^32 */
				ids[i] = rnd() << 8 ^ rnd();
				break;
			default: /* sparse over a few thousand */
				ids[i] = rnd() % 4000;
				break;
			}
		}
		/* a cpumask names each CPU, so each APIC ID, once */
		qsort(ids, n, sizeof(*ids), cmp_u32);
		for (i = 1, unique = 1; i < n; i++)
			if (ids[i] != ids[unique - 1])
				ids[unique++] = ids[i];
		n = unique;
		if (rnd() % 2)
			exclude = ids[rnd() % n];
		shuffle(ids, n);
		plan_ids(&p, ids, n, exclude);
		if (check_cover(&p, ids, n, exclude)) {
			if (!first)
				first = check_cover(&p, ids, n, exclude);
			bad_cover++;
		}
		if (p.n < min_windows(ids, n, exclude))
			worse++;	/* fewer than the minimum would be a bug too */
		qsort(ids, n, sizeof(*ids), cmp_u32);
		plan_ids(&p, ids, n, exclude);
		if (check_cover(&p, ids, n, exclude) || p.n != min_windows(ids, n, exclude))
			bad_sorted++;
	}
	tap_ok(!bad_cover, "20000 random sets of distinct IDs in random order: every ID in exactly one window (%u bad%s%s)",
	       bad_cover, first ? ": " : "", first ? first : "");
	tap_ok(!worse, "20000 random sets: never fewer windows than possible (%u)", worse);
	tap_ok(!bad_sorted, "20000 random sets sorted: the fewest windows possible (%u bad)", bad_sorted);
}

int main(void)
{
	tap_plan(22);
	test_fixed_orders();
	test_random();
	return tap_done();
}

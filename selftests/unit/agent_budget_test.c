// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tools/taxcut-agent/budget.c (a VM's interrupt budget) and
 * slack.c (the horizon's slack from measured lateness).
 */
#include "budget.h"
#include "slack.h"
#include "tap.h"

#define MS	1000000ull
#define S	1000000000ull

static unsigned int take_n(struct et_budget *b, unsigned int n)
{
	unsigned int got = 0;

	while (n--)
		got += et_budget_take(b);
	return got;
}

static void test_budget(void)
{
	struct et_budget b;
	unsigned int got, i;

	et_budget_init(&b, 0, 0, 0);
	et_budget_pass(&b, 1);
	tap_ok(take_n(&b, 100000) == 100000 && !b.refused && !et_budget_heavy(&b),
	       "no rate, no per-pass limit: every interrupt allowed, never heavy");

	et_budget_init(&b, 0, 4, 0);
	et_budget_pass(&b, 10);
	got = take_n(&b, 10);
	tap_ok(got == 4 && b.refused == 6 && b.passes_over == 1,
	       "per pass 4: 4 of 10 allowed, 6 refused, one pass over (%u)", got);
	et_budget_pass(&b, 20);
	tap_ok(take_n(&b, 3) == 3 && !b.over, "the next pass has its 4 again");

	et_budget_init(&b, 20000, 0, 0);
	tap_ok(b.burst == 1000, "rate 20000/s: a bucket of 1000 (a twentieth of a second)");
	et_budget_pass(&b, 0);
	got = take_n(&b, 1500);
	tap_ok(got == 1000 && et_budget_heavy(&b), "a full bucket gives 1000 at once, then heavy");
	et_budget_pass(&b, 10 * MS);
	got = take_n(&b, 1000);
	tap_ok(got == 200, "10 ms later 200 more (20000/s) (%u)", got);
	et_budget_pass(&b, 10 * MS + 49999);
	tap_ok(take_n(&b, 1) == 0, "49.999 us later not yet one");
	et_budget_pass(&b, 10 * MS + 50000);
	tap_ok(take_n(&b, 2) == 1, "at 50 us one");
	et_budget_pass(&b, 10 * MS + 50000 + 3600 * S);
	tap_ok(take_n(&b, 2000) == 1000, "an hour later: a full bucket, not more");
	et_budget_pass(&b, 20 * S);
	tap_ok(take_n(&b, 1) == 0, "a clock going back refills nothing and breaks nothing");

	/* half the bucket: heavy below, not at or above */
	et_budget_init(&b, 20000, 0, 0);
	et_budget_pass(&b, 0);
	take_n(&b, 500);
	tap_ok(!et_budget_heavy(&b), "half the bucket left: not heavy");
	take_n(&b, 1);
	tap_ok(et_budget_heavy(&b), "less than half: heavy");

	/* a sustained flood gets the rate, not more */
	et_budget_init(&b, 20000, 16, 0);
	got = 0;
	for (i = 1; i <= 40000; i++) {	/* a pass every 25 us for 1 s */
		et_budget_pass(&b, i * 25000ull);
		got += take_n(&b, 255);
	}
	tap_ok(got >= 20000 && got <= 20000 + b.burst,
	       "255 due per pass, 40000 passes in 1 s: %u allowed (rate 20000, bucket %llu)", got,
	       (unsigned long long)b.burst);

	et_budget_init(&b, 10, 0, 0);
	tap_ok(b.burst == 1, "a rate below 20/s still has a bucket of one");
	et_budget_pass(&b, 0);
	tap_ok(take_n(&b, 1) == 1 && et_budget_heavy(&b) && !take_n(&b, 1),
	       "and is heavy once it is spent");
}

static void test_slack(void)
{
	struct et_slack s;
	uint64_t t = S / 2;

	et_slack_init(&s, 10000, 5 * MS, 100000, 0);
	tap_ok(et_slack_ns(&s) == 10000 + 150000, "the guess counts as measured: floor + 1.5 x 100 us");
	et_slack_observe(&s, 20000, t);
	tap_ok(et_slack_ns(&s) == 160000, "a smaller lateness does not lower it");
	et_slack_observe(&s, 400000, t + 1);
	tap_ok(et_slack_ns(&s) == 10000 + 600000, "a larger one raises it at once");
	et_slack_observe(&s, 0, (ET_SLACK_WINDOWS - 1) * S + 1);
	tap_ok(et_slack_ns(&s) == 610000, "%d windows later it is still remembered",
	       ET_SLACK_WINDOWS - 1);
	et_slack_observe(&s, 1000, ET_SLACK_WINDOWS * S + 1);
	tap_ok(et_slack_ns(&s) == 10000 + 1500, "when its window is %d windows old it is forgotten",
	       ET_SLACK_WINDOWS);
	et_slack_observe(&s, 0, 1000 * S);
	tap_ok(et_slack_ns(&s) == 10000, "after a gap of many windows all are forgotten: the floor");
	et_slack_observe(&s, 60 * MS, 1000 * S + 1);
	tap_ok(et_slack_ns(&s) == 5 * MS, "at most the ceiling");
}

int main(void)
{
	tap_plan(22);
	test_budget();
	test_slack();
	return tap_done();
}

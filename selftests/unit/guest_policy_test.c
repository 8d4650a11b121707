// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of arch/x86/kernel/kvm/guest_policy.c: the rows that matter,
 * then the whole truth table against the rules as the docs state them.
 */
#include <taxcut/kvm_abi.h>
#include "guest_policy.h"
#include "tap.h"

#define F(bit) (1u << TC_KVM_FEATURE_##bit)
#define ALL_PV (F(STEAL_TIME) | F(PV_UNHALT) | F(PV_TLB_FLUSH) | F(PV_SEND_IPI) | \
		F(PV_SCHED_YIELD) | F(POLL_CONTROL))
#define REALTIME (1u << TC_KVM_HINTS_REALTIME)

static struct tc_guest_policy decide(u32 features, u32 hints, unsigned int cpus,
				     enum tc_dedicated_mode mode)
{
	struct tc_guest_facts f = {
		.kvm = true, .features = features, .hints = hints,
		.possible_cpus = cpus, .dedicated = mode,
	};
	struct tc_guest_policy p;

	memset(&p, 0xa5, sizeof(p));	/* nothing may be left unset */
	tc_guest_decide(&f, &p);
	return p;
}

static void test_rows(void)
{
	struct tc_guest_policy p;

	p = decide(ALL_PV, REALTIME, 4, TC_DEDICATED_AUTO);
	tap_ok(p.dedicated && p.spinlock == TC_SPINLOCK_NATIVE && p.tlb == TC_TLB_NATIVE &&
	       !p.pv_sched_yield && p.pv_ipi && p.haltpoll,
	       "REALTIME, every feature: native lock and TLB flush, no yield, PV IPI, haltpoll");

	p = decide(ALL_PV & ~F(PV_UNHALT), REALTIME, 4, TC_DEDICATED_AUTO);
	tap_ok(p.spinlock == TC_SPINLOCK_NATIVE,
	       "REALTIME without PV_UNHALT: native qspinlock, not test-and-set (upstream before 2025)");

	p = decide(ALL_PV, 0, 4, TC_DEDICATED_AUTO);
	tap_ok(!p.dedicated && p.spinlock == TC_SPINLOCK_PV && p.tlb == TC_TLB_PV &&
	       p.pv_sched_yield && p.pv_ipi && !p.haltpoll,
	       "shared, every feature: PV lock, PV TLB flush, yield, PV IPI, no haltpoll");

	p = decide(ALL_PV & ~F(PV_UNHALT), 0, 4, TC_DEDICATED_AUTO);
	tap_ok(p.spinlock == TC_SPINLOCK_TAS, "shared without PV_UNHALT: test-and-set");

	p = decide(ALL_PV, 0, 1, TC_DEDICATED_AUTO);
	tap_ok(p.spinlock == TC_SPINLOCK_NATIVE && p.tlb == TC_TLB_NATIVE &&
	       !p.pv_sched_yield && !p.pv_ipi,
	       "one vCPU: nothing paravirtual for locks, flushes, yields or IPIs");

	p = decide(ALL_PV, 0, 4, TC_DEDICATED_ON);
	tap_ok(p.dedicated && p.spinlock == TC_SPINLOCK_NATIVE && p.tlb == TC_TLB_NATIVE &&
	       p.haltpoll && !strcmp(p.dedicated_why, "taxcut.dedicated=on"),
	       "taxcut.dedicated=on without the hint: treated as dedicated, says why");

	p = decide(ALL_PV, REALTIME, 4, TC_DEDICATED_OFF);
	tap_ok(!p.dedicated && p.spinlock == TC_SPINLOCK_PV && p.tlb == TC_TLB_PV &&
	       !p.haltpoll && !strcmp(p.dedicated_why, "taxcut.dedicated=off"),
	       "taxcut.dedicated=off with the hint: treated as shared, says why");

	p = decide(ALL_PV & ~F(STEAL_TIME), 0, 4, TC_DEDICATED_AUTO);
	tap_ok(p.tlb == TC_TLB_NATIVE && !p.pv_sched_yield &&
	       strstr(p.tlb_why, "STEAL_TIME") != NULL,
	       "no steal time: native TLB flush and no yield, reason names STEAL_TIME");

	p = decide(ALL_PV & ~F(PV_SEND_IPI), REALTIME, 8, TC_DEDICATED_AUTO);
	tap_ok(!p.pv_ipi && !strcmp(p.pv_ipi_why, "no PV_SEND_IPI"), "no PV_SEND_IPI: native IPIs");
}

/* The rules of docs/guest-policy.md, written out once more, independently. */
static void expect(const struct tc_guest_facts *f, struct tc_guest_policy *e)
{
	bool hint = f->kvm && (f->hints & REALTIME);
	bool smp = f->possible_cpus > 1;
	bool has_unhalt = f->kvm && (f->features & F(PV_UNHALT));
	bool steal = f->kvm && (f->features & F(STEAL_TIME));
	bool shared_seen = smp && steal && !f->mwait;

	e->dedicated = f->dedicated == TC_DEDICATED_ON ||
		       (f->dedicated == TC_DEDICATED_AUTO && hint);
	if (!f->kvm || !smp || e->dedicated || f->nopvspin)
		e->spinlock = TC_SPINLOCK_NATIVE;
	else
		e->spinlock = has_unhalt ? TC_SPINLOCK_PV : TC_SPINLOCK_TAS;
	e->tlb = f->kvm && (f->features & F(PV_TLB_FLUSH)) && !e->dedicated && shared_seen ?
		 TC_TLB_PV : TC_TLB_NATIVE;
	e->pv_sched_yield = f->kvm && (f->features & F(PV_SCHED_YIELD)) && !e->dedicated &&
			    shared_seen;
	e->pv_ipi = f->kvm && (f->features & F(PV_SEND_IPI)) && smp;
	e->haltpoll = f->kvm && e->dedicated && !f->idle_override;
}

static void test_truth_table(void)
{
	static const u32 bits[] = { F(STEAL_TIME), F(PV_UNHALT), F(PV_TLB_FLUSH),
				    F(PV_SEND_IPI), F(PV_SCHED_YIELD) };
	static const unsigned int cpus[] = { 1, 2, 4, 8, 64 };
	unsigned int cases = 0, wrong = 0, unexplained = 0, differs_from_upstream = 0;
	unsigned int set, c, flags, mode;

	for (set = 0; set < 1u << ARRAY_SIZE(bits); set++)
	for (c = 0; c < ARRAY_SIZE(cpus); c++)
	for (flags = 0; flags < 32; flags++)
	for (mode = TC_DEDICATED_AUTO; mode <= TC_DEDICATED_OFF; mode++) {
		struct tc_guest_facts f = {
			.kvm = flags & 1, .hints = flags & 2 ? REALTIME : 0,
			.mwait = flags & 4, .nopvspin = flags & 8,
			.idle_override = flags & 16, .possible_cpus = cpus[c],
			.dedicated = (enum tc_dedicated_mode)mode,
		};
		struct tc_guest_policy got, want;
		unsigned int b;

		for (b = 0; b < ARRAY_SIZE(bits); b++)
			if (set & 1u << b)
				f.features |= bits[b];
		tc_guest_decide(&f, &got);
		expect(&f, &want);
		cases++;
		if (got.dedicated != want.dedicated || got.spinlock != want.spinlock ||
		    got.tlb != want.tlb || got.pv_sched_yield != want.pv_sched_yield ||
		    got.pv_ipi != want.pv_ipi || got.haltpoll != want.haltpoll) {
			if (!wrong++)
				printf("#   first wrong: kvm %d features 0x%x hints 0x%x cpus %u mwait %d nopvspin %d idle= %d mode %s\n",
				       f.kvm, f.features, f.hints, f.possible_cpus, f.mwait,
				       f.nopvspin, f.idle_override, tc_dedicated_mode_name(f.dedicated));
		}
		if (!got.dedicated_why || !got.spinlock_why || !got.tlb_why ||
		    !got.pv_sched_yield_why || !got.pv_ipi_why || !got.haltpoll_why ||
		    !*got.spinlock_why || !*got.tlb_why || !*got.pv_ipi_why)
			unexplained++;
		/* upstream 6.1 after the 2025 fix, in auto mode */
		if (f.kvm && mode == TC_DEDICATED_AUTO && !f.idle_override) {
			bool up_native = (f.hints & REALTIME) || cpus[c] == 1 || f.nopvspin;
			enum tc_spinlock_mode up = up_native ? TC_SPINLOCK_NATIVE :
				(f.features & F(PV_UNHALT)) ? TC_SPINLOCK_PV : TC_SPINLOCK_TAS;

			differs_from_upstream += got.spinlock != up ||
				got.haltpoll != !!(f.hints & REALTIME);
		}
	}
	tap_ok(!wrong, "truth table: %u cases, %u decided against the rules", cases, wrong);
	tap_ok(!unexplained, "truth table: every decision has a reason (%u without)", unexplained);
	tap_ok(!differs_from_upstream,
	       "auto mode: spinlock and haltpoll as fixed upstream (%u differ)", differs_from_upstream);
}

static void test_parse(void)
{
	enum tc_dedicated_mode m = TC_DEDICATED_OFF;
	bool good = !tc_parse_dedicated("auto", &m) && m == TC_DEDICATED_AUTO &&
		    !tc_parse_dedicated("on", &m) && m == TC_DEDICATED_ON &&
		    !tc_parse_dedicated("off", &m) && m == TC_DEDICATED_OFF;

	tap_ok(good, "taxcut.dedicated= accepts auto, on, off");
	m = TC_DEDICATED_ON;
	tap_ok(tc_parse_dedicated("yes", &m) < 0 && tc_parse_dedicated("", &m) < 0 &&
	       tc_parse_dedicated("On", &m) < 0 && tc_parse_dedicated(NULL, &m) < 0 &&
	       tc_parse_dedicated("onx", &m) < 0 && m == TC_DEDICATED_ON,
	       "taxcut.dedicated= refuses anything else and leaves the mode alone");
	tap_eq_s(tc_spinlock_mode_name(TC_SPINLOCK_TAS), "test-and-set", "spinlock mode names");
}

int main(void)
{
	tap_plan(15);
	test_rows();
	test_truth_table();
	test_parse();
	return tap_done();
}

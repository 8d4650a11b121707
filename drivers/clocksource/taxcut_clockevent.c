// SPDX-License-Identifier: GPL-2.0
/*
 * The exitless timer's per-CPU clockevent, "taxcut-et": a device of its
 * own, as drivers/clocksource/hyperv_timer.c has, registered on each CPU it
 * serves and rated above the LAPIC timer, so the tick code takes it there
 * and hands the CPU back to the LAPIC timer at clockevents_unbind_device().
 * set_next_event writes the deadline into the CPU's slot of the region;
 * the agent fires it through the CPU's MSI-X vector. Nothing here touches
 * another clockevent device or the tick core's state: only exported,
 * documented calls (docs/exitless-timer.md lists them).
 *
 * Everything per CPU runs on that CPU with interrupts off (set_next_event,
 * the state callbacks, the interrupt handler), so it needs no lock.
 */
#include <linux/clockchips.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <asm/cpufeature.h>
#include <trace/events/taxcut.h>
#include "taxcut.h"
#include "taxcut_timer.h"

#define TC_CLOCKEVENT_NAME	"taxcut-et"
#define TC_RATING		300	/* the LAPIC timer: 100, or 150 with ARAT */
#define TC_MAX_DELTA_NS		(600ULL * NSEC_PER_SEC)

/* The guest clock the deadlines are kept in: safe in any context. */
static u64 tc_now(void)
{
	return ktime_get_mono_fast_ns();
}

/* Write a deadline (agent clock; 0 disarms) by the slot's seqlock rule. */
static void tc_slot_write(struct tc_timer_cpu *c, u64 deadline)
{
	struct taxcut_et_slot *s = c->slot;

	WRITE_ONCE(s->seq, c->seq + 1);
	smp_wmb();		/* the agent sees seq odd before the deadline changes */
	WRITE_ONCE(s->deadline_ns, deadline);
	WRITE_ONCE(s->instance, c->instance);
	WRITE_ONCE(s->armed, c->st.programmed);
	c->seq += 2;
	/* the fields before the even seq: pairs with the agent's acquire of seq */
	smp_store_release(&s->seq, c->seq);
}

/*
 * The agent's clock and whether it looks alive from here. Only the
 * housekeeping CPU's watch takes the CPUs off it; a CPU that sees it dead
 * first only hurries the watch on.
 */
static void tc_agent_reading(struct tc_timer_cpu *c, u64 *agent_now, u64 *now)
{
	struct taxcut_et_header *h = c->dev->header;
	u64 beat = smp_load_acquire(&h->heartbeat);	/* pairs with the agent's release */
	/* before now_ns: the agent stores its clock, then releases the instance */
	u64 instance = smp_load_acquire(&h->instance);

	*agent_now = READ_ONCE(h->now_ns);
	*now = tc_now();	/* after now_ns: the sample bounds the offset from above */
	if (instance != c->instance) {
		/* another agent, another host's: its clock owes nothing to the last */
		c->instance = instance;
		memset(&c->clock, 0, sizeof(c->clock));
		memset(&c->live, 0, sizeof(c->live));
		c->st.new_instance++;
	}
	if (!et_agent_alive(&c->live, beat, READ_ONCE(h->heartbeat_ns), *now))
		tc_timer_agent_lost(c->dev);
}

/* Arm guest time @expires in the slot. */
static void tc_program(struct tc_timer_cpu *c, u64 expires)
{
	u64 agent_now, now, deadline;
	s64 offset;
	bool near;

	tc_agent_reading(c, &agent_now, &now);
	et_clock_sample(&c->clock, now, agent_now);
	et_clock_offset(&c->clock, &offset);
	deadline = et_clock_to_agent(offset, expires);
	tc_slot_write(c, deadline);
	c->armed = true;
	c->expires = expires;
	/*
	 * Store-buffering with the agent, which stores the horizon, fences,
	 * then loads the slots: after our store and a full fence, either its
	 * next pass sees the deadline in time or we see the horizon of a pass
	 * that may have missed it (then it waits for the next look).
	 */
	smp_mb();
	near = et_near(deadline, READ_ONCE(c->dev->header->horizon_ns));
	if (near)
		c->st.near++;
	trace_timer_arm(c->cpu, expires, deadline, near);
}

static int tc_set_next_event(unsigned long delta, struct clock_event_device *ced)
{
	struct tc_timer_cpu *c = container_of(ced, struct tc_timer_cpu, ced);

	c->st.programmed++;
	/* ns: the device is registered at 1 GHz */
	tc_program(c, tc_now() + delta);
	return 0;
}

static int tc_shutdown(struct clock_event_device *ced)
{
	struct tc_timer_cpu *c = container_of(ced, struct tc_timer_cpu, ced);

	/*
	 * A fired deadline stays in the slot until the next write: cleared
	 * too, or a restore of the region would make it foreign and fired.
	 */
	if (c->armed || READ_ONCE(c->slot->deadline_ns))
		tc_slot_write(c, 0);
	c->armed = false;
	return 0;
}

static int tc_set_oneshot(struct clock_event_device *ced)
{
	return 0;
}

/* The agent fired the deadline armed now, not an earlier one (else: stale). */
static bool tc_fired_is_ours(struct tc_timer_cpu *c)
{
	/* pairs with the agent's release of fired_seq before it signals */
	if (c->armed && smp_load_acquire(&c->slot->fired_seq) == c->seq)
		return true;
	c->st.stale++;
	trace_timer_fire(c->cpu, TC_FIRE_STALE, 0);
	return false;
}

/* On the slot's CPU, in its interrupt: deliver the fire if it is ours. */
static void tc_slot_fired(struct tc_timer_cpu *c)
{
	u64 now;

	if (!tc_fired_is_ours(c))
		return;
	now = tc_now();
	switch (et_early(now, c->expires, c->dev->spin_max_ns)) {
	case ET_ON_TIME:
		trace_timer_fire(c->cpu, TC_FIRE_ON_TIME, (s64)(c->expires - now));
		break;
	case ET_SPIN:
		/* the clock offset is an upper bound: wait out the difference */
		c->st.early_spins++;
		c->st.early_max_ns = max(c->st.early_max_ns, c->expires - now);
		trace_timer_fire(c->cpu, TC_FIRE_SPUN, (s64)(c->expires - now));
		while (tc_now() < c->expires)
			cpu_relax();
		break;
	case ET_REPROGRAM:
		/* too early to wait here (a new clock): written again, in it */
		c->st.early_reprograms++;
		c->st.early_max_ns = max(c->st.early_max_ns, c->expires - now);
		trace_timer_fire(c->cpu, TC_FIRE_REPROGRAMMED, (s64)(c->expires - now));
		tc_program(c, c->expires);
		return;
	}
	c->st.fired++;
	c->armed = false;
	c->ced.event_handler(&c->ced);
}

/*
 * An IPI callback is no place to run the tick (it has no interrupt
 * registers), so the CPU writes the fired deadline again: it is due, and
 * the agent's next look fires it, through the vector now steered here.
 */
static void tc_forwarded(void *data)
{
	struct tc_timer_cpu *c = data;

	if (tc_fired_is_ours(c)) {
		c->st.forwarded++;
		trace_timer_fire(c->cpu, TC_FIRE_FORWARDED, (s64)(c->expires - tc_now()));
		/* not here: a vector that always lands elsewhere does not deliver */
		WRITE_ONCE(c->unanswered, c->unanswered + 1);
		tc_program(c, c->expires);
	}
	/* done with c: the device may go (tc_timer_stop waits for this) */
	atomic_dec(&c->dev->calls_in_flight);
}

/* Queue @csd to @c's CPU unless it is on its way; counted while queued. */
static void tc_call_cpu(struct tc_timer_cpu *c, call_single_data_t *csd)
{
	atomic_inc(&c->dev->calls_in_flight);
	if (!cpu_online(c->cpu) || smp_call_function_single_async(c->cpu, csd))
		atomic_dec(&c->dev->calls_in_flight);
}

/* The armed deadline the watch saw is still armed and needs writing again. */
static bool tc_rescue_needed(struct tc_timer_cpu *c, bool *fired)
{
	/* the agent releases its instance: pairs as in tc_agent_reading */
	u64 instance = smp_load_acquire(&c->dev->header->instance);

	/* only the deadline the watch saw: one armed since may be on its way */
	if (!c->armed || c->seq != READ_ONCE(c->rescue_seq))
		return false;
	/* pairs with the agent's release of fired_seq */
	*fired = smp_load_acquire(&c->slot->fired_seq) == c->seq;
	return *fired || c->instance != instance;
}

/*
 * On the slot's CPU, sent by the housekeeping CPU's watch: the agent fired
 * the armed deadline long ago, but its interrupt never came (an MSI lost
 * on its way, as in a vector's move between CPUs or while a migrated VM's
 * vectors are restored), or the deadline is still in another agent
 * instance's clock. Written again, in the current clock, the agent fires
 * it when due.
 */
static void tc_rescued(void *data)
{
	struct tc_timer_cpu *c = data;
	bool fired;

	if (tc_rescue_needed(c, &fired)) {
		c->st.rescued++;
		trace_timer_fire(c->cpu, TC_FIRE_RESCUED, (s64)(c->expires - tc_now()));
		/* fired, never delivered: the watch reads it; an arrival resets it */
		if (fired)
			WRITE_ONCE(c->unanswered, c->unanswered + 1);
		tc_program(c, c->expires);
	}
	atomic_dec(&c->dev->calls_in_flight);
}

/* From the watch, on the housekeeping CPU: for the deadline of slot @seq. */
void tc_clockevent_rescue(struct tc_timer_cpu *c, u32 seq)
{
	/* before the call: the IPI orders it for tc_rescued */
	WRITE_ONCE(c->rescue_seq, seq);
	tc_call_cpu(c, &c->rescue);
}

/* The agent fired a vector: normally on its CPU. */
irqreturn_t tc_clockevent_irq(int irq, void *data)
{
	struct tc_timer_cpu *c = data;

	if (likely(c->cpu == smp_processor_id())) {
		/* any arrival here, stale or not, shows the vector delivers */
		WRITE_ONCE(c->unanswered, 0);
		tc_slot_fired(c);
		return IRQ_HANDLED;
	}
	/*
	 * Elsewhere: an affinity change x86 applies only at the vector's next
	 * interrupt, or the CPU went down. Pass it on while the CPU is ours.
	 */
	atomic64_inc(&c->dev->stray_count);
	if (READ_ONCE(c->attached))
		tc_call_cpu(c, &c->forward);
	return IRQ_HANDLED;
}

void tc_clockevent_init_cpu(struct tc_timer_dev *dev, struct tc_timer_cpu *c, unsigned int cpu)
{
	c->dev = dev;
	c->cpu = cpu;
	c->slot = (void *)dev->header + TAXCUT_ET_SLOT_OFFSET((size_t)cpu);
	INIT_CSD(&c->forward, tc_forwarded, c);
	INIT_CSD(&c->rescue, tc_rescued, c);
}

/* taxcut-et is the CPU's tick device: registered, and not unbound since. */
bool tc_clockevent_bound(struct tc_timer_cpu *c)
{
	return READ_ONCE(c->attached) && !clockevent_state_detached(&c->ced);
}

/*
 * On @c's CPU (a hotplug callback or work_on_cpu), under the device's
 * lock: register the clockevent; the tick code installs it over the LAPIC
 * timer (rated lower) and moves the pending event over. 0 when it did.
 */
int tc_clockevent_attach(struct tc_timer_cpu *c)
{
	struct clock_event_device *ced = &c->ced;

	if (WARN_ON_ONCE(c->cpu != smp_processor_id()))
		return -EINVAL;
	if (c->attached) {
		if (tc_clockevent_bound(c))
			return 0;
		/* unbound through sysfs meanwhile: off the core's list, registered anew */
		c->attached = false;
	}
	memset(ced, 0, sizeof(*ced));
	ced->name = TC_CLOCKEVENT_NAME;
	ced->features = CLOCK_EVT_FEAT_ONESHOT;
	ced->rating = TC_RATING;
	ced->cpumask = cpumask_of(c->cpu);
	ced->irq = c->irq;
	ced->set_next_event = tc_set_next_event;
	ced->set_state_shutdown = tc_shutdown;
	ced->set_state_oneshot = tc_set_oneshot;
	ced->set_state_oneshot_stopped = tc_shutdown;
	/* the tick code holds the module while the device is a CPU's */
	ced->owner = THIS_MODULE;

	/* a fresh seq after the agent's last fired one, whatever an earlier load wrote */
	c->seq = (READ_ONCE(c->slot->seq) + 2) & ~1u;
	c->armed = false;
	WRITE_ONCE(c->unanswered, 0);
	memset(&c->live, 0, sizeof(c->live));
	memset(&c->clock, 0, sizeof(c->clock));
	c->instance = smp_load_acquire(&c->dev->header->instance);	/* the agent's release */

	clockevents_config_and_register(ced, NSEC_PER_SEC, 1000, TC_MAX_DELTA_NS);
	WRITE_ONCE(c->attached, true);
	if (clockevent_state_detached(ced)) {
		/* the tick code kept a better device: take ours off its list */
		pr_info("taxcut: CPU %u: the tick code kept its own device over taxcut-et\n",
			c->cpu);
		tc_clockevent_detach(c);
		return -EBUSY;
	}
	return 0;
}

/*
 * On any CPU, sleeping allowed, under the device's lock: hand @c's CPU
 * back to the best other device (its LAPIC timer). The tick code moves
 * the pending event over, so no timer is lost; the exchange shuts ours
 * down on its CPU (tc_shutdown disarms the slot).
 */
void tc_clockevent_detach(struct tc_timer_cpu *c)
{
	int ret;

	if (!c->attached)
		return;
	ret = clockevents_unbind_device(&c->ced, c->cpu);
	if (WARN(ret, "taxcut: CPU %u: cannot hand the tick back to another clockevent (%d)\n",
		 c->cpu, ret))
		return;
	WRITE_ONCE(c->attached, false);
}

/*
 * The broadcast placeholder. When taxcut-et displaces a LAPIC timer with
 * ARAT (rating 150, no C3STOP: every KVM guest's), the tick code offers
 * the released timer as the broadcast device and takes it over anything
 * rated lower (the HPET, 50). A broadcast device is never released again:
 * that CPU could not be handed back (clockevents_unbind_device() fails
 * with -EBUSY), and its LAPIC timer, registered again when the CPU comes
 * back online, would be added to the core's list twice. Held by a device
 * rated above the LAPIC timer before the first LAPIC timer is displaced,
 * the broadcast slot stays out of reach. It cannot be given back either:
 * the clockevents core has no way to, so the module stays loaded from
 * then on (the core holds it through .owner).
 *
 * With ARAT nothing needs a broadcast (no per-CPU device stops in idle),
 * but it works if asked: the housekeeping CPU's hrtimer runs its handler.
 */
static struct clock_event_device tc_bc;
static struct hrtimer tc_bc_timer;
static call_single_data_t tc_bc_csd;
static u64 tc_bc_due = KTIME_MAX;
static bool tc_bc_registered;

static enum hrtimer_restart tc_bc_fire(struct hrtimer *t)
{
	if (READ_ONCE(tc_bc_due) != KTIME_MAX && tc_bc.event_handler)
		tc_bc.event_handler(&tc_bc);
	return HRTIMER_NORESTART;
}

/* On the housekeeping CPU: (re)arm its hrtimer for the latest due time. */
static void tc_bc_arm(void *unused)
{
	u64 due;

	smp_mb();	/* the call unlocked before: read the latest due (pairs with tc_bc_kick) */
	due = READ_ONCE(tc_bc_due);

	if (due == KTIME_MAX)
		hrtimer_try_to_cancel(&tc_bc_timer);
	else
		hrtimer_start(&tc_bc_timer, ns_to_ktime(due), HRTIMER_MODE_ABS_PINNED_HARD);
}

static void tc_bc_kick(void)
{
	smp_mb();	/* due stored before the call's lock is looked at */
	if (smp_processor_id() == TC_HOUSEKEEPING_CPU)
		tc_bc_arm(NULL);
	else
		smp_call_function_single_async(TC_HOUSEKEEPING_CPU, &tc_bc_csd);	/* -EBUSY: queued */
}

static int tc_bc_set_next_event(unsigned long delta, struct clock_event_device *ced)
{
	WRITE_ONCE(tc_bc_due, ktime_get_ns() + delta);
	tc_bc_kick();
	return 0;
}

static int tc_bc_shutdown(struct clock_event_device *ced)
{
	WRITE_ONCE(tc_bc_due, KTIME_MAX);
	tc_bc_kick();
	return 0;
}

/* Before the first CPU is attached. 0, or -EOPNOTSUPP without a second CPU. */
int tc_broadcast_hold(void)
{
	if (num_possible_cpus() < 2)
		return -EOPNOTSUPP;	/* no housekeeping CPU besides one to serve */
	if (tc_bc_registered || !boot_cpu_has(X86_FEATURE_ARAT))
		return 0;
	hrtimer_init(&tc_bc_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_PINNED_HARD);
	tc_bc_timer.function = tc_bc_fire;
	INIT_CSD(&tc_bc_csd, tc_bc_arm, NULL);
	tc_bc.name = "taxcut-bc";
	tc_bc.features = CLOCK_EVT_FEAT_ONESHOT;
	tc_bc.rating = TC_RATING;
	tc_bc.cpumask = cpu_possible_mask;
	tc_bc.irq = -1;
	tc_bc.set_next_event = tc_bc_set_next_event;
	tc_bc.set_state_shutdown = tc_bc_shutdown;
	tc_bc.set_state_oneshot_stopped = tc_bc_shutdown;
	tc_bc.owner = THIS_MODULE;
	clockevents_config_and_register(&tc_bc, NSEC_PER_SEC, 1000, TC_MAX_DELTA_NS);
	if (clockevent_state_detached(&tc_bc)) {
		/*
		 * A better broadcast device holds the slot, which is all we
		 * want; off the list, or a hand-back could pick this one.
		 */
		if (clockevents_unbind_device(&tc_bc, cpumask_first(cpu_online_mask))) {
			/* left on the core's list: the module must stay, and serves nothing */
			__module_get(THIS_MODULE);
			return -EBUSY;
		}
		return 0;
	}
	tc_bc_registered = true;
	pr_info("taxcut: taxcut-bc holds the tick broadcast slot (LAPIC timers with ARAT): the module stays loaded from now on\n");
	return 0;
}

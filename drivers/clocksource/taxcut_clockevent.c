// SPDX-License-Identifier: GPL-2.0
/*
 * The exitless timer's per-CPU clockevent. It stands in front of the CPU's
 * LAPIC timer (rated above it, so the tick code programs it instead):
 * set_next_event writes the deadline into the CPU's slot when the agent is
 * alive and the deadline lies beyond the horizon the agent promised, and
 * only otherwise programs the LAPIC timer, which it keeps for itself. The
 * agent fires the deadline through the CPU's MSI-X vector. While a deadline
 * waits in the slot the LAPIC timer stays armed no further than one
 * backstop period ahead, so a CPU notices a dead agent even when idle.
 *
 * Everything per CPU runs on that CPU with interrupts off (set_next_event,
 * the two interrupt handlers), so it needs no lock.
 */
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include "taxcut.h"
#include "taxcut_timer.h"

#define TC_CLOCKEVENT_NAME	"taxcut-et"

static DEFINE_PER_CPU(struct tc_timer_cpu *, tc_this_cpu);

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
	WRITE_ONCE(s->armed, c->st.to_slot);
	c->seq += 2;
	/* the deadline before the even seq: pairs with the agent's acquire of seq */
	smp_store_release(&s->seq, c->seq);
}

/* Program the LAPIC timer for guest time @at, as clockevents would. */
static void tc_lapic_program(struct tc_timer_cpu *c, u64 now, u64 at)
{
	struct clock_event_device *l = c->lapic;
	u64 delta = at > now ? at - now : 0;
	unsigned long clc;

	delta = clamp_t(u64, delta, l->min_delta_ns, l->max_delta_ns);
	clc = ((unsigned long long)delta * l->mult) >> l->shift;
	l->set_next_event(clc, l);
	c->st.lapic_writes++;
	c->lapic_at = now + delta;
}

static void tc_backstop(struct tc_timer_cpu *c, u64 now)
{
	if (et_backstop_needed(c->lapic_at, now, c->dev->backstop_ns)) {
		tc_lapic_program(c, now, now + c->dev->backstop_ns);
		c->st.backstops++;
	}
}

static bool tc_agent_alive(struct tc_timer_cpu *c, u64 *agent_now, u64 *now)
{
	struct taxcut_et_header *h = c->dev->header;
	u64 beat = smp_load_acquire(&h->heartbeat);	/* pairs with the agent's release */
	/* before now_ns: the agent stores its clock, then releases the instance */
	u64 instance = smp_load_acquire(&h->instance);

	*agent_now = READ_ONCE(h->now_ns);
	*now = tc_now();	/* after now_ns: the sample bounds the offset from above */
	if (READ_ONCE(c->dev->agent_lost))
		return false;
	/*
	 * The agent rewrites its header every pass: another version or slot
	 * count (a migration to a host whose agent differs) is no agent of ours.
	 */
	if (READ_ONCE(h->version) != TAXCUT_ET_VERSION ||
	    READ_ONCE(h->nr_slots) != c->dev->nr_slots) {
		tc_timer_agent_lost(c->dev);
		return false;
	}
	if (instance != c->instance) {
		/* another agent, or another host's: its clock owes nothing to the last */
		c->instance = instance;
		memset(&c->clock, 0, sizeof(c->clock));
		memset(&c->live, 0, sizeof(c->live));
		c->st.new_instance++;
	}
	if (et_agent_alive(&c->live, beat, READ_ONCE(h->heartbeat_ns), *now))
		return true;
	tc_timer_agent_lost(c->dev);
	return false;
}

/* The region's horizon: the agent looks at every slot again before it. */
static u64 tc_horizon(struct tc_timer_cpu *c)
{
	return READ_ONCE(c->dev->header->horizon_ns);
}

/* Arm guest time @expires on the slot or the LAPIC timer. */
static void tc_program(struct tc_timer_cpu *c, u64 expires)
{
	u64 agent_now, now, deadline;
	s64 offset;

	if (tc_agent_alive(c, &agent_now, &now)) {
		et_clock_sample(&c->clock, now, agent_now);
		et_clock_offset(&c->clock, &offset);
		deadline = et_clock_to_agent(offset, expires);
		/* a horizon already past the deadline only grows: LAPIC at once */
		if (et_route(true, deadline, tc_horizon(c)) == ET_ROUTE_SLOT) {
			c->st.to_slot++;
			tc_slot_write(c, deadline);
			/*
			 * Store-buffering with the agent, which stores the horizon,
			 * fences, then loads the slots: after our store and a full
			 * fence, either the agent's next pass sees the deadline or
			 * we see the horizon of a pass that may have missed it.
			 */
			smp_mb();
			if (et_route(true, deadline, tc_horizon(c)) == ET_ROUTE_SLOT) {
				c->armed = TC_ARMED_SLOT;
				c->expires = expires;
				tc_backstop(c, now);
				return;
			}
			/* not the slot's after all: counted where it went */
			c->st.to_slot--;
			c->st.too_close++;
			c->armed = TC_ARMED_SLOT;	/* disarmed below */
		}
	}
	if (c->armed == TC_ARMED_SLOT)
		tc_slot_write(c, 0);
	c->st.to_lapic++;
	tc_lapic_program(c, now, expires);
	c->armed = TC_ARMED_LAPIC;
	c->expires = expires;
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

	/* a LAPIC timer still armed fires into tc_lapic_event as stale */
	if (c->armed == TC_ARMED_SLOT)
		tc_slot_write(c, 0);
	c->armed = TC_ARMED_NONE;
	return 0;
}

static int tc_set_oneshot(struct clock_event_device *ced)
{
	return 0;
}

/* The deadline is due (or nearly): run the tick code. */
static void tc_deliver(struct tc_timer_cpu *c)
{
	c->armed = TC_ARMED_NONE;
	c->ced.event_handler(&c->ced);
}

/* The agent fired the deadline armed now, not an earlier one (else: stale). */
static bool tc_fired_is_ours(struct tc_timer_cpu *c)
{
	/* pairs with the agent's release of fired_seq before it signals */
	if (c->armed == TC_ARMED_SLOT && smp_load_acquire(&c->slot->fired_seq) == c->seq)
		return true;
	c->st.stale++;
	return false;
}

/* On the slot's CPU: the agent fired; deliver it if it is still ours. */
static void tc_slot_fired(struct tc_timer_cpu *c)
{
	u64 now;

	if (!tc_fired_is_ours(c))
		return;
	c->st.fired_slot++;
	now = tc_now();
	switch (et_early(now, c->expires, c->dev->spin_max_ns)) {
	case ET_ON_TIME:
		break;
	case ET_SPIN:
		/* the clock offset is an upper bound: wait out the difference */
		c->st.early_spins++;
		c->st.early_max_ns = max(c->st.early_max_ns, c->expires - now);
		while (tc_now() < c->expires)
			cpu_relax();
		break;
	case ET_REPROGRAM:
		/* too early to wait here; the tick code must not run early */
		c->st.early_reprograms++;
		c->st.early_max_ns = max(c->st.early_max_ns, c->expires - now);
		tc_program(c, c->expires);
		return;
	}
	tc_deliver(c);
}

/*
 * An IPI callback is no place to run the tick (it has no interrupt
 * registers: tick_periodic() needs them): the CPU takes the fired
 * deadline over to its LAPIC timer, whose interrupt runs the tick.
 */
static void tc_forwarded(void *data)
{
	struct tc_timer_cpu *c = data;

	if (!tc_fired_is_ours(c))
		return;
	c->st.forwarded++;
	c->armed = TC_ARMED_LAPIC;
	tc_lapic_program(c, tc_now(), c->expires);
}

/* The agent fired a vector: normally on its CPU. */
irqreturn_t tc_clockevent_irq(int irq, void *data)
{
	struct tc_timer_cpu *c = data;

	if (likely(c->cpu == smp_processor_id())) {
		tc_slot_fired(c);
		return IRQ_HANDLED;
	}
	/*
	 * Elsewhere: an affinity change x86 applies only at the vector's next
	 * interrupt, or the CPU went down. Pass it on while the CPU is ours.
	 */
	atomic64_inc(&c->dev->stray_count);
	if (READ_ONCE(c->attached) && cpu_online(c->cpu))
		smp_call_function_single_async(c->cpu, &c->forward);	/* -EBUSY: on its way */
	return IRQ_HANDLED;
}

/* The LAPIC timer fired: a close deadline, the backstop, or stale. */
static void tc_lapic_event(struct clock_event_device *lapic)
{
	struct tc_timer_cpu *c = this_cpu_read(tc_this_cpu);
	u64 agent_now, now;

	c->lapic_at = U64_MAX;
	switch (c->armed) {
	case TC_ARMED_LAPIC:
		/* an earlier expiry (the backstop) latched while it was reprogrammed */
		if (tc_now() < c->expires) {
			c->st.stale++;
			tc_program(c, c->expires);
			break;
		}
		c->st.fired_lapic++;
		tc_deliver(c);
		break;
	case TC_ARMED_SLOT:
		if (tc_agent_alive(c, &agent_now, &now) && now < c->expires) {
			tc_backstop(c, now);
			break;
		}
		/* the agent died with our deadline, or its interrupt never came: take it back */
		c->st.rescued++;
		if (now >= c->expires) {
			tc_slot_write(c, 0);
			tc_deliver(c);
		} else {
			tc_program(c, c->expires);
		}
		break;
	case TC_ARMED_NONE:
		c->st.stale++;
		break;
	}
}

void tc_clockevent_init_cpu(struct tc_timer_dev *dev, struct tc_timer_cpu *c, unsigned int cpu)
{
	c->dev = dev;
	c->cpu = cpu;
	c->slot = (void *)dev->header + TAXCUT_ET_SLOT_OFFSET((size_t)cpu);
	INIT_CSD(&c->forward, tc_forwarded, c);
}

/*
 * The clockevents core hands a detached device to whoever asks: a sysfs
 * unbind of taxcut-et would install our LAPIC timer behind our back, and
 * one of "lapic" would drop it from the core's list (then nothing could
 * replace taxcut-et again). While ours, the LAPIC timer is marked not
 * detached (the core's state setters are not exported), so both unbinds
 * are refused with -EBUSY. Shut down, not oneshot: a TSC frequency update
 * then only rescales it and does not reprogram it behind our back.
 */
static void tc_lapic_claim(struct tc_timer_cpu *c)
{
	c->lapic->features |= CLOCK_EVT_FEAT_DUMMY;
	WRITE_ONCE(c->lapic->state_use_accessors, CLOCK_EVT_STATE_SHUTDOWN);
}

/* The LAPIC timer as it was before we took it, detached for the core. */
static void tc_lapic_release(struct tc_timer_cpu *c)
{
	c->lapic->features = c->lapic_features;
	WRITE_ONCE(c->lapic->state_use_accessors, CLOCK_EVT_STATE_DETACHED);
}

/*
 * On the LAPIC's CPU, once taxcut-et is no longer the tick device and the
 * LAPIC timer is not either: stop it and take our handler off it (the APIC
 * code shuts a timer without a handler down), unless the core has made it
 * the tick device meanwhile.
 */
static void tc_lapic_drop(void *data)
{
	struct clock_event_device *lapic = data;

	if (taxcut_tick_device(smp_processor_id()) == lapic)
		return;
	lapic->event_handler = NULL;
	lapic->set_state_shutdown(lapic);
}

static bool tc_is_lapic(struct clock_event_device *l)
{
	return l && (!strcmp(l->name, "lapic") || !strcmp(l->name, "lapic-deadline")) &&
	       (l->features & CLOCK_EVT_FEAT_ONESHOT);
}

/*
 * On @c's CPU (a hotplug callback or work_on_cpu), under the device's
 * lock: put the clockevent in front of the LAPIC timer. 0 when it is the
 * tick device now.
 */
int tc_clockevent_attach(struct tc_timer_cpu *c)
{
	struct clock_event_device *lapic = taxcut_tick_device(c->cpu);
	struct clock_event_device *ced = &c->ced;
	unsigned long flags;

	if (WARN_ON_ONCE(c->cpu != smp_processor_id()) || c->attached)
		return -EINVAL;
	if (!tc_is_lapic(lapic)) {
		pr_info("taxcut: CPU %u: tick device %s is not the LAPIC timer, left alone\n",
			c->cpu, lapic ? lapic->name : "unknown");
		return -ENODEV;
	}
	memset(ced, 0, sizeof(*ced));
	ced->name = TC_CLOCKEVENT_NAME;
	ced->features = CLOCK_EVT_FEAT_ONESHOT;
	ced->rating = lapic->rating + 50;
	ced->cpumask = cpumask_of(c->cpu);
	ced->irq = c->irq;
	ced->set_next_event = tc_set_next_event;
	ced->set_state_shutdown = tc_shutdown;
	ced->set_state_oneshot = tc_set_oneshot;
	ced->set_state_oneshot_stopped = tc_shutdown;
	/* no owner: the module detaches every CPU before it goes */

	/* a fresh seq after the agent's last fired one, whatever an earlier load wrote */
	c->seq = (READ_ONCE(c->slot->seq) + 2) & ~1u;
	c->armed = TC_ARMED_NONE;
	c->lapic_at = U64_MAX;
	memset(&c->live, 0, sizeof(c->live));
	memset(&c->clock, 0, sizeof(c->clock));
	c->instance = READ_ONCE(c->dev->header->instance);
	c->lapic = lapic;
	this_cpu_write(tc_this_cpu, c);

	/*
	 * Once released, a LAPIC timer with ARAT qualifies as the tick
	 * broadcast device (which the tick code shuts down at a CPU's
	 * offline) or, marked per-CPU, as the CPU's idle wakeup device (no
	 * longer detached, so never handed back). Marked dummy it is neither
	 * while it is ours; detach clears the mark before handing it back.
	 */
	c->lapic_features = lapic->features;
	lapic->features |= CLOCK_EVT_FEAT_DUMMY;

	/* irqs off until the LAPIC's interrupts reach us: none may fall between */
	local_irq_save(flags);
	clockevents_config_and_register(ced, NSEC_PER_SEC, 1000, lapic->max_delta_ns);
	if (taxcut_tick_device(c->cpu) != ced) {
		lapic->features = c->lapic_features;
		local_irq_restore(flags);
		WARN(clockevents_unbind_device(ced, c->cpu),
		     "taxcut: CPU %u: the tick code kept %s and holds on to taxcut-et\n",
		     c->cpu, lapic->name);
		return -EBUSY;
	}
	/*
	 * Ours now. Marked dummy, the exchange left it as it was (even
	 * stopped, masked): put it in oneshot mode, which its callback only
	 * does for a device not marked dummy.
	 */
	lapic->event_handler = tc_lapic_event;
	lapic->features = c->lapic_features;
	lapic->set_state_oneshot(lapic);
	tc_lapic_claim(c);
	if (c->armed == TC_ARMED_LAPIC || c->lapic_at != U64_MAX)
		tc_lapic_program(c, tc_now(), c->armed == TC_ARMED_LAPIC ? c->expires : c->lapic_at);
	c->attached = true;
	local_irq_restore(flags);
	return 0;
}

/*
 * On any CPU, sleeping allowed, under the device's lock: hand @c's CPU
 * back to its LAPIC timer. The tick code moves the pending event over
 * (tick_setup_device), so no timer is lost.
 */
void tc_clockevent_detach(struct tc_timer_cpu *c)
{
	struct clock_event_device *tick;
	int ret;

	if (!c->attached)
		return;
	tick = taxcut_tick_device(c->cpu);
	if (tick != &c->ced) {
		/*
		 * Not ours any more: another per-CPU clockevent replaced
		 * taxcut-et (none can on KVM and QEMU guests), or the CPU went
		 * down with it after a failed hand-back. Either way the core
		 * has dropped it from its lists. The LAPIC timer is left to the
		 * core, quiet unless the core has it.
		 */
		pr_warn("taxcut: CPU %u: %s replaced taxcut-et\n", c->cpu,
			tick ? tick->name : "no device");
		if (tick != c->lapic) {
			tc_lapic_release(c);
			if (cpu_online(c->cpu))
				smp_call_function_single(c->cpu, tc_lapic_drop, c->lapic, 1);
		}
		WRITE_ONCE(c->attached, false);
		return;
	}
	tc_lapic_release(c);
	ret = clockevents_unbind_device(&c->ced, c->cpu);
	/*
	 * Only a LAPIC timer gone from the core's list fails this. Still ours:
	 * left released, so a CPU going down with it trips no check.
	 */
	if (WARN(ret, "taxcut: CPU %u: cannot hand the tick back to the LAPIC timer (%d)\n",
		 c->cpu, ret))
		return;
	/* the exchange shut ced down on its CPU (tc_shutdown): the slot is disarmed */
	WRITE_ONCE(c->attached, false);
}

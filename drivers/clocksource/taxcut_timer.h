/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exitless timer's guest side: the device (taxcut_timer.c) and the
 * per-CPU clockevent in front of the LAPIC timer (taxcut_clockevent.c).
 */
#ifndef _TAXCUT_TIMER_H
#define _TAXCUT_TIMER_H

#include <linux/clockchips.h>
#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/workqueue.h>
#include <uapi/taxcut/exitless_timer.h>
#include "timer_policy.h"

/* What became of an interrupt for a slot: the timer_fire event's "how". */
enum tc_fire_how {
	TC_FIRE_ON_TIME,
	TC_FIRE_SPUN,		/* early: spun out the difference */
	TC_FIRE_REPROGRAMMED,	/* too early: written again */
	TC_FIRE_FORWARDED,	/* reached another CPU: written again here */
	TC_FIRE_RESCUED,	/* fired, never delivered: written again */
	TC_FIRE_STALE,		/* for a deadline no longer armed */
};

/* Per CPU; every field but the counters is touched only on that CPU. */
struct tc_timer_stats {
	u64 programmed;		/* set_next_event calls: the events the guest programmed */
	u64 near;		/* stored before the horizon: may wait up to it */
	u64 fired;		/* interrupts for the deadline armed */
	u64 early_spins, early_reprograms, early_max_ns;
	u64 stale;		/* interrupts for a deadline no longer armed */
	u64 forwarded;		/* fired deadlines whose interrupt reached another CPU */
	u64 rescued;		/* fired, never delivered, or foreign: written again */
	u64 new_instance;	/* the agent's instance changed: clock re-learnt */
};

struct tc_timer_cpu {
	struct clock_event_device ced;
	struct tc_timer_dev *dev;
	struct taxcut_et_slot *slot;
	unsigned int cpu;
	int irq;
	bool attached;		/* ced registered on its CPU (it may have been unbound since) */
	bool armed;		/* a deadline waits in the slot */
	bool suspect;		/* the watch saw suspect_seq overdue, unfired, once */
	u32 suspect_seq;
	bool foreign;		/* the watch saw foreign_seq in another instance's clock, once */
	u32 foreign_seq;
	u32 rescue_seq;		/* the seq the watch's rescue is for */
	unsigned int unanswered;	/* fires rescued or forwarded since an arrival */
	u32 seq;		/* the slot's seq as we last wrote it (even) */
	u64 instance;		/* the agent instance whose clock c->clock maps to */
	u64 expires;		/* guest ns of the armed deadline */
	struct et_clock clock;
	struct et_liveness live;
	call_single_data_t forward;	/* a fire that reached another CPU */
	call_single_data_t rescue;	/* a fire whose interrupt never came */
	struct tc_timer_stats st;
};

struct tc_timer_dev {
	struct pci_dev *pdev;
	struct taxcut_et_header *header;
	u32 nr_slots;
	unsigned int nr_cpus;		/* CPUs 1..nr_cpus-1 have a slot and a vector */
	struct tc_timer_cpu *cpus;
	int hp_state;			/* cpuhp state, 0 when not set up */
	u64 spin_max_ns;
	unsigned int watch_ms;		/* the housekeeping CPU's look at the agent */
	int agent_lost;			/* 1 while the CPUs are off a lost agent (the watch's) */
	struct mutex lock;		/* attach, detach, stopping; inside cpus_read_lock() */
	bool stopping;
	bool disabled;			/* exitless_timer=0 written at runtime */
	struct irq_work kick;		/* a served CPU asks the watch to look now */
	struct delayed_work watch_work;	/* on the housekeeping CPU, always */
	atomic_t calls_in_flight;	/* forward and rescue calls queued, not yet run */
	struct et_liveness live;	/* the watch's own view of the beat */
	atomic64_t stray_count;
	u64 lost_beat;			/* the beat when the agent was found lost */
	unsigned int steady_ms;		/* how long the lost agent has beaten at every look */
	unsigned int holdoff_ms;	/* steady beating wanted before re-attaching */
	unsigned long reattached_at;	/* jiffies */
	unsigned int fallbacks, reattaches, overdue;
	bool pinned;			/* a CPU could not be handed back: never freed */
};

/* The CPU that keeps the kernel's own clockevent and watches the agent. */
#define TC_HOUSEKEEPING_CPU	0

/* taxcut_clockevent.c */
int tc_clockevent_attach(struct tc_timer_cpu *c);
void tc_clockevent_detach(struct tc_timer_cpu *c);
bool tc_clockevent_bound(struct tc_timer_cpu *c);
irqreturn_t tc_clockevent_irq(int irq, void *data);
void tc_clockevent_rescue(struct tc_timer_cpu *c, u32 seq);
void tc_clockevent_init_cpu(struct tc_timer_dev *dev, struct tc_timer_cpu *c, unsigned int cpu);
int tc_broadcast_hold(void);

/* taxcut_timer.c */
void tc_timer_agent_lost(struct tc_timer_dev *dev);

#endif /* _TAXCUT_TIMER_H */

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

enum tc_armed { TC_ARMED_NONE, TC_ARMED_SLOT, TC_ARMED_LAPIC };

/* Per CPU; every field but the counters is touched only on that CPU. */
struct tc_timer_stats {
	u64 programmed;		/* set_next_event calls: the events the guest programmed */
	u64 to_slot, to_lapic;	/* where they went */
	u64 backstops;		/* LAPIC writes for the backstop alone */
	u64 fired_slot, fired_lapic;
	u64 early_spins, early_reprograms, early_max_ns;
	u64 stale;		/* interrupts for a deadline no longer armed */
	u64 too_close;		/* written, then found before the horizon: LAPIC */
	u64 new_instance;	/* the agent's instance changed: clock re-learnt */
	u64 rescued;		/* deadlines taken back from a dead agent by the backstop */
	u64 forwarded;		/* fired deadlines whose interrupt reached another CPU */
	u64 lapic_writes;	/* LAPIC timer programmings: one register write each */
};

struct tc_timer_cpu {
	struct clock_event_device ced;
	struct clock_event_device *lapic;	/* the LAPIC timer behind us */
	unsigned int lapic_features;		/* its features before we took it */
	struct tc_timer_dev *dev;
	struct taxcut_et_slot *slot;
	unsigned int cpu;
	int irq;
	bool attached;		/* ced is this CPU's tick device */
	enum tc_armed armed;
	u32 seq;		/* the slot's seq as we last wrote it (even) */
	u64 instance;		/* the agent instance whose clock c->clock maps to */
	u64 expires;		/* guest ns of the armed deadline */
	u64 lapic_at;		/* guest ns the LAPIC timer fires at, U64_MAX: not armed */
	struct et_clock clock;
	struct et_liveness live;
	call_single_data_t forward;	/* a fire that reached another CPU */
	struct tc_timer_stats st;
};

struct tc_timer_dev {
	struct pci_dev *pdev;
	struct taxcut_et_header *header;
	u32 nr_slots;
	unsigned int nr_cpus;		/* CPUs 0..nr_cpus-1 have a slot and a vector */
	struct tc_timer_cpu *cpus;
	int hp_state;			/* cpuhp state, 0 when not set up */
	u64 backstop_ns, spin_max_ns;
	int agent_lost;			/* 1 once a CPU found the agent dead */
	struct mutex lock;		/* attach, detach, stopping; inside cpus_read_lock() */
	bool stopping;
	struct irq_work lost_irq_work;
	struct work_struct lost_work;
	struct delayed_work watch_work;	/* while lost: waits for the beat to come back */
	atomic64_t stray_count;
	u64 lost_beat;			/* the beat when the agent was found lost */
	unsigned int steady_ms;		/* how long the lost agent has beaten at every look */
	unsigned int holdoff_ms;	/* steady beating wanted before re-attaching */
	unsigned long reattached_at;	/* jiffies */
	unsigned int fallbacks, reattaches;
	bool pinned;			/* a CPU could not be handed back: never freed */
	const char *lapic_name;
};

/* taxcut_clockevent.c */
int tc_clockevent_attach(struct tc_timer_cpu *c);
void tc_clockevent_detach(struct tc_timer_cpu *c);
irqreturn_t tc_clockevent_irq(int irq, void *data);
void tc_clockevent_init_cpu(struct tc_timer_dev *dev, struct tc_timer_cpu *c, unsigned int cpu);

/* taxcut_timer.c */
void tc_timer_agent_lost(struct tc_timer_dev *dev);

#endif /* _TAXCUT_TIMER_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exitless timer's guest-side rules, pure (no kernel state): how a vCPU
 * maps its clock to the agent's, decides whether the agent is alive, and
 * routes each deadline to its slot or to the LAPIC timer. The clockevent in
 * taxcut_timer.c feeds it readings; docs/exitless-timer.md explains them.
 */
#ifndef _TAXCUT_TIMER_POLICY_H
#define _TAXCUT_TIMER_POLICY_H

#include <taxcut/pure.h>

/*
 * Clock mapping. offset = guest clock - agent clock. A sample reads the
 * agent's published now_ns and then the guest clock, so it is an upper
 * bound of the offset, above it by the age of now_ns. The estimate is the
 * smallest sample of the current and the previous epoch: it converges to
 * the freshest reading and follows drift within two epochs.
 */
#define ET_CLOCK_EPOCH_NS	500000000ull	/* 0.5 s */

struct et_clock {
	s64 min_cur;		/* smallest sample of this epoch */
	s64 min_prev;		/* ... of the previous epoch */
	u64 epoch_end;		/* guest ns */
	bool have_cur, have_prev;
};

void et_clock_sample(struct et_clock *c, u64 guest_ns, u64 agent_ns);
/* false until the first sample */
bool et_clock_offset(const struct et_clock *c, s64 *offset);
/* the agent-clock deadline for a guest-clock one; never 0 (0 disarms) */
u64 et_clock_to_agent(s64 offset, u64 guest_ns);

/*
 * Liveness, per vCPU: the agent promises heartbeat advances at least every
 * heartbeat_ns. It is alive while the beat it shows changed within twice
 * that, as seen on this vCPU's clock; heartbeat_ns 0 means it stopped.
 */
#define ET_HEARTBEAT_MAX_NS	1000000000ull	/* a longer promise counts as 1 s */

struct et_liveness {
	u64 beat;
	u64 seen_ns;		/* guest ns when beat was first seen */
	bool seen;
};

bool et_agent_alive(struct et_liveness *l, u64 beat, u64 heartbeat_ns, u64 now_ns);

/*
 * A deadline stored before the horizon the agent promised may wait for its
 * next look: late by up to horizon - deadline (counted, never early).
 */
bool et_near(u64 agent_deadline, u64 horizon_ns);

/*
 * The housekeeping CPU's watch: a slot whose deadline the agent's clock
 * passed more than grace_ns ago without a fire means the agent fails this
 * guest even though it beats.
 */
bool et_overdue(u64 agent_deadline, u64 agent_now_ns, u64 grace_ns);

/*
 * An interrupt for a deadline that the guest clock has not reached yet
 * (the offset estimate is an upper bound): the handler waits the rest when
 * it is at most spin_max_ns, else hands it back to the tick code.
 */
enum et_early { ET_ON_TIME, ET_SPIN, ET_REPROGRAM };

enum et_early et_early(u64 now_ns, u64 expires_ns, u64 spin_max_ns);

#endif /* _TAXCUT_TIMER_POLICY_H */

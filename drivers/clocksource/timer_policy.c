// SPDX-License-Identifier: GPL-2.0
/* The exitless timer's guest-side rules; see timer_policy.h. */
#include "timer_policy.h"

void et_clock_sample(struct et_clock *c, u64 guest_ns, u64 agent_ns)
{
	s64 sample = (s64)(guest_ns - agent_ns);

	if (guest_ns >= c->epoch_end) {
		/* a new epoch: the old one's minimum still counts for one more */
		c->min_prev = c->min_cur;
		c->have_prev = c->have_cur;
		c->have_cur = false;
		c->epoch_end = guest_ns + ET_CLOCK_EPOCH_NS;
	}
	if (!c->have_cur || sample < c->min_cur) {
		c->min_cur = sample;
		c->have_cur = true;
	}
}

bool et_clock_offset(const struct et_clock *c, s64 *offset)
{
	if (c->have_cur && c->have_prev)
		*offset = c->min_cur < c->min_prev ? c->min_cur : c->min_prev;
	else if (c->have_cur)
		*offset = c->min_cur;
	else if (c->have_prev)
		*offset = c->min_prev;
	else
		return false;
	return true;
}

u64 et_clock_to_agent(s64 offset, u64 guest_ns)
{
	u64 agent = guest_ns - (u64)offset;

	/* a deadline mapped before the agent's epoch is simply due */
	if (offset > 0 && guest_ns <= (u64)offset)
		return 1;
	return agent ? agent : 1;
}

bool et_agent_alive(struct et_liveness *l, u64 beat, u64 heartbeat_ns, u64 now_ns)
{
	if (!heartbeat_ns)
		return false;
	if (heartbeat_ns > ET_HEARTBEAT_MAX_NS)
		heartbeat_ns = ET_HEARTBEAT_MAX_NS;
	if (!l->seen || beat != l->beat) {
		l->beat = beat;
		l->seen_ns = now_ns;
		l->seen = true;
		return true;
	}
	return now_ns - l->seen_ns <= 2 * heartbeat_ns;
}

bool et_near(u64 agent_deadline, u64 horizon_ns)
{
	return agent_deadline < horizon_ns;
}

bool et_overdue(u64 agent_deadline, u64 agent_now_ns, u64 grace_ns)
{
	return agent_deadline && agent_now_ns > grace_ns &&
	       agent_deadline < agent_now_ns - grace_ns;
}

enum et_early et_early(u64 now_ns, u64 expires_ns, u64 spin_max_ns)
{
	if (now_ns >= expires_ns)
		return ET_ON_TIME;
	return expires_ns - now_ns <= spin_max_ns ? ET_SPIN : ET_REPROGRAM;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The slack of a firing thread's horizon, from what its passes measured:
 * how much later than planned (its period after the last look) a region's
 * next look came. The horizon it promises is the next planned look plus
 * this slack; a look later than the horizon is a broken promise, counted
 * per VM by the caller. No I/O, no clock of its own.
 */
#ifndef TAXCUT_AGENT_SLACK_H
#define TAXCUT_AGENT_SLACK_H

#include <stdint.h>

/*
 * The maximum of the last ET_SLACK_WINDOWS windows of this length is what
 * counts: the slack only tells the guest which deadlines may wait for a
 * look (it counts them), so it follows the worst evidence for a minute
 * rather than hoping a calm second means a calm host.
 */
#define ET_SLACK_WINDOW_NS	1000000000ull
#define ET_SLACK_WINDOWS	64

struct et_slack {
	uint64_t floor_ns, ceil_ns;
	uint64_t window_start_ns;
	unsigned int now;			/* the current window's index */
	uint64_t max_ns[ET_SLACK_WINDOWS];	/* each window's worst */
	uint64_t worst_ns;			/* theirs: read at every look */
};

/*
 * Starts as if @initial_ns had been measured (a guess for the first
 * windows, before there is anything to go by).
 */
void et_slack_init(struct et_slack *s, uint64_t floor_ns, uint64_t ceil_ns,
		   uint64_t initial_ns, uint64_t now_ns);

/* A look @late_ns later than planned, at @now_ns. */
void et_slack_observe(struct et_slack *s, uint64_t late_ns, uint64_t now_ns);

/* The slack to promise now: half again the worst remembered, plus the floor, at most the ceiling. */
uint64_t et_slack_ns(const struct et_slack *s);

#endif /* TAXCUT_AGENT_SLACK_H */

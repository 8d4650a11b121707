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

/* the maximum of the last two windows of this length is what counts */
#define ET_SLACK_WINDOW_NS	1000000000ull

struct et_slack {
	uint64_t floor_ns, ceil_ns;
	uint64_t window_start_ns;
	uint64_t max_now_ns, max_last_ns;	/* this window's, the last one's */
};

/*
 * Starts as if @initial_ns had been measured (a guess for the first
 * windows, before there is anything to go by).
 */
void et_slack_init(struct et_slack *s, uint64_t floor_ns, uint64_t ceil_ns,
		   uint64_t initial_ns, uint64_t now_ns);

/* A look @late_ns later than planned, at @now_ns. */
void et_slack_observe(struct et_slack *s, uint64_t late_ns, uint64_t now_ns);

/* The slack to promise now: half again the recent worst, plus the floor, at most the ceiling. */
uint64_t et_slack_ns(const struct et_slack *s);

#endif /* TAXCUT_AGENT_SLACK_H */

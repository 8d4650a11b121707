// SPDX-License-Identifier: GPL-2.0
/*
 * The horizon's slack (slack.h): a windowed maximum. The worst lateness of
 * the last minute or so: one slow pass raises the slack at once, and it
 * comes down when the slow pass is a minute old.
 */
#include "slack.h"

static void roll(struct et_slack *s, uint64_t now_ns)
{
	uint64_t passed = (now_ns - s->window_start_ns) / ET_SLACK_WINDOW_NS, i;

	if (!passed)
		return;
	/* each window passed starts empty; after all of them, all are */
	for (i = 0; i < passed && i < ET_SLACK_WINDOWS; i++) {
		s->now = (s->now + 1) % ET_SLACK_WINDOWS;
		s->max_ns[s->now] = 0;
	}
	s->window_start_ns += passed * ET_SLACK_WINDOW_NS;
	s->worst_ns = 0;
	for (i = 0; i < ET_SLACK_WINDOWS; i++)
		if (s->max_ns[i] > s->worst_ns)
			s->worst_ns = s->max_ns[i];
}

void et_slack_init(struct et_slack *s, uint64_t floor_ns, uint64_t ceil_ns,
		   uint64_t initial_ns, uint64_t now_ns)
{
	*s = (struct et_slack){ .floor_ns = floor_ns, .ceil_ns = ceil_ns,
				.window_start_ns = now_ns };
	s->max_ns[0] = initial_ns;
	s->worst_ns = initial_ns;
}

void et_slack_observe(struct et_slack *s, uint64_t late_ns, uint64_t now_ns)
{
	if (now_ns < s->window_start_ns)
		return;		/* a clock read before the window began: nothing to roll */
	roll(s, now_ns);
	if (late_ns > s->max_ns[s->now])
		s->max_ns[s->now] = late_ns;
	if (late_ns > s->worst_ns)
		s->worst_ns = late_ns;
}

uint64_t et_slack_ns(const struct et_slack *s)
{
	uint64_t worst = s->worst_ns, slack;

	if (worst > s->ceil_ns)
		return s->ceil_ns;
	slack = s->floor_ns + worst + worst / 2;
	return slack < s->ceil_ns ? slack : s->ceil_ns;
}

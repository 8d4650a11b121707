// SPDX-License-Identifier: GPL-2.0
/*
 * The horizon's slack (slack.h): a windowed maximum. The worst lateness of
 * the last one to two seconds, so one slow pass raises the slack at once
 * and a calm second lowers it again.
 */
#include "slack.h"

static void roll(struct et_slack *s, uint64_t now_ns)
{
	if (now_ns - s->window_start_ns < ET_SLACK_WINDOW_NS)
		return;
	/* a window with nothing after the last: that one is forgotten too */
	s->max_last_ns = now_ns - s->window_start_ns < 2 * ET_SLACK_WINDOW_NS ? s->max_now_ns : 0;
	s->max_now_ns = 0;
	s->window_start_ns = now_ns;
}

void et_slack_init(struct et_slack *s, uint64_t floor_ns, uint64_t ceil_ns,
		   uint64_t initial_ns, uint64_t now_ns)
{
	*s = (struct et_slack){ .floor_ns = floor_ns, .ceil_ns = ceil_ns,
				.window_start_ns = now_ns, .max_now_ns = initial_ns };
}

void et_slack_observe(struct et_slack *s, uint64_t late_ns, uint64_t now_ns)
{
	roll(s, now_ns);
	if (late_ns > s->max_now_ns)
		s->max_now_ns = late_ns;
}

uint64_t et_slack_ns(const struct et_slack *s)
{
	uint64_t worst = s->max_now_ns > s->max_last_ns ? s->max_now_ns : s->max_last_ns;
	uint64_t slack;

	if (worst > s->ceil_ns)
		return s->ceil_ns;
	slack = s->floor_ns + worst + worst / 2;
	return slack < s->ceil_ns ? slack : s->ceil_ns;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The control of the agent benchmark: a thread that only sleeps a period
 * and wakes, as a firing thread does, at the same scheduling class, for
 * the same seconds. How late it wakes is what the machine does to any
 * sleeper; a firing thread woken later than that is the agent's own doing.
 *
 *   wake_probe SECONDS PERIOD_US FIFO_PRIO(0: SCHED_OTHER)
 * prints {"wakes": N, "late_max_ns": N, "late_over_1ms": N, "late_p99_ns": N}.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#define BUCKETS	20000	/* 1 us each; the last is "and later" */

static uint64_t hist[BUCKETS];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t end, period, wakes = 0, max = 0, over = 0, seen = 0, p99 = 0, want;
	struct sched_param sp;
	int prio, i;

	if (argc != 4)
		return 2;
	end = now_ns() + strtoull(argv[1], NULL, 10) * 1000000000ull;
	period = strtoull(argv[2], NULL, 10) * 1000;
	prio = atoi(argv[3]);
	prctl(PR_SET_TIMERSLACK, 1ul, 0, 0, 0);
	if (prio) {
		memset(&sp, 0, sizeof(sp));
		sp.sched_priority = prio;
		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			return 1;
	}
	while (now_ns() < end) {
		uint64_t planned = now_ns() + period, late;
		struct timespec ts = { .tv_sec = planned / 1000000000ull,
				       .tv_nsec = planned % 1000000000ull };

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		late = now_ns() - planned;
		wakes++;
		max = late > max ? late : max;
		over += late > 1000000;
		hist[late / 1000 < BUCKETS ? late / 1000 : BUCKETS - 1]++;
	}
	want = wakes - wakes / 100;
	for (i = 0; i < BUCKETS; i++) {
		seen += hist[i];
		if (seen >= want) {
			p99 = (uint64_t)i * 1000;
			break;
		}
	}
	printf("{\"wakes\": %llu, \"late_max_ns\": %llu, \"late_over_1ms\": %llu, \"late_p99_ns\": %llu}\n",
	       (unsigned long long)wakes, (unsigned long long)max, (unsigned long long)over,
	       (unsigned long long)p99);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * timer_accuracy THREADS SECONDS MIN_US MAX_US: one thread per CPU sleeping
 * intervals from MIN_US doubling while at most MAX_US by relative nanosleep,
 * absolute clock_nanosleep and a timerfd in turn, for SECONDS or until a
 * SIGINT (each thread finishes the sleep it is in, then stops). Prints one
 * line: wakeups, early ones (woken before the interval or the absolute
 * time), threads that never finished, and the lateness p50/p99/max in us.
 * A kernel without timerfd gets the other two.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES 200000

struct worker {
	pthread_t thread;
	int cpu;
	long n, early;
	int done;		/* written last by the thread (release) */
	uint32_t *late_ns;
};

static long seconds, min_us, max_us;
static volatile sig_atomic_t stop;

static void on_sigint(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct timespec ts_of(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ull, ns % 1000000000ull };

	return ts;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	uint64_t end = now_ns() + seconds * 1000000000ull, us = min_us;
	int tfd = timerfd_create(CLOCK_MONOTONIC, 0), kind = 0, kinds = tfd < 0 ? 2 : 3;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!stop && now_ns() < end && w->n < MAX_SAMPLES) {
		uint64_t want = us * 1000, start = now_ns(), woke, target = start + want;
		struct timespec ts = ts_of(want);

		if (kind == 0) {
			while (nanosleep(&ts, &ts))
				;
		} else if (kind == 1) {
			ts = ts_of(target);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
				;
		} else {
			struct itimerspec its = { .it_value = ts_of(target) };
			uint64_t expirations;

			if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) ||
			    read(tfd, &expirations, sizeof(expirations)) != sizeof(expirations)) {
				perror("timer_accuracy: timerfd");
				exit(2);
			}
		}
		woke = now_ns();
		if (woke < target)
			w->early++;
		else
			w->late_ns[w->n++] = (woke - target) > UINT32_MAX ? UINT32_MAX :
					     (uint32_t)(woke - target);
		kind = (kind + 1) % kinds;
		us = us * 2 > (uint64_t)max_us ? (uint64_t)min_us : us * 2;
	}
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int threads, i, unfinished = 0;
	long total = 0, early = 0, k = 0;
	struct worker *w;
	uint32_t *all;
	sigset_t sigint;

	if (argc != 5) {
		fprintf(stderr, "usage: timer_accuracy THREADS SECONDS MIN_US MAX_US\n");
		return 2;
	}
	threads = atoi(argv[1]);
	seconds = atol(argv[2]);
	min_us = atol(argv[3]);
	max_us = atol(argv[4]);
	w = calloc(threads, sizeof(*w));
	/* only this thread takes SIGINT: the workers' sleeps are never cut short */
	sigemptyset(&sigint);
	sigaddset(&sigint, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigint, NULL);
	{
		int probe = timerfd_create(CLOCK_MONOTONIC, 0);

		if (probe < 0)
			printf("# timer_accuracy: no timerfd on this kernel: nanosleep and clock_nanosleep only\n");
		else
			close(probe);
	}
	for (i = 0; i < threads; i++) {
		w[i].cpu = i;
		w[i].late_ns = calloc(MAX_SAMPLES, sizeof(uint32_t));
		pthread_create(&w[i].thread, NULL, run, &w[i]);
	}
	signal(SIGINT, on_sigint);
	pthread_sigmask(SIG_UNBLOCK, &sigint, NULL);
	/* a lost timer leaves its thread asleep: give them 10 s more, then count */
	for (i = 0; i < (seconds + 10) * 10; i++) {
		int done = 0;

		if (stop && i < seconds * 10)
			i = seconds * 10;	/* stopped: the 10 s of grace from now */

		for (int j = 0; j < threads; j++)
			done += __atomic_load_n(&w[j].done, __ATOMIC_ACQUIRE);
		if (done == threads)
			break;
		usleep(100000);
	}
	/* a thread still asleep is lost; only finished threads' samples are read */
	for (i = 0; i < threads; i++) {
		if (!__atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE)) {
			unfinished++;
			continue;
		}
		total += w[i].n + w[i].early;
		early += w[i].early;
	}
	all = calloc(total + 1, sizeof(uint32_t));
	for (i = 0; i < threads; i++) {
		if (!__atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE))
			continue;
		memcpy(all + k, w[i].late_ns, w[i].n * sizeof(uint32_t));
		k += w[i].n;
	}
	qsort(all, k, sizeof(uint32_t), cmp);
	/* nearest-rank percentiles */
	printf("timer_accuracy: wakeups %ld early %ld unfinished %d late_p50_us %.1f late_p99_us %.1f late_max_us %.1f\n",
	       total, early, unfinished, k ? all[(k + 1) / 2 - 1] / 1000.0 : 0,
	       k ? all[(k * 99 + 99) / 100 - 1] / 1000.0 : 0, k ? all[k - 1] / 1000.0 : 0);
	/* the distribution, for the benchmark's CDF: nearest-rank quantiles, in 1/10000 */
	static const long q[] = { 0, 100, 500, 1000, 2000, 3000, 4000, 5000, 6000, 7000,
				  8000, 9000, 9500, 9900, 9990, 9999 };
	printf("timer_accuracy_quantiles:");
	for (i = 0; k && i < (int)(sizeof(q) / sizeof(q[0])); i++) {
		long rank = (k * q[i] + 9999) / 10000;

		printf(" p%g %.1f", q[i] / 100.0, all[(rank < 1 ? 1 : rank) - 1] / 1000.0);
	}
	printf(" max %.1f\n", k ? all[k - 1] / 1000.0 : 0);
	fflush(stdout);
	/* unfinished threads still sleep: leave without joining them */
	_exit(unfinished || early ? 1 : 0);
}

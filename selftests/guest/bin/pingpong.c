// SPDX-License-Identifier: GPL-2.0
/*
 * pingpong [-n ROUNDS] [-t THINK_US[,THINK_US...]] [-b BURST] [-c CPU] [-s CPU]
 *
 * Two threads on two CPUs pass a byte back and forth through pipes. The
 * client spins for a think time, sends, and blocks for the reply; the
 * server blocks for the request and replies at once. So the server's CPU
 * is idle for about the think time and the client's for one wakeup: the
 * idle periods a guest halt-polling policy must handle. With several think
 * times, -b BURST picks them in bursts of BURST rounds in turn, else at
 * random. Prints one line: rounds, RTT p50/p99/max in ns.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int to_server[2], to_client[2];
static long rounds = 2000, burst;
static int client_cpu, server_cpu = 1;
static long thinks[16], nthinks;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(2);
	}
}

static void *server(void *arg)
{
	char c;

	pin(server_cpu);
	while (read(to_server[0], &c, 1) == 1 && c)
		if (write(to_client[1], &c, 1) != 1)
			break;
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned long long *rtt, start;
	unsigned int seed = 1;
	pthread_t thread;
	char c = 1, *s;
	int opt;
	long i;

	thinks[nthinks++] = 0;
	while ((opt = getopt(argc, argv, "n:t:b:c:s:")) != -1) {
		switch (opt) {
		case 'n': rounds = atol(optarg); break;
		case 'b': burst = atol(optarg); break;
		case 'c': client_cpu = atoi(optarg); break;
		case 's': server_cpu = atoi(optarg); break;
		case 't':
			nthinks = 0;
			for (s = strtok(optarg, ","); s && nthinks < 16; s = strtok(NULL, ","))
				thinks[nthinks++] = atol(s);
			break;
		default:
			fprintf(stderr, "usage: pingpong [-n ROUNDS] [-t US[,US...]] [-b BURST] [-c CPU] [-s CPU]\n");
			return 2;
		}
	}
	rtt = calloc(rounds, sizeof(*rtt));
	if (!rtt || pipe(to_server) || pipe(to_client))
		return 2;
	pthread_create(&thread, NULL, server, NULL);
	pin(client_cpu);
	for (i = 0; i < rounds; i++) {
		long think = burst ? thinks[(i / burst) % nthinks] : thinks[rand_r(&seed) % nthinks];
		unsigned long long until = now_ns() + think * 1000ULL;

		while (now_ns() < until)
			;
		start = now_ns();
		if (write(to_server[1], &c, 1) != 1 || read(to_client[0], &c, 1) != 1)
			return 1;
		rtt[i] = now_ns() - start;
	}
	c = 0;
	if (write(to_server[1], &c, 1) != 1)
		return 1;
	pthread_join(thread, NULL);
	qsort(rtt, rounds, sizeof(*rtt), cmp);
	printf("rounds %ld p50_ns %llu p99_ns %llu max_ns %llu\n", rounds,
	       rtt[rounds / 2], rtt[rounds * 99 / 100], rtt[rounds - 1]);
	return 0;
}

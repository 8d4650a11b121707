// SPDX-License-Identifier: GPL-2.0
/*
 * tlbstress ITERATIONS: TLB shootdowns on demand. One thread per other CPU
 * keeps this process's mm live there while the main thread, on CPU 0,
 * maps, fills, checks and unmaps memory; every munmap must flush the other
 * CPUs' TLBs (IPIs, or the PV flush that defers them to preempted vCPUs).
 * Exits 0 if every check passed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define REGION (64 * 1024)

static volatile int stop;
static char *volatile shared;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *spinner(void *arg)
{
	pin((int)(long)arg);
	while (!stop) {
		char *p = shared;

		if (p)
			(void)*(volatile char *)p;	/* keep the mm in use here */
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? atol(argv[1]) : 2000;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), bad = 0, i;
	pthread_t threads[64];
	char *keep = malloc(4096);
	int n = 0;

	memset(keep, 1, 4096);
	shared = keep;
	for (long c = 1; c < ncpu && n < 64; c++)
		pthread_create(&threads[n++], NULL, spinner, (void *)c);
	pin(0);
	for (i = 0; i < iterations; i++) {
		unsigned char *m = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED) {
			bad++;
			break;
		}
		memset(m, (int)(i & 0xff), REGION);
		for (long j = 0; j < REGION; j += 4096)
			bad += m[j] != (unsigned char)(i & 0xff);
		munmap(m, REGION);
	}
	stop = 1;
	for (int t = 0; t < n; t++)
		pthread_join(threads[t], NULL);
	printf("%sok - tlbstress: %ld map/check/unmap rounds with %d other CPUs, %ld bad pages\n",
	       bad ? "not " : "", i, n, bad);
	return bad != 0;
}

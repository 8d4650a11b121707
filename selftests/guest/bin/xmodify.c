// SPDX-License-Identifier: GPL-2.0
/*
 * xmodify [-n ROUNDS] [-r CPU] [-w CPU]
 *
 * Cross-modifying code as x86 defines it (Intel SDM vol. 3, "Handling
 * Self- and Cross-Modifying Code"), the way the kernel's text_poke_bp()
 * relies on it when it flips a static key while other CPUs run: a writer
 * thread rewrites the immediate of a tiny function ("mov $imm, %eax; ret")
 * and then publishes the round; a runner thread on another CPU calls the
 * function all the time, and once it has seen a round published it
 * executes a serialising instruction (CPUID), after which it must get that
 * round's code or newer. Each call that returns an older immediate after
 * that is "stale": the emulator ran a translation older than memory.
 *
 * On hardware and KVM nothing is stale. Under QEMU TCG with a thread per
 * vCPU it is, when a store lands while the other vCPU translates the page:
 * QEMU 7.2 and 10.0 as released keep such a translation with the old bytes
 * (tools/qemu/patches/0004 mends ours). Prints one line: rounds, calls, the
 * stale calls, the rounds in which some call was stale, and the largest
 * lag in rounds.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* nop; nop; nop; mov $imm32, %eax; ret -- the immediate 4-byte aligned */
#define IMM_OFFSET 4
static const unsigned char code_template[] = {
	0x90, 0x90, 0x90, 0xb8, 0, 0, 0, 0, 0xc3,
};

static unsigned char *code;
static unsigned int published;
static unsigned long rounds = 100000, calls, stale, stale_rounds;
static unsigned int worst_lag;
static int runner_cpu, writer_cpu = 1;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("xmodify: sched_setaffinity");
		exit(1);
	}
}

static void serialise(void)
{
	unsigned int a = 0, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
}

static void *runner(void *arg)
{
	unsigned int (*fn)(void) = (unsigned int (*)(void))code;
	unsigned int seen, got, last_stale = 0;

	(void)arg;
	pin(runner_cpu);
	do {
		seen = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		serialise();
		got = fn();
		calls++;
		if (got < seen) {
			stale++;
			if (seen != last_stale)
				stale_rounds++;
			last_stale = seen;
			if (seen - got > worst_lag)
				worst_lag = seen - got;
		}
	} while (seen < rounds);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	unsigned long k;
	int opt, spin;

	while ((opt = getopt(argc, argv, "n:r:w:")) != -1) {
		switch (opt) {
		case 'n': rounds = strtoul(optarg, NULL, 0); break;
		case 'r': runner_cpu = atoi(optarg); break;
		case 'w': writer_cpu = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: xmodify [-n ROUNDS] [-r CPU] [-w CPU]\n");
			return 2;
		}
	}
	if (!rounds || rounds > UINT32_MAX - 1) {
		fprintf(stderr, "xmodify: -n must be 1..%u\n", UINT32_MAX - 1);
		return 2;
	}
	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED) {
		perror("xmodify: mmap");
		return 1;
	}
	for (k = 0; k < sizeof(code_template); k++)
		code[k] = code_template[k];

	pin(writer_cpu);
	if (pthread_create(&t, NULL, runner, NULL)) {
		fprintf(stderr, "xmodify: pthread_create failed\n");
		return 1;
	}
	for (k = 1; k <= rounds; k++) {
		/* one aligned 4-byte store: the new code */
		__atomic_store_n((uint32_t *)(code + IMM_OFFSET), (uint32_t)k,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&published, (unsigned int)k, __ATOMIC_RELEASE);
		/* a varying pause, so the write falls anywhere in the
		 * runner's translation of the page (no PAUSE: TCG leaves
		 * the CPU loop on each one) */
		for (spin = (int)(k * 2654435761u >> 24); spin > 0; spin--)
			__asm__ volatile("" : : : "memory");
	}
	pthread_join(t, NULL);
	printf("rounds %lu calls %lu stale_calls %lu stale_rounds %lu worst_lag %u\n",
	       rounds, calls, stale, stale_rounds, worst_lag);
	return 0;
}

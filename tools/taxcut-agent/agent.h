/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the agent's control thread (agent.c: sockets, handshakes, signals,
 * statistics) and its firing threads (firing.c: the passes) share: the VMs
 * and the threads. A firing thread owns its VMs' regions and vectors while
 * a VM is served; the control thread changes that only under the thread's
 * lock (firing_lock).
 */
#ifndef TAXCUT_AGENT_H
#define TAXCUT_AGENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>
#include "scan.h"
#include "slack.h"
#include "sockets.h"

#define MAX_VMS		128
#define MAX_THREADS	64

/* One kind of a VM's log lines: at most LOG_LINES in each LOG_WINDOW_NS. */
struct log_limit {
	uint64_t window_ns, suppressed;
	unsigned int lines;
};

struct firing_thread;

struct vm {
	char name[32];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned int vcpus;
	uint64_t irq_rate;	/* the budget: interrupts per second (0: none) */
	uint32_t irq_per_pass;	/* ... and per pass (0: none) */
	struct socket_access access;
	struct firing_thread *thread;
	int lock_fd;
	int listen_fd;
	int client_fd;		/* -1: no guest */
	int64_t client_id, next_id;
	unsigned int hs_sent;	/* handshake messages sent; done at hs_total() */
	uint64_t hs_deadline_ns;
	int shm_fd;
	void *mem;
	size_t size;
	int evfd[TAXCUT_ET_MAX_SLOTS];
	bool served;		/* the firing thread scans it; under the thread's lock */
	unsigned int fired_in_pass;	/* signalled at once in this pass */
	struct et_region region;
	uint64_t connects, disconnects, refused, refused_peer, eventfd_errors;
	uint64_t restores;	/* of earlier guests' regions */
	uint64_t handshake_waits;	/* times a handshake waited for the socket */
	uint64_t accept_paused_until_ns;	/* out of descriptors: accept later */
	struct log_limit log_connections, log_refusals;
};

/* An interrupt that waits for the end of the pass (its VM fired enough). */
struct deferred_fire {
	struct vm *vm;
	uint32_t slot;
	bool heavy;		/* its VM spent half its budget: after all others */
};

struct firing_thread {
	pthread_t id;
	unsigned int index;
	int cpu;			/* pinned to it; -1: not pinned */
	pthread_mutex_t lock;		/* its VMs' served state, regions, vectors (PI) */
	int wake_fd;			/* eventfd: a VM is served, or stop */
	bool stop;			/* under the lock */
	struct vm *vm[MAX_VMS];
	unsigned int nr_vms, vcpus;
	struct et_slack slack;
	struct deferred_fire *deferred;	/* room for one per vCPU of its VMs */
	unsigned int nr_deferred;
	struct vm *woke_for;		/* the VM whose deadline the next wake is for */
	uint64_t passes, pass_ns_sum, pass_ns_max, deferred_fires;
	/*
	 * How much later than planned a pass began (the scheduler's part of
	 * a look's lateness, against the passes' own): the worst, and how
	 * many began later than the slack then promised.
	 */
	uint64_t woke_late_max_ns, woke_past_slack;
};

/* What the statistics show of a thread, copied under its lock. */
struct thread_stats {
	uint64_t passes, pass_ns_sum, pass_ns_max, deferred_fires;
	uint64_t woke_late_max_ns, woke_past_slack, slack_ns;
};

/* The agent's settings, fixed once the threads run. */
struct firing_config {
	bool poll_mode;
	uint64_t scan_ns;		/* the period in scan mode */
	int fifo_priority;		/* 0: SCHED_OTHER */
};

extern struct firing_config firing;

uint64_t now_ns(void);

/* Starts thread @t for its VMs; returns 0 or an errno. */
int firing_start(struct firing_thread *t);

/* Stops and joins it. */
void firing_stop(struct firing_thread *t);

/*
 * The control thread's side of the lock. It is a priority-inheritance
 * mutex: a SCHED_FIFO firing thread hands it over at its next unlock, and
 * the control thread runs at the firing thread's priority while it holds it.
 */
void firing_lock(struct firing_thread *t);
void firing_unlock(struct firing_thread *t);

/* Copies @t's statistics (takes its lock). */
void firing_stats(struct firing_thread *t, struct thread_stats *st);

/* A VM starts or stops being served (the caller holds the lock). */
void firing_serve(struct firing_thread *t, struct vm *vm);
void firing_unserve(struct vm *vm);

#endif /* TAXCUT_AGENT_H */

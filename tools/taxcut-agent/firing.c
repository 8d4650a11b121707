// SPDX-License-Identifier: GPL-2.0
/*
 * The firing threads: each runs the passes over its own VMs' regions
 * (scan.c), signals the vectors, and promises each region its next look.
 * Nothing here blocks but the wait between passes: the handshakes,
 * sockets, logging and statistics are the control thread's (agent.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"

struct firing_config firing = { .scan_ns = 250000 };

/*
 * The horizon's slack is measured (slack.h): at least this floor, at most
 * the ceiling (a look later than that breaks the promise, and is counted),
 * and a first guess before anything is measured.
 */
#define SLACK_FLOOR_SCAN_NS	20000ull
#define SLACK_FLOOR_POLL_NS	5000ull
#define SLACK_GUESS_SCAN_NS	100000ull
#define SLACK_GUESS_POLL_NS	10000ull
#define SLACK_CEIL_NS		100000000ull

/*
 * A VM's interrupts signalled at once in one pass; the rest wait for the
 * end of the pass, so a VM firing many slots at once delays the others by
 * at most this many eventfd writes.
 */
#define FIRE_INLINE_PER_PASS	8u

static void signal_vector(struct vm *vm, uint32_t slot)
{
	uint64_t one = 1;

	/* the slot index is below the agent's own vCPU count (scan.c) */
	if (write(vm->evfd[slot], &one, sizeof(one)) != sizeof(one))
		vm->eventfd_errors++;
}

/*
 * A VM's first interrupts of a pass go at once; more of them, and all of a
 * VM that spent more than half its budget (a guest flooding its slots),
 * wait for the end of the pass, the heavy VMs' after all others: they
 * cannot delay the other VMs' interrupts within the pass.
 */
static void fire(void *ctx, uint32_t slot)
{
	struct vm *vm = ctx;
	struct firing_thread *t = vm->thread;
	bool heavy = et_budget_heavy(&vm->region.budget);

	if ((heavy || vm->fired_in_pass >= FIRE_INLINE_PER_PASS) && t->nr_deferred < t->vcpus) {
		t->deferred[t->nr_deferred++] = (struct deferred_fire){ vm, slot, heavy };
		t->deferred_fires++;
		return;
	}
	vm->fired_in_pass++;
	signal_vector(vm, slot);
}

static void signal_deferred(struct firing_thread *t)
{
	unsigned int i;

	for (i = 0; i < t->nr_deferred; i++)
		if (!t->deferred[i].heavy)
			signal_vector(t->deferred[i].vm, t->deferred[i].slot);
	for (i = 0; i < t->nr_deferred; i++)
		if (t->deferred[i].heavy)
			signal_vector(t->deferred[i].vm, t->deferred[i].slot);
	t->nr_deferred = 0;
}

/*
 * One pass over the thread's served VMs, planned for @planned (0: at once,
 * as after a kick); returns the earliest pending deadline. Each region is
 * stamped with the clock when its turn comes, and promised its next look
 * within the period plus the measured slack.
 */
static uint64_t pass(struct firing_thread *t, uint64_t planned)
{
	uint64_t earliest = UINT64_MAX, start = now_ns(), now = start, e, took;
	struct vm *woke_for = planned ? t->woke_for : NULL;
	uint64_t period = firing.poll_mode ? 0 : firing.scan_ns;
	unsigned int i;

	if (planned && start > planned) {
		if (start - planned > t->woke_late_max_ns)
			t->woke_late_max_ns = start - planned;
		if (start - planned > et_slack_ns(&t->slack))
			t->woke_past_slack++;
	}

	for (i = 0; i < t->nr_vms; i++) {
		struct vm *vm = t->vm[i];

		if (!vm->served)
			continue;
		now = now_ns();
		vm->fired_in_pass = 0;
		vm->region.woke_early = vm == woke_for;
		e = et_scan(&vm->region, now, now + period + et_slack_ns(&t->slack), fire, vm);
		et_slack_observe(&t->slack, vm->region.look_late_ns, now);
		if (e < earliest) {
			earliest = e;
			t->woke_for = vm;
		}
	}
	if (earliest == UINT64_MAX)
		t->woke_for = NULL;
	signal_deferred(t);
	took = now_ns() - start;
	t->passes++;
	t->pass_ns_sum += took;
	if (took > t->pass_ns_max)
		t->pass_ns_max = took;
	return earliest;
}

static bool any_served(const struct firing_thread *t)
{
	unsigned int i;

	for (i = 0; i < t->nr_vms; i++)
		if (t->vm[i]->served)
			return true;
	return false;
}

/*
 * Until @wake (UINT64_MAX: until a VM is served or the thread stops);
 * returns false if a kick came first.
 */
static bool wait_until(struct firing_thread *t, uint64_t now, uint64_t wake)
{
	struct pollfd p = { .fd = t->wake_fd, .events = POLLIN };
	struct timespec ts, *timeout = NULL;
	uint64_t d, v;

	if (wake != UINT64_MAX) {
		d = wake > now ? wake - now : 0;
		ts.tv_sec = d / 1000000000ull;
		ts.tv_nsec = d % 1000000000ull;
		timeout = &ts;
	}
	if (ppoll(&p, 1, timeout, NULL) <= 0)
		return true;
	if (read(t->wake_fd, &v, sizeof(v)) < 0)
		return true;	/* EAGAIN: another read took it */
	return false;
}

static void *firing_main(void *arg)
{
	struct firing_thread *t = arg;
	uint64_t planned = 0;

	/* a sleep ends when planned, not up to 50 us later (SCHED_OTHER's default) */
	prctl(PR_SET_TIMERSLACK, 1ul, 0, 0, 0);
	for (;;) {
		uint64_t earliest = UINT64_MAX, now, wake = UINT64_MAX;
		bool served;

		pthread_mutex_lock(&t->lock);
		if (t->stop) {
			pthread_mutex_unlock(&t->lock);
			return NULL;
		}
		served = any_served(t);
		if (served)
			earliest = pass(t, planned);
		/* a control thread waiting for the lock gets it now (PI hand-over) */
		pthread_mutex_unlock(&t->lock);
		planned = 0;
		if (served && firing.poll_mode)
			continue;
		now = now_ns();
		if (served) {
			wake = now + firing.scan_ns;
			if (earliest < wake)
				wake = earliest;
			else
				t->woke_for = NULL;	/* the regular pass: nobody's */
		}
		/* a wake already due is no sleep: its lateness is the pass's own */
		if (wait_until(t, now, wake) && wake != UINT64_MAX && wake > now)
			planned = wake;
	}
}

void firing_lock(struct firing_thread *t)
{
	pthread_mutex_lock(&t->lock);
}

void firing_unlock(struct firing_thread *t)
{
	pthread_mutex_unlock(&t->lock);
}

void firing_stats(struct firing_thread *t, struct thread_stats *st)
{
	firing_lock(t);
	*st = (struct thread_stats){
		.passes = t->passes, .pass_ns_sum = t->pass_ns_sum, .pass_ns_max = t->pass_ns_max,
		.deferred_fires = t->deferred_fires, .woke_late_max_ns = t->woke_late_max_ns,
		.woke_past_slack = t->woke_past_slack, .slack_ns = et_slack_ns(&t->slack),
	};
	firing_unlock(t);
}

static void kick(struct firing_thread *t)
{
	uint64_t one = 1;

	if (write(t->wake_fd, &one, sizeof(one)) != sizeof(one))
		return;	/* EAGAIN: the counter is full, so it is awake anyway */
}

static void init_slack(struct firing_thread *t)
{
	bool poll = firing.poll_mode;

	et_slack_init(&t->slack, poll ? SLACK_FLOOR_POLL_NS : SLACK_FLOOR_SCAN_NS, SLACK_CEIL_NS,
		      poll ? SLACK_GUESS_POLL_NS : SLACK_GUESS_SCAN_NS, now_ns());
}

void firing_serve(struct firing_thread *t, struct vm *vm)
{
	uint64_t now = now_ns();

	/*
	 * A thread that served nobody for longer than the slack remembers
	 * measured nothing lately: guess again (its windows would say 0).
	 */
	if (!any_served(t) &&
	    now - t->slack.window_start_ns >= ET_SLACK_WINDOWS * ET_SLACK_WINDOW_NS)
		init_slack(t);
	if (t->woke_for == vm)
		t->woke_for = NULL;	/* a new guest did not ask for that wake */
	et_region_budget(&vm->region, vm->irq_rate, vm->irq_per_pass, now);
	vm->served = true;
	kick(t);
}

void firing_unserve(struct vm *vm)
{
	vm->served = false;
	if (vm->thread->woke_for == vm)
		vm->thread->woke_for = NULL;
}

/* The thread's own: its CPU and its scheduling class, or why not. */
static int set_up_self(struct firing_thread *t)
{
	struct sched_param sp = { .sched_priority = firing.fifo_priority };
	char name[16];
	int err;

	/* as top -H and ps -L show it */
	snprintf(name, sizeof(name), "taxcut-fire%u", t->index);
	pthread_setname_np(t->id, name);

	if (t->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(t->cpu, &set);
		err = pthread_setaffinity_np(t->id, sizeof(set), &set);
		if (err)
			return err;
	}
	if (firing.fifo_priority)
		return pthread_setschedparam(t->id, SCHED_FIFO, &sp);
	return 0;
}

int firing_start(struct firing_thread *t)
{
	pthread_mutexattr_t attr;
	int err;

	t->deferred = calloc(t->vcpus ? t->vcpus : 1, sizeof(*t->deferred));
	if (!t->deferred)
		return ENOMEM;
	t->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->wake_fd < 0)
		return errno;
	init_slack(t);
	pthread_mutexattr_init(&attr);
	err = pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT);
	if (!err)
		err = pthread_mutex_init(&t->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (err)
		return err;
	/* placed and scheduled before it runs a pass */
	pthread_mutex_lock(&t->lock);
	err = pthread_create(&t->id, NULL, firing_main, t);
	if (!err) {
		err = set_up_self(t);
		if (err) {
			t->stop = true;
			pthread_mutex_unlock(&t->lock);
			pthread_join(t->id, NULL);
			return err;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return err;
}

void firing_stop(struct firing_thread *t)
{
	firing_lock(t);
	t->stop = true;
	firing_unlock(t);
	kick(t);
	pthread_join(t->id, NULL);
}

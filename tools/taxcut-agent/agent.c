// SPDX-License-Identifier: GPL-2.0
/*
 * taxcut-agent: the host side of taxcut's exitless timer. For each VM it is
 * the ivshmem server of one ivshmem-doorbell device: it creates the shared
 * region (include/uapi/taxcut/exitless_timer.h) and one eventfd per vCPU,
 * hands them to QEMU, then watches the deadlines the guest writes and
 * signals the vCPU's eventfd (its MSI-X vector) when one is due. Under KVM
 * QEMU turns those eventfds into irqfds, so the interrupt reaches the vCPU
 * without QEMU and, with posted interrupts, without a VM exit.
 *
 * Usage: taxcut-agent --help. Design: docs/exitless-timer.md.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "ivshmem.h"
#include "scan.h"

#define MAX_VMS 16
#define CLOCK_SHIFT_MAX_S	(100 * 24 * 3600)	/* 100 days */

static const char usage[] =
"NAME\n"
"    taxcut-agent - host agent of taxcut's exitless timer\n"
"\n"
"SYNOPSIS\n"
"    taxcut-agent --vm NAME=SOCKET:VCPUS [--vm ...] [--poll [--cpu N] | --scan-us P]\n"
"                 [--clock-shift-s S] [--stats] [--verbose]\n"
"\n"
"DESCRIPTION\n"
"    For each --vm, listens on the UNIX socket SOCKET (created mode 0600) as\n"
"    the ivshmem server of one ivshmem-doorbell device with VCPUS vectors:\n"
"    creates the shared region and one eventfd per vCPU, passes them to the\n"
"    QEMU that connects, and interrupts vCPU n (vector n) when the deadline\n"
"    the guest wrote into slot n is due. One guest per socket; a guest that\n"
"    goes away is forgotten and the next one gets a fresh region. Everything\n"
"    the guest writes is treated as hostile.\n"
"\n"
"OPTIONS\n"
"    --vm NAME=SOCKET:VCPUS  serve one VM (up to 16; VCPUS 1..255)\n"
"    --poll                  busy-poll the regions (the exitless mode): one\n"
"                            host CPU spins; pin it with --cpu\n"
"    --cpu N                 run on host CPU N (a housekeeping CPU)\n"
"    --scan-us P             scan every P microseconds (50..100000) and sleep\n"
"                            until the next due deadline in between\n"
"                            (default 250)\n"
"    --clock-shift-s S       run the agent's clock S seconds (may be negative)\n"
"                            off the host's CLOCK_MONOTONIC, as a host booted\n"
"                            at another time would (migration tests)\n"
"    --stats                 print statistics at exit (and on SIGUSR1)\n"
"    --verbose               log every connection step\n"
"    --help                  this text\n"
"\n"
"QEMU\n"
"    -chardev socket,path=SOCKET,id=tcet\n"
"    -device ivshmem-doorbell,chardev=tcet,vectors=VCPUS,master=on\n"
"    master=on makes the VM migratable: the region then travels with it, and\n"
"    the destination's agent sees it arrive (a new instance, every armed\n"
"    deadline fired once and written again in its clock).\n"
"\n"
"SIGNALS\n"
"    SIGTERM, SIGINT  mark every region stopped (guests fall back to their\n"
"                     LAPIC timer), remove the sockets, exit 0\n"
"    SIGUSR1          print statistics\n"
"\n"
"EXIT STATUS\n"
"    0 after SIGTERM/SIGINT, 1 on a start-up error, 2 on bad usage.\n";

struct vm {
	char name[32];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned int vcpus;
	int listen_fd;
	int client_fd;		/* -1: no guest */
	int64_t client_id, next_id;
	int shm_fd;
	void *mem;
	size_t size;
	int evfd[TAXCUT_ET_MAX_SLOTS];
	struct et_region region;
	uint64_t connects, disconnects, refused, eventfd_errors;
	uint64_t restores;	/* of earlier guests' regions */
};

static struct vm vms[MAX_VMS];
static unsigned int nr_vms;
static bool poll_mode, want_stats, verbose;
static int pin_cpu = -1;
static uint64_t scan_ns = 250000;
static int64_t clock_shift_ns;

/*
 * The peer ID every guest gets. Each socket serves one guest, so it is the
 * first and only peer of its region, and QEMU accepts master=on (the
 * region migrated with the VM) only from peer 0.
 */
#define GUEST_PEER_ID	0

/*
 * How often the agent promises to beat: its pass runs every scan period
 * (or continuously), but a host this busy may hold it off for a few
 * milliseconds. A guest declares it dead after twice this; until then a
 * late pass only makes timers late, never lost.
 */
#define HEARTBEAT_PROMISE_NS	50000000ull

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("taxcut-agent: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* main() checked that the shift keeps the clock positive */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + (uint64_t)clock_shift_ns;
}

/*
 * A region's instance: random, never 0, new for every guest served, so a
 * guest (or a region migrated in) sees at once that the clock is another.
 */
static uint64_t new_instance(void)
{
	uint64_t v = 0;

	while (!v)
		if (getrandom(&v, sizeof(v), 0) != sizeof(v))
			v = now_ns() ^ ((uint64_t)getpid() << 32);
	return v;
}

static bool parse_vm(const char *arg, struct vm *vm)
{
	const char *eq = strchr(arg, '='), *colon = strrchr(arg, ':');
	char *end;
	unsigned long n;

	if (!eq || !colon || colon < eq || eq == arg || (size_t)(eq - arg) >= sizeof(vm->name) ||
	    (size_t)(colon - eq - 1) >= sizeof(vm->path) || colon == eq + 1)
		return false;
	n = strtoul(colon + 1, &end, 10);
	if (*end || n == 0 || n > TAXCUT_ET_MAX_SLOTS)
		return false;
	memset(vm, 0, sizeof(*vm));
	memcpy(vm->name, arg, eq - arg);
	memcpy(vm->path, eq + 1, colon - eq - 1);
	vm->vcpus = n;
	vm->client_fd = -1;
	vm->shm_fd = -1;
	vm->next_id = 1;
	return true;
}

static int listen_on(struct vm *vm)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd;

	/* replace a stale socket, never anything else */
	if (lstat(vm->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			say("%s: %s exists and is not a socket", vm->name, vm->path);
			return -1;
		}
		unlink(vm->path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memcpy(addr.sun_path, vm->path, strlen(vm->path) + 1);
	old = umask(0177);	/* the socket is created 0600 */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 4)) {
		umask(old);
		say("%s: cannot listen on %s: %s", vm->name, vm->path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	vm->listen_fd = fd;
	return 0;
}

/*
 * A new sealed memfd for every guest: nothing an earlier QEMU mapped is ever
 * handed to the next one, and no holder can shrink it under the agent.
 */
static int create_region(struct vm *vm)
{
	vm->size = et_region_size(vm->vcpus);
	vm->shm_fd = memfd_create(vm->name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (vm->shm_fd < 0 || ftruncate(vm->shm_fd, vm->size) ||
	    fcntl(vm->shm_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		return -1;
	vm->mem = mmap(NULL, vm->size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->shm_fd, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return -1;
	}
	return 0;
}

static void release_region(struct vm *vm)
{
	if (vm->mem)
		munmap(vm->mem, vm->size);
	if (vm->shm_fd >= 0)
		close(vm->shm_fd);
	vm->mem = NULL;
	vm->shm_fd = -1;
}

static void drop_client(struct vm *vm, const char *why)
{
	unsigned int v;

	if (vm->client_fd < 0)
		return;
	if (vm->mem) {
		et_region_stop(&vm->region);
		vm->restores += vm->region.restores;
		vm->region.restores = 0;
	}
	release_region(vm);
	close(vm->client_fd);
	vm->client_fd = -1;
	for (v = 0; v < vm->vcpus; v++) {
		if (vm->evfd[v] >= 0)
			close(vm->evfd[v]);
		vm->evfd[v] = -1;
	}
	vm->disconnects++;
	say("%s: connection %" PRId64 " %s", vm->name, vm->client_id, why);
}

static void accept_client(struct vm *vm)
{
	int fd = accept4(vm->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	unsigned int v;
	int err = 0;

	if (fd < 0)
		return;
	if (vm->client_fd >= 0) {
		/* a second QEMU on one region would share one guest's timers */
		vm->refused++;
		say("%s: refused a second connection (connection %" PRId64 " holds the region)",
		    vm->name, vm->client_id);
		close(fd);
		return;
	}
	vm->client_fd = fd;
	vm->client_id = vm->next_id++;
	vm->connects++;
	for (v = 0; v < vm->vcpus; v++)
		vm->evfd[v] = -1;
	/* a QEMU that does not read must not stall every other VM */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &(struct timeval){ .tv_sec = 1 },
		   sizeof(struct timeval));
	if (create_region(vm)) {
		err = -errno;
	} else {
		/* a fresh region: nothing of a previous guest survives */
		et_region_init(&vm->region, vm->mem, vm->size, vm->vcpus,
			       HEARTBEAT_PROMISE_NS,
			       poll_mode ? 0 : scan_ns, new_instance(), now_ns());
	}
	for (v = 0; v < vm->vcpus && !err; v++) {
		vm->evfd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vm->evfd[v] < 0)
			err = -errno;
	}
	if (!err)
		err = ivshmem_send(fd, IVSHMEM_PROTOCOL_VERSION, -1);
	if (!err)
		err = ivshmem_send(fd, GUEST_PEER_ID, -1);
	if (!err)
		err = ivshmem_send(fd, -1, vm->shm_fd);
	/* no other peers; then the guest's own vectors */
	for (v = 0; v < vm->vcpus && !err; v++)
		err = ivshmem_send(fd, GUEST_PEER_ID, vm->evfd[v]);
	if (err) {
		say("%s: handshake on connection %" PRId64 " failed: %s", vm->name, vm->client_id,
		    strerror(-err));
		drop_client(vm, "dropped");
		return;
	}
	say("%s: connection %" PRId64 " connected: %u vCPUs, region %zu bytes", vm->name,
	    vm->client_id, vm->vcpus, vm->size);
}

/* Anything from QEMU after the handshake is unexpected; EOF is a goodbye. */
static void client_readable(struct vm *vm)
{
	char buf[64];
	ssize_t n = recv(vm->client_fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0)
		drop_client(vm, "disconnected");
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		drop_client(vm, "connection failed");
	else if (n > 0 && verbose)
		say("%s: ignored %zd bytes on connection %" PRId64, vm->name, n, vm->client_id);
}

static void fire(void *ctx, uint32_t slot)
{
	struct vm *vm = ctx;
	uint64_t one = 1;

	/* the slot index is below the agent's own vCPU count (scan.c) */
	if (write(vm->evfd[slot], &one, sizeof(one)) != sizeof(one))
		vm->eventfd_errors++;
}

static void print_stats(void)
{
	unsigned int i, v;

	for (i = 0; i < nr_vms; i++) {
		struct vm *vm = &vms[i];

		say("stats %s: connects %" PRIu64 " disconnects %" PRIu64 " refused %" PRIu64
		    " eventfd_errors %" PRIu64 " restores %" PRIu64, vm->name, vm->connects,
		    vm->disconnects, vm->refused, vm->eventfd_errors,
		    vm->restores + vm->region.restores);
		for (v = 0; v < vm->vcpus; v++) {
			struct et_slot_state *s = &vm->region.slot[v];

			if (!s->fired && !s->rate_limited)
				continue;
			say("stats %s slot %u: fired %" PRIu64 " late_max_us %.1f late_avg_us %.1f"
			    " rate_limited %" PRIu64 " foreign_clock %" PRIu64, vm->name, v, s->fired,
			    s->late_max_ns / 1000.0,
			    s->fired ? s->late_sum_ns / 1000.0 / s->fired : 0.0, s->rate_limited,
			    s->foreign);
		}
	}
}

/* Returns false when it is time to stop. */
static bool handle_events(struct pollfd *pfd, unsigned int npfd, int sig_fd)
{
	unsigned int i;

	for (i = 0; i < npfd; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == sig_fd) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGUSR1) {
				print_stats();
				continue;
			}
			say("signal %u: stopping", si.ssi_signo);
			return false;
		}
		for (unsigned int k = 0; k < nr_vms; k++) {
			if (pfd[i].fd == vms[k].listen_fd)
				accept_client(&vms[k]);
			else if (pfd[i].fd == vms[k].client_fd)
				client_readable(&vms[k]);
		}
	}
	return true;
}

static unsigned int build_pollfds(struct pollfd *pfd, int sig_fd)
{
	unsigned int n = 0, i;

	pfd[n++] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
	for (i = 0; i < nr_vms; i++) {
		pfd[n++] = (struct pollfd){ .fd = vms[i].listen_fd, .events = POLLIN };
		if (vms[i].client_fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = vms[i].client_fd, .events = POLLIN };
	}
	return n;
}

/*
 * How long after a pass the next one may come, beyond the period: the
 * thread's wakeup latency and one pass over every region. The guest keeps
 * deadlines closer than the horizon on its LAPIC timer.
 */
#define HORIZON_SLACK_NS	200000ull
/* busy-polling never sleeps: the slack only covers a pass over every region */
#define POLL_HORIZON_SLACK_NS	20000ull


/*
 * One pass over every connected region; returns the earliest pending
 * deadline. Each region is stamped with the clock when its turn comes, so
 * a slow pass over one VM's slots does not eat another VM's promise.
 */
static uint64_t scan_all(uint64_t period)
{
	uint64_t earliest = UINT64_MAX, e, now;
	unsigned int i;

	for (i = 0; i < nr_vms; i++) {
		if (vms[i].client_fd < 0)
			continue;
		now = now_ns();
		e = et_scan(&vms[i].region, now,
			    now + period + (poll_mode ? POLL_HORIZON_SLACK_NS : HORIZON_SLACK_NS),
			    fire, &vms[i]);
		if (e < earliest)
			earliest = e;
	}
	return earliest;
}

static void run(int sig_fd)
{
	struct pollfd pfd[1 + 2 * MAX_VMS];
	unsigned int spins = 0;

	for (;;) {
		unsigned int n = build_pollfds(pfd, sig_fd);
		uint64_t now, wake, earliest;
		struct timespec ts = { 0, 0 };

		if (poll_mode) {
			scan_all(0);
			if (++spins % 256)
				continue;
		} else {
			earliest = scan_all(scan_ns);
			now = now_ns();
			wake = now + scan_ns;
			if (earliest < wake)
				wake = earliest > now ? earliest : now;
			ts.tv_sec = (wake - now) / 1000000000ull;
			ts.tv_nsec = (wake - now) % 1000000000ull;
		}
		if (ppoll(pfd, n, &ts, NULL) > 0 && !handle_events(pfd, n, sig_fd))
			return;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, 'v' },
		{ "poll", no_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "scan-us", required_argument, NULL, 's' },
		{ "clock-shift-s", required_argument, NULL, 'o' },
		{ "stats", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct timespec mono;
	long long shift_s;
	sigset_t sigs;
	unsigned int i;
	char *end;
	int c, sig_fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (nr_vms == MAX_VMS || !parse_vm(optarg, &vms[nr_vms])) {
				say("bad --vm '%s' (NAME=SOCKET:VCPUS, VCPUS 1..%d, at most %d VMs)",
				    optarg, TAXCUT_ET_MAX_SLOTS, MAX_VMS);
				return 2;
			}
			nr_vms++;
			break;
		case 'p':
			poll_mode = true;
			break;
		case 'c':
			pin_cpu = (int)strtol(optarg, &end, 10);
			if (*end || pin_cpu < 0 || pin_cpu >= CPU_SETSIZE) {
				say("bad --cpu '%s'", optarg);
				return 2;
			}
			break;
		case 's':
			scan_ns = strtoull(optarg, &end, 10) * 1000;
			if (*end || scan_ns < 50000 || scan_ns > 100000000) {
				say("bad --scan-us '%s' (50 to 100000)", optarg);
				return 2;
			}
			break;
		case 'o':
			/* digits with an optional '-': strtoll alone takes spaces and '+' */
			shift_s = strtoll(optarg, &end, 10);
			if (*end || !optarg[optarg[0] == '-'] ||
			    !isdigit((unsigned char)optarg[optarg[0] == '-']) ||
			    shift_s < -CLOCK_SHIFT_MAX_S ||
			    shift_s > CLOCK_SHIFT_MAX_S) {
				say("bad --clock-shift-s '%s' (-%d to %d)", optarg,
				    CLOCK_SHIFT_MAX_S, CLOCK_SHIFT_MAX_S);
				return 2;
			}
			clock_shift_ns = shift_s * 1000000000ll;
			break;
		case 'S':
			want_stats = true;
			break;
		case 'V':
			verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!nr_vms || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &mono);
	if (clock_shift_ns < 0 && mono.tv_sec + clock_shift_ns / 1000000000ll < 1) {
		say("--clock-shift-s %lld would take the clock below 0 (up %lld s)",
		    (long long)(clock_shift_ns / 1000000000ll), (long long)mono.tv_sec);
		return 2;
	}
	if (pin_cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(pin_cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			say("cannot run on CPU %d: %s", pin_cpu, strerror(errno));
			return 1;
		}
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sig_fd < 0) {
		say("signalfd: %s", strerror(errno));
		return 1;
	}
	/* wake when asked: the default 50 us slack would break the horizon */
	prctl(PR_SET_TIMERSLACK, 1UL);
	for (i = 0; i < nr_vms; i++) {
		if (listen_on(&vms[i])) {
			say("%s: cannot set up: %s", vms[i].name, strerror(errno));
			return 1;
		}
		say("%s: listening on %s for %u vCPUs", vms[i].name, vms[i].path, vms[i].vcpus);
	}
	if (clock_shift_ns)
		say("clock shifted by %lld s", (long long)(clock_shift_ns / 1000000000ll));
	if (poll_mode)
		say("busy-poll mode%s", pin_cpu >= 0 ? " (pinned)" : "");
	else
		say("scan mode, every %" PRIu64 " us", scan_ns / 1000);
	run(sig_fd);
	for (i = 0; i < nr_vms; i++) {
		drop_client(&vms[i], "let go: agent stopping");
		close(vms[i].listen_fd);
		unlink(vms[i].path);
	}
	if (want_stats)
		print_stats();
	say("stopped");
	return 0;
}

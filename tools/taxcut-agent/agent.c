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
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pwd.h>
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
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "ivshmem.h"
#include "scan.h"
#include "sockets.h"

#define MAX_VMS 16
#define CLOCK_SHIFT_MAX_S	(100 * 24 * 3600)	/* 100 days */

static const char usage[] =
"NAME\n"
"    taxcut-agent - host agent of taxcut's exitless timer\n"
"\n"
"SYNOPSIS\n"
"    taxcut-agent --vm NAME=SOCKET:VCPUS[,owner=USER][,group=GROUP][,mode=MODE]\n"
"                 [--vm ...] [--poll [--cpu N] | --scan-us P]\n"
"                 [--clock-shift-s S] [--stats] [--verbose]\n"
"\n"
"DESCRIPTION\n"
"    For each --vm, listens on the UNIX socket SOCKET as the ivshmem server\n"
"    of one ivshmem-doorbell device with VCPUS vectors:\n"
"    creates the shared region and one eventfd per vCPU, passes them to the\n"
"    QEMU that connects, and interrupts vCPU n (vector n) when the deadline\n"
"    the guest wrote into slot n is due. One guest per socket; a guest that\n"
"    goes away is forgotten and the next one gets a fresh region. Everything\n"
"    the guest writes is treated as hostile.\n"
"\n"
"    SOCKET.lock is held while SOCKET is served: a second agent on the same\n"
"    path is refused, and an agent removes only its own socket.\n"
"\n"
"OPTIONS\n"
"    --vm NAME=SOCKET:VCPUS  serve one VM (up to 16; VCPUS 1..255; names and\n"
"                            sockets each once)\n"
"         ,owner=USER        the socket's owner (default: the agent's user)\n"
"         ,group=GROUP       its group (default: the agent's)\n"
"         ,mode=MODE         its mode, octal, at most 0666 (default 0600)\n"
"                            Only root, the owner and, with group=, processes\n"
"                            whose group is GROUP may connect (SO_PEERCRED),\n"
"                            whatever the mode.\n"
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
"    SIGTERM, SIGINT, SIGHUP, SIGQUIT\n"
"                     mark every region stopped (guests fall back to their\n"
"                     LAPIC timer), remove the sockets, exit 0\n"
"    SIGUSR1          print statistics\n"
"\n"
"EXIT STATUS\n"
"    0  stopped by a signal\n"
"    1  cannot serve: a socket, a lock file, the owner, too few file\n"
"       descriptors (the hard limit), or another start-up error\n"
"    2  bad usage\n"
"    3  another agent serves one of the sockets (its SOCKET.lock is held)\n";

#define EXIT_START	1
#define EXIT_USAGE	2
#define EXIT_TAKEN	3

/* One kind of a VM's log lines: at most LOG_LINES in each LOG_WINDOW_NS. */
struct log_limit {
	uint64_t window_ns, suppressed;
	unsigned int lines;
};

struct vm {
	char name[32];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned int vcpus;
	struct socket_access access;
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
	struct et_region region;
	uint64_t connects, disconnects, refused, refused_peer, eventfd_errors;
	uint64_t restores;	/* of earlier guests' regions */
	uint64_t handshake_waits;	/* times a handshake waited for the socket */
	uint64_t accept_paused_until_ns;	/* out of descriptors: accept later */
	struct log_limit log_connections, log_refusals;
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

/*
 * A QEMU takes its handshake at once (it reads it while realizing the
 * device); one that has not taken it in this long is dropped.
 */
#define HANDSHAKE_TIMEOUT_NS	5000000000ull

/* Out of descriptors or memory, a listening socket is not polled for this long. */
#define ACCEPT_PAUSE_NS	100000000ull

/* Per VM, at most this many connection log lines in each window. */
#define LOG_WINDOW_NS	10000000000ull
#define LOG_LINES	10

/* Log lines lost to a full pipe or socket on stderr (see log_never_blocks). */
static uint64_t log_dropped;
static bool log_to_socket;

/* One write per line: whole or not at all on a pipe (below PIPE_BUF). */
static void vsay(const char *fmt, va_list ap)
{
	static const char prefix[] = "taxcut-agent: ";
	char line[512];
	int n;

	memcpy(line, prefix, sizeof(prefix) - 1);
	n = vsnprintf(line + sizeof(prefix) - 1, sizeof(line) - sizeof(prefix), fmt, ap);
	if (n < 0) {
		log_dropped++;
		return;
	}
	n += sizeof(prefix) - 1;
	/* a truncated line ends before vsnprintf's NUL */
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if ((log_to_socket ? send(STDERR_FILENO, line, n, MSG_DONTWAIT | MSG_NOSIGNAL)
			   : write(STDERR_FILENO, line, n)) != n)
		log_dropped++;
}

/*
 * A journal or a pipe that nobody drains must not stop the timers: when
 * stderr is a pipe or a socket, a line it cannot take at once is dropped
 * and counted. Without touching the file description others may share: a
 * pipe is opened again, non-blocking, for this process alone; a socket is
 * sent to with MSG_DONTWAIT. (A file takes a line at once; a terminal
 * stopped with ^S or a slow serial console can still stall the agent.)
 */
static void log_never_blocks(void)
{
	struct stat st;
	int fd;

	if (fstat(STDERR_FILENO, &st))
		return;
	if (S_ISSOCK(st.st_mode)) {
		log_to_socket = true;
	} else if (S_ISFIFO(st.st_mode)) {
		fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && fd != STDERR_FILENO) {
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
	}
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* main() checked that the shift keeps the clock positive */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + (uint64_t)clock_shift_ns;
}

/*
 * What one VM's connections log: any process allowed on the socket can
 * connect and close in a loop, and a log that grows with it is its weapon.
 * Refusals have their own budget, so a refused peer cannot hide the real
 * QEMU's lines.
 */
static void vm_say(struct vm *vm, struct log_limit *l, const char *fmt, ...)
{
	uint64_t now = now_ns();
	va_list ap;

	if (now - l->window_ns >= LOG_WINDOW_NS) {
		if (l->suppressed)
			say("%s: %" PRIu64 " messages suppressed", vm->name, l->suppressed);
		l->window_ns = now;
		l->lines = 0;
		l->suppressed = 0;
	}
	if (l->lines >= LOG_LINES) {
		l->suppressed++;
		return;
	}
	l->lines++;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
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

_Static_assert(sizeof(uid_t) == sizeof(unsigned int) && sizeof(gid_t) == sizeof(unsigned int),
	       "uids and gids are unsigned ints");

/* A user (@group false) or a group by name or number; -1 is not one. */
static bool parse_id(const char *v, bool group, unsigned int *id)
{
	struct passwd *pw = group ? NULL : getpwnam(v);
	struct group *gr = group ? getgrnam(v) : NULL;
	unsigned long n;
	char *end;

	if (pw || gr) {
		*id = pw ? pw->pw_uid : gr->gr_gid;
		return true;
	}
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end || n >= (unsigned int)-1)
		return false;
	*id = (unsigned int)n;
	return true;
}

/* ,owner=USER ,group=GROUP ,mode=MODE after the vCPU count */
static bool parse_vm_options(char *opts, struct vm *vm)
{
	char *opt, *save = NULL, *end;
	unsigned long mode;

	/* no empty option: strtok_r would skip it */
	if (!*opts || *opts == ',' || opts[strlen(opts) - 1] == ',' || strstr(opts, ",,"))
		return false;
	for (opt = strtok_r(opts, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		if (!strncmp(opt, "owner=", 6)) {
			if (!parse_id(opt + 6, false, &vm->access.owner))
				return false;
		} else if (!strncmp(opt, "group=", 6)) {
			if (!parse_id(opt + 6, true, &vm->access.group))
				return false;
		} else if (!strncmp(opt, "mode=", 5)) {
			mode = strtoul(opt + 5, &end, 8);
			/* read and write bits only; the owner must be able to connect */
			if (!isdigit((unsigned char)opt[5]) || *end || (mode & ~0666ul) ||
			    !(mode & 0200))
				return false;
			vm->access.mode = (mode_t)mode;
		} else {
			return false;
		}
	}
	return true;
}

static bool parse_vm(const char *arg, struct vm *vm)
{
	const char *eq = strchr(arg, '='), *colon = strrchr(arg, ':');
	char opts[128], *end;
	unsigned long n;

	if (!eq || !colon || colon < eq || eq == arg || (size_t)(eq - arg) >= sizeof(vm->name) ||
	    (size_t)(colon - eq - 1) >= sizeof(vm->path) || colon == eq + 1)
		return false;
	n = strtoul(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || (*end && *end != ',') || n == 0 ||
	    n > TAXCUT_ET_MAX_SLOTS)
		return false;
	memset(vm, 0, sizeof(*vm));
	memcpy(vm->name, arg, eq - arg);
	memcpy(vm->path, eq + 1, colon - eq - 1);
	vm->vcpus = n;
	vm->access = (struct socket_access){ .owner = (uid_t)-1, .group = (gid_t)-1,
					     .mode = 0600 };
	if (*end) {
		if (strlen(end + 1) >= sizeof(opts))
			return false;
		strcpy(opts, end + 1);
		if (!parse_vm_options(opts, vm))
			return false;
	}
	vm->lock_fd = -1;
	vm->listen_fd = -1;
	vm->client_fd = -1;
	vm->shm_fd = -1;
	vm->next_id = 1;
	return true;
}

/* Names and sockets each once: two regions on one path would be one guest's. */
static bool vm_unique(const struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < nr_vms; i++)
		if (!strcmp(vms[i].name, vm->name) || !strcmp(vms[i].path, vm->path))
			return false;
	return true;
}

/* 0, or the exit status to stop with */
static int listen_on(struct vm *vm)
{
	int fd = socket_lock(vm->path);

	if (fd == -EBUSY) {
		say("%s: another agent serves %s (%s.lock is held)", vm->name, vm->path, vm->path);
		return EXIT_TAKEN;
	}
	if (fd < 0) {
		say("%s: cannot lock %s.lock: %s", vm->name, vm->path, strerror(-fd));
		return EXIT_START;
	}
	vm->lock_fd = fd;
	fd = socket_listen(vm->path, &vm->access);
	if (fd < 0) {
		say("%s: cannot listen on %s: %s", vm->name, vm->path,
		    fd == -EEXIST ? "it exists and is not a socket" :
		    fd == -EADDRINUSE ? "another server listens on it" : strerror(-fd));
		return EXIT_START;
	}
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
	vm_say(vm, &vm->log_connections, "%s: connection %" PRId64 " %s", vm->name, vm->client_id, why);
}

/* The version, the guest's ID, the region, then one eventfd per vCPU. */
static unsigned int hs_total(const struct vm *vm)
{
	return 3 + vm->vcpus;
}

static bool handshaking(const struct vm *vm)
{
	return vm->client_fd >= 0 && vm->hs_sent < hs_total(vm);
}

/* A region is served once its QEMU holds the region and every vector. */
static bool serving(const struct vm *vm)
{
	return vm->client_fd >= 0 && vm->hs_sent == hs_total(vm);
}

/*
 * Sends what the socket takes of the handshake: a QEMU that reads slowly
 * (or not at all) waits for POLLOUT, never the other VMs' timers.
 */
static void advance_handshake(struct vm *vm)
{
	int err = 0;

	while (handshaking(vm) && !err) {
		unsigned int i = vm->hs_sent;

		if (i == 0)
			err = ivshmem_send(vm->client_fd, IVSHMEM_PROTOCOL_VERSION, -1);
		else if (i == 1)
			err = ivshmem_send(vm->client_fd, GUEST_PEER_ID, -1);
		else if (i == 2)
			err = ivshmem_send(vm->client_fd, -1, vm->shm_fd);
		else	/* no other peers; then the guest's own vectors */
			err = ivshmem_send(vm->client_fd, GUEST_PEER_ID, vm->evfd[i - 3]);
		if (!err)
			vm->hs_sent++;
	}
	if (err == -EAGAIN) {
		vm->handshake_waits++;
		return;
	}
	if (err) {
		vm_say(vm, &vm->log_connections, "%s: handshake on connection %" PRId64 " failed: %s", vm->name,
		       vm->client_id, strerror(-err));
		drop_client(vm, "dropped");
		return;
	}
	vm_say(vm, &vm->log_connections, "%s: connection %" PRId64 " connected: %u vCPUs, region %zu bytes", vm->name,
	       vm->client_id, vm->vcpus, vm->size);
}

static void accept_client(struct vm *vm)
{
	int fd = accept4(vm->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	unsigned int v;
	uid_t uid;
	int err = 0;

	if (fd < 0) {
		/* the connection stays queued: leave it there a while, do not spin on it */
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS) {
			vm->accept_paused_until_ns = now_ns() + ACCEPT_PAUSE_NS;
			vm_say(vm, &vm->log_refusals, "%s: cannot accept a connection: %s",
			       vm->name, strerror(errno));
		}
		return;
	}
	if (!socket_peer_allowed(fd, &vm->access, &uid)) {
		vm->refused_peer++;
		vm_say(vm, &vm->log_refusals, "%s: refused a connection from uid %ld (not root, "
		       "the socket's owner or its group=)", vm->name,
		       uid == (uid_t)-1 ? -1L : (long)uid);
		close(fd);
		return;
	}
	if (vm->client_fd >= 0) {
		/* a second QEMU on one region would share one guest's timers */
		vm->refused++;
		vm_say(vm, &vm->log_refusals, "%s: refused a second connection (connection %" PRId64
		       " holds the region)", vm->name, vm->client_id);
		close(fd);
		return;
	}
	vm->client_fd = fd;
	vm->client_id = vm->next_id++;
	vm->hs_sent = 0;
	vm->hs_deadline_ns = now_ns() + HANDSHAKE_TIMEOUT_NS;
	vm->connects++;
	for (v = 0; v < vm->vcpus; v++)
		vm->evfd[v] = -1;
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
	if (err) {
		vm_say(vm, &vm->log_connections, "%s: cannot set up connection %" PRId64 ": %s", vm->name,
		       vm->client_id, strerror(-err));
		drop_client(vm, "dropped");
		return;
	}
	advance_handshake(vm);
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
		vm_say(vm, &vm->log_connections, "%s: ignored %zd bytes on connection %" PRId64, vm->name, n,
		       vm->client_id);
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

	say("stats: log_dropped %" PRIu64, log_dropped);
	for (i = 0; i < nr_vms; i++) {
		struct vm *vm = &vms[i];

		say("stats %s: serving %" PRId64 " connects %" PRIu64 " disconnects %" PRIu64
		    " refused %" PRIu64 " refused_peer %" PRIu64 " handshake_waits %" PRIu64
		    " eventfd_errors %" PRIu64 " restores %" PRIu64, vm->name,
		    serving(vm) ? vm->client_id : 0, vm->connects, vm->disconnects, vm->refused,
		    vm->refused_peer, vm->handshake_waits, vm->eventfd_errors,
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
			struct vm *vm = &vms[k];

			if (pfd[i].fd == vm->listen_fd) {
				accept_client(vm);
			} else if (pfd[i].fd == vm->client_fd) {
				if (pfd[i].revents & ~POLLOUT)
					client_readable(vm);
				if (handshaking(vm) && (pfd[i].revents & POLLOUT))
					advance_handshake(vm);
			}
		}
	}
	return true;
}

static unsigned int build_pollfds(struct pollfd *pfd, int sig_fd, uint64_t now)
{
	unsigned int n = 0, i;

	pfd[n++] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
	for (i = 0; i < nr_vms; i++) {
		if (now >= vms[i].accept_paused_until_ns)
			pfd[n++] = (struct pollfd){ .fd = vms[i].listen_fd, .events = POLLIN };
		if (vms[i].client_fd >= 0)
			pfd[n++] = (struct pollfd){
				.fd = vms[i].client_fd,
				.events = POLLIN | (handshaking(&vms[i]) ? POLLOUT : 0),
			};
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
		if (!serving(&vms[i]))
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

/*
 * Drops each QEMU that has not taken its handshake in time; returns the
 * next such deadline or the end of a pause in accepting.
 */
static uint64_t expire_handshakes(uint64_t now)
{
	uint64_t next = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < nr_vms; i++) {
		if (vms[i].accept_paused_until_ns > now && vms[i].accept_paused_until_ns < next)
			next = vms[i].accept_paused_until_ns;
		if (!handshaking(&vms[i]))
			continue;
		if (now >= vms[i].hs_deadline_ns)
			drop_client(&vms[i], "dropped: it did not take its handshake");
		else if (vms[i].hs_deadline_ns < next)
			next = vms[i].hs_deadline_ns;
	}
	return next;
}

static void set_timeout(struct timespec *ts, uint64_t now, uint64_t wake)
{
	uint64_t d = wake > now ? wake - now : 0;

	ts->tv_sec = d / 1000000000ull;
	ts->tv_nsec = d % 1000000000ull;
}

static void run(int sig_fd)
{
	struct pollfd pfd[1 + 2 * MAX_VMS];
	unsigned int spins = 0;

	for (;;) {
		struct timespec ts = { 0, 0 }, *timeout = &ts;
		uint64_t now, wake, earliest;
		bool served = false;
		unsigned int n, i;

		for (i = 0; i < nr_vms; i++)
			served |= serving(&vms[i]);
		if (served && poll_mode) {
			scan_all(0);
			if (++spins % 256)
				continue;
		}
		earliest = served && !poll_mode ? scan_all(scan_ns) : UINT64_MAX;
		now = now_ns();
		wake = expire_handshakes(now);
		if (served && !poll_mode) {
			if (now + scan_ns < wake)
				wake = now + scan_ns;
			if (earliest < wake)
				wake = earliest;
		}
		/* nothing to fire: no wakeups until a connection or a handshake's deadline */
		if (!(served && poll_mode)) {
			if (wake == UINT64_MAX)
				timeout = NULL;
			else
				set_timeout(&ts, now, wake);
		}
		n = build_pollfds(pfd, sig_fd, now);
		if (ppoll(pfd, n, timeout, NULL) > 0 && !handle_events(pfd, n, sig_fd))
			return;
	}
}

/* The sockets and lock files this agent holds, removed. */
static void release_sockets(void)
{
	unsigned int i;

	for (i = 0; i < nr_vms; i++) {
		socket_release(vms[i].path, vms[i].listen_fd, vms[i].lock_fd);
		vms[i].listen_fd = vms[i].lock_fd = -1;
	}
}

/* Descriptors open now (those inherited included), or 3 if /proc cannot say. */
static unsigned long open_fds(void)
{
	unsigned long n = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");

	if (!dir)
		return 3;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n - 1;	/* the directory's own */
}

/*
 * Every descriptor the agent can hold at once (what is open now, the
 * signalfd, one being accepted; per VM a lock, a listening socket, a
 * connection, a region and a vector per vCPU), checked before anything is
 * served: the soft limit is raised as far as the hard one allows, and a
 * configuration beyond that is refused.
 */
static bool enough_fds(void)
{
	unsigned long need = open_fds() + 1 + 1;
	struct rlimit rl;
	unsigned int i;

	for (i = 0; i < nr_vms; i++)
		need += 4 + vms[i].vcpus;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return true;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		say("the VMs need %lu file descriptors; the hard limit is %lu (raise it,"
		    " e.g. LimitNOFILE= in the unit)", need, (unsigned long)rl.rlim_max);
		return false;
	}
	/*
	 * As far as allowed: descriptors in flight to a QEMU that has not read
	 * them yet count against this limit too (ETOOMANYREFS).
	 */
	if (rl.rlim_cur != rl.rlim_max) {
		struct rlimit want = { .rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &want) && rl.rlim_cur < need) {
			want.rlim_cur = need;
			if (setrlimit(RLIMIT_NOFILE, &want)) {
				say("cannot raise the file descriptor limit to %lu: %s", need,
				    strerror(errno));
				return false;
			}
		}
	}
	return true;
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
				say("bad --vm '%s' (NAME=SOCKET:VCPUS[,owner=USER][,group=GROUP]"
				    "[,mode=MODE], VCPUS 1..%d, MODE at most 0666, at most %d VMs)",
				    optarg, TAXCUT_ET_MAX_SLOTS, MAX_VMS);
				return EXIT_USAGE;
			}
			if (!vm_unique(&vms[nr_vms])) {
				say("bad --vm '%s': its name or socket is another --vm's", optarg);
				return EXIT_USAGE;
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
				return EXIT_USAGE;
			}
			break;
		case 's':
			scan_ns = strtoull(optarg, &end, 10) * 1000;
			if (*end || scan_ns < 50000 || scan_ns > 100000000) {
				say("bad --scan-us '%s' (50 to 100000)", optarg);
				return EXIT_USAGE;
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
				return EXIT_USAGE;
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
			return EXIT_USAGE;
		}
	}
	if (!nr_vms || optind != argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	clock_gettime(CLOCK_MONOTONIC, &mono);
	if (clock_shift_ns < 0 && mono.tv_sec + clock_shift_ns / 1000000000ll < 1) {
		say("--clock-shift-s %lld would take the clock below 0 (up %lld s)",
		    (long long)(clock_shift_ns / 1000000000ll), (long long)mono.tv_sec);
		return EXIT_USAGE;
	}
	if (!enough_fds())
		return EXIT_START;
	if (pin_cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(pin_cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			say("cannot run on CPU %d: %s", pin_cpu, strerror(errno));
			return EXIT_START;
		}
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGQUIT);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sig_fd < 0) {
		say("signalfd: %s", strerror(errno));
		return EXIT_START;
	}
	/* wake when asked: the default 50 us slack would break the horizon */
	prctl(PR_SET_TIMERSLACK, 1UL);
	log_never_blocks();
	for (i = 0; i < nr_vms; i++) {
		int rc = listen_on(&vms[i]);

		if (rc) {
			release_sockets();
			return rc;
		}
		say("%s: listening on %s for %u vCPUs (mode %04o)", vms[i].name, vms[i].path,
		    vms[i].vcpus, (unsigned int)vms[i].access.mode);
	}
	if (clock_shift_ns)
		say("clock shifted by %lld s", (long long)(clock_shift_ns / 1000000000ll));
	if (poll_mode)
		say("busy-poll mode%s", pin_cpu >= 0 ? " (pinned)" : "");
	else
		say("scan mode, every %" PRIu64 " us", scan_ns / 1000);
	run(sig_fd);
	for (i = 0; i < nr_vms; i++)
		drop_client(&vms[i], "let go: agent stopping");
	release_sockets();
	if (want_stats)
		print_stats();
	say("stopped");
	return 0;
}

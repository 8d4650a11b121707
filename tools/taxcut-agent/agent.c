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
#include "agent.h"
#include "config.h"
#include "ivshmem.h"
#define CLOCK_SHIFT_MAX_S	(100 * 24 * 3600)	/* 100 days */

static const char usage[] =
"NAME\n"
"    taxcut-agent - host agent of taxcut's exitless timer\n"
"\n"
"SYNOPSIS\n"
"    taxcut-agent --vm NAME=SOCKET:VCPUS[,owner=USER][,group=GROUP][,mode=MODE]\n"
"                 [,irq-rate=N] [--vm ...] [--poll | --scan-us P]\n"
"                 [--threads N] [--cpu LIST] [--fifo PRIO]\n"
"                 [--irq-rate N] [--irq-per-pass N] [--clock-shift-s S]\n"
"                 [--stats] [--stats-json PATH] [--verbose] [--config FILE]\n"
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
"    --vm NAME=SOCKET:VCPUS  serve one VM (up to 128; VCPUS 1..255; names of\n"
"                            letters, digits, '_', '.', '-'; names and\n"
"                            sockets each once)\n"
"         ,owner=USER        the socket's owner (default: the agent's user)\n"
"         ,group=GROUP       its group (default: the agent's)\n"
"         ,mode=MODE         its mode, octal, at most 0666 (default 0600)\n"
"                            Only root, the owner and, with group=, processes\n"
"                            whose group is GROUP may connect (SO_PEERCRED),\n"
"                            whatever the mode.\n"
"         ,irq-rate=N        this VM's budget (default: --irq-rate)\n"
"    --poll                  busy-poll the regions (the exitless mode): each\n"
"                            firing thread spins on a host CPU; pin with --cpu\n"
"    --scan-us P             scan every P microseconds (50..100000) and sleep\n"
"                            until the next due deadline in between\n"
"                            (default 250)\n"
"    --threads N             N firing threads (1..64, at most one per VM); the\n"
"                            VMs are spread over them by vCPU count, and a\n"
"                            VM's timers are never behind another thread's\n"
"    --cpu LIST              the firing threads' host CPUs, comma-separated,\n"
"                            one per thread, in order, each once\n"
"                            (housekeeping CPUs); without it several threads\n"
"                            take the allowed CPUs in order and one thread is\n"
"                            not pinned; the control thread keeps off them\n"
"    --fifo PRIO             run the firing threads SCHED_FIFO at PRIO (1..99)\n"
"    --irq-rate N            each VM's interrupts per second (a token bucket of\n"
"                            a twentieth of a second; default 20000; 0: no\n"
"                            limit) ...\n"
"    --irq-per-pass N        ... and per pass (default: the VM's vCPU count,\n"
"                            whose ticks come due together; 0: no limit), on top\n"
"                            of one per slot per 10 us. A VM over its budget\n"
"                            waits (its deadlines fire late, counted as\n"
"                            throttled; each slot gets its turn); an early\n"
"                            wake for a deadline that then fired nothing\n"
"                            costs it a token; once it has spent half its\n"
"                            bucket it is signalled after the other VMs of\n"
"                            its thread and its deadlines no longer wake the\n"
"                            agent early\n"
"    --clock-shift-s S       run the agent's clock S seconds (may be negative)\n"
"                            off the host's CLOCK_MONOTONIC, as a host booted\n"
"                            at another time would (migration tests)\n"
"    --stats                 print statistics at exit (and on SIGUSR1)\n"
"    --stats-json PATH       write them as JSON to PATH at exit and on SIGUSR1\n"
"                            (replaced whole: a reader never sees half)\n"
"    --verbose               log every connection step\n"
"    --config FILE           read options from FILE, one per line: the name\n"
"                            without the dashes, then the value\n"
"                            ('vm web=/run/taxcut/web.sock:16', 'threads 2';\n"
"                            '#' starts a comment line); they take its place\n"
"                            on the command line, so later options override\n"
"                            them and a later --vm adds a VM\n"
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
"    SIGUSR1          print statistics (and write --stats-json)\n"
"\n"
"HORIZON\n"
"    Each pass promises each region its next look before the period plus a\n"
"    slack (the region's horizon_ns): 1.5 times the worst lateness of a look\n"
"    measured by its thread in the last minute, plus 20 us (5 us\n"
"    busy-polling), at most 100 ms. A look after the promise is counted as a\n"
"    broken promise (broken_promises in the statistics).\n"
"\n"
"EXIT STATUS\n"
"    0  stopped by a signal\n"
"    1  cannot serve: a socket, a lock file, the owner, too few file\n"
"       descriptors (the hard limit), a firing thread (its CPU, SCHED_FIFO),\n"
"       or another start-up error\n"
"    2  bad usage\n"
"    3  another agent serves one of the sockets (its SOCKET.lock is held)\n";

#define EXIT_START	1
#define EXIT_USAGE	2
#define EXIT_TAKEN	3

static struct vm vms[MAX_VMS];
static unsigned int nr_vms;
static struct firing_thread threads[MAX_THREADS];
static unsigned int nr_threads = 1;
static int cpus[MAX_THREADS], nr_cpus;	/* --cpu */
static bool want_stats, verbose;
static const char *stats_json;
static int64_t clock_shift_ns;

/* A VM's budget unless its --vm says otherwise: interrupts per second. */
#define IRQ_RATE_DEFAULT	20000u
/* unset: each VM's vCPU count (guests tick on all CPUs at once, skew_tick=0) */
#define IRQ_PER_PASS_VCPUS	UINT64_MAX
#define IRQ_RATE_MAX		10000000u
#define IRQ_RATE_UNSET		UINT64_MAX
/* Debian's HZ: a busy vCPU's tick alone is this many interrupts a second */
#define BUSY_TICK_HZ		250u
static uint64_t irq_rate = IRQ_RATE_DEFAULT, irq_per_pass = IRQ_PER_PASS_VCPUS;

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

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

uint64_t now_ns(void)
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
__attribute__((format(printf, 3, 4)))
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

/* A number in [min, max], all of @v; false if not. */
static bool parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)*v))
		return false;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (*end || errno || n < min || n > max)
		return false;
	*out = n;
	return true;
}

/* ,owner=USER ,group=GROUP ,mode=MODE ,irq-rate=N after the vCPU count */
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
		} else if (!strncmp(opt, "irq-rate=", 9)) {
			if (!parse_u64(opt + 9, 0, IRQ_RATE_MAX, &vm->irq_rate))
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
	/* names go into logs and JSON as they are */
	if (vm->name[strspn(vm->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789_.-")])
		return false;
	memcpy(vm->path, eq + 1, colon - eq - 1);
	vm->vcpus = n;
	vm->access = (struct socket_access){ .owner = (uid_t)-1, .group = (gid_t)-1,
					     .mode = 0600 };
	vm->irq_rate = IRQ_RATE_UNSET;
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
	/* the firing thread lets go of the region before it is stopped and unmapped */
	if (vm->served) {
		firing_lock(vm->thread);
		firing_unserve(vm);
		firing_unlock(vm->thread);
	}
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
	/* its QEMU holds the region and every vector: the firing thread takes over */
	firing_lock(vm->thread);
	firing_serve(vm->thread, vm);
	firing_unlock(vm->thread);
	vm_say(vm, &vm->log_connections, "%s: connection %" PRId64 " connected: %u vCPUs, region %zu bytes", vm->name,
	       vm->client_id, vm->vcpus, vm->size);
}

static void client_readable(struct vm *vm);

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
		struct pollfd held = { .fd = vm->client_fd, .events = POLLIN };

		/* the last guest may have gone just before: its hangup is not read yet */
		if (poll(&held, 1, 0) > 0)
			client_readable(vm);
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
			       firing.poll_mode ? 0 : firing.scan_ns, new_instance(), now_ns());
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

/* What a VM's statistics need, copied under its thread's lock. */
struct vm_snapshot {
	struct et_region region;
	uint64_t eventfd_errors;
};

static void snapshot(struct vm *vm, struct vm_snapshot *snap)
{
	firing_lock(vm->thread);
	memcpy(&snap->region, &vm->region, sizeof(snap->region));
	snap->eventfd_errors = vm->eventfd_errors;
	firing_unlock(vm->thread);
}

/* The lateness (us) at quantile @q of the histogram; -1 if it is empty. */
static long late_quantile_us(const struct et_region *r, double q)
{
	uint64_t total = 0, seen = 0, want;
	unsigned int i;

	for (i = 0; i < ET_LATE_BUCKETS; i++)
		total += r->late_hist[i];
	if (!total)
		return -1;
	want = (uint64_t)(q * (double)total);
	if (want >= total)
		want = total - 1;
	for (i = 0; i < ET_LATE_BUCKETS; i++) {
		seen += r->late_hist[i];
		if (seen > want)
			break;
	}
	return i;
}

static uint64_t region_fired(const struct et_region *r)
{
	uint64_t n = 0;
	unsigned int v;

	for (v = 0; v < r->nr_slots; v++)
		n += r->slot[v].fired;
	return n;
}

static struct vm_snapshot snap;

static void print_stats(void)
{
	unsigned int i, v;

	say("stats: log_dropped %" PRIu64, log_dropped);
	for (i = 0; i < nr_threads; i++) {
		struct thread_stats st;

		firing_stats(&threads[i], &st);
		say("stats thread %u: cpu %d vms %u passes %" PRIu64 " pass_avg_us %.1f pass_max_us %.1f"
		    " slack_us %.1f woke_late_max_us %.1f woke_past_slack %" PRIu64
		    " deferred %" PRIu64, i, threads[i].cpu, threads[i].nr_vms, st.passes,
		    st.passes ? st.pass_ns_sum / 1000.0 / st.passes : 0.0, st.pass_ns_max / 1000.0,
		    st.slack_ns / 1000.0, st.woke_late_max_ns / 1000.0, st.woke_past_slack,
		    st.deferred_fires);
	}
	for (i = 0; i < nr_vms; i++) {
		struct vm *vm = &vms[i];
		struct et_region *r = &snap.region;

		snapshot(vm, &snap);
		say("stats %s: serving %" PRId64 " connects %" PRIu64 " disconnects %" PRIu64
		    " refused %" PRIu64 " refused_peer %" PRIu64 " handshake_waits %" PRIu64
		    " eventfd_errors %" PRIu64 " restores %" PRIu64 " throttled %" PRIu64
		    " wasted_wakes %" PRIu64 " passes_over_budget %" PRIu64 " broken_promises %" PRIu64 " broken_max_us %.1f"
		    " late_p50_us %ld late_p99_us %ld", vm->name,
		    vm->served ? vm->client_id : 0, vm->connects, vm->disconnects, vm->refused,
		    vm->refused_peer, vm->handshake_waits, snap.eventfd_errors,
		    vm->restores + r->restores, r->budget.refused, r->budget.wasted_wakes,
		    r->budget.passes_over, r->broken_promises, r->broken_max_ns / 1000.0,
		    late_quantile_us(r, 0.5),
		    late_quantile_us(r, 0.99));
		for (v = 0; v < vm->vcpus; v++) {
			struct et_slot_state *s = &r->slot[v];

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

/*
 * The statistics as JSON, for programs (--stats-json): written to a new
 * file and renamed over PATH, so a reader never sees half of one.
 */
static void write_stats_json(void)
{
	char tmp[PATH_MAX];
	unsigned int i, v, k;
	FILE *f;
	int fd;

	if (!stats_json)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", stats_json) >= (int)sizeof(tmp))
		return;
	/* not through a symbolic link someone left at PATH.tmp */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		errno = err;
		say("cannot write %s: %s", tmp, strerror(errno));
		return;
	}
	fprintf(f, "{\n  \"log_dropped\": %" PRIu64 ",\n  \"threads\": [", log_dropped);
	for (i = 0; i < nr_threads; i++) {
		struct thread_stats st;

		/* copied first: no file I/O under a firing thread's lock */
		firing_stats(&threads[i], &st);
		fprintf(f, "%s\n    {\"cpu\": %d, \"vms\": %u, \"passes\": %" PRIu64
			", \"pass_ns_sum\": %" PRIu64 ", \"pass_ns_max\": %" PRIu64
			", \"slack_ns\": %" PRIu64 ", \"woke_late_max_ns\": %" PRIu64
			", \"woke_past_slack\": %" PRIu64 ", \"deferred\": %" PRIu64 "}",
			i ? "," : "", threads[i].cpu, threads[i].nr_vms, st.passes, st.pass_ns_sum,
			st.pass_ns_max, st.slack_ns, st.woke_late_max_ns, st.woke_past_slack,
			st.deferred_fires);
	}
	fprintf(f, "\n  ],\n  \"vms\": [");
	for (i = 0; i < nr_vms; i++) {
		struct vm *vm = &vms[i];
		struct et_region *r = &snap.region;
		uint64_t late_max = 0;

		snapshot(vm, &snap);
		for (v = 0; v < r->nr_slots; v++)
			if (r->slot[v].late_max_ns > late_max)
				late_max = r->slot[v].late_max_ns;
		fprintf(f, "%s\n    {\"name\": \"%s\", \"vcpus\": %u, \"thread\": %u"
			", \"serving\": %" PRId64 ", \"connects\": %" PRIu64
			", \"irq_rate\": %" PRIu64 ", \"fired\": %" PRIu64
			", \"throttled\": %" PRIu64 ", \"wasted_wakes\": %" PRIu64
			", \"passes_over_budget\": %" PRIu64
			", \"broken_promises\": %" PRIu64 ", \"broken_max_ns\": %" PRIu64
			", \"restores\": %" PRIu64 ", \"eventfd_errors\": %" PRIu64
			", \"late_max_ns\": %" PRIu64 ", \"late_hist_us\": [",
			i ? "," : "", vm->name, vm->vcpus, vm->thread->index,
			vm->served ? vm->client_id : 0, vm->connects, vm->irq_rate, region_fired(r),
			r->budget.refused, r->budget.wasted_wakes, r->budget.passes_over,
			r->broken_promises, r->broken_max_ns, vm->restores + r->restores, snap.eventfd_errors, late_max);
		/* [us, count] pairs of the non-empty buckets; the last one is "and later" */
		for (k = 0, v = 0; k < ET_LATE_BUCKETS; k++)
			if (r->late_hist[k])
				fprintf(f, "%s[%u, %" PRIu64 "]", v++ ? ", " : "", k, r->late_hist[k]);
		fprintf(f, "]}");
	}
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f) || rename(tmp, stats_json))
		say("cannot write %s: %s", stats_json, strerror(errno));
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
				write_stats_json();
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

/* The control thread: signals, connections, handshakes. The firing threads fire. */
static void run(int sig_fd)
{
	struct pollfd pfd[1 + 2 * MAX_VMS];

	for (;;) {
		struct timespec ts, *timeout = NULL;
		uint64_t now = now_ns(), wake = expire_handshakes(now);
		unsigned int n;

		if (wake != UINT64_MAX) {
			set_timeout(&ts, now, wake);
			timeout = &ts;
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
 * signalfd, one being accepted, a wakeup eventfd per firing thread; per VM a lock, a listening socket, a
 * connection, a region and a vector per vCPU), checked before anything is
 * served: the soft limit is raised as far as the hard one allows, and a
 * configuration beyond that is refused.
 */
static bool enough_fds(void)
{
	unsigned long need = open_fds() + 1 + 1 + nr_threads;
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

/* --cpu A[,B...]: the firing threads' CPUs, in order */
static bool parse_cpus(const char *v)
{
	char buf[512], *tok, *save = NULL;
	uint64_t n;

	if (strlen(v) >= sizeof(buf) || !*v || v[strlen(v) - 1] == ',' || strstr(v, ",,"))
		return false;
	strcpy(buf, v);
	nr_cpus = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i;

		if (nr_cpus == MAX_THREADS || !parse_u64(tok, 0, CPU_SETSIZE - 1, &n))
			return false;
		/* two firing threads on one CPU would take turns: their promises break */
		for (i = 0; i < nr_cpus; i++)
			if (cpus[i] == (int)n)
				return false;
		cpus[nr_cpus++] = (int)n;
	}
	return nr_cpus > 0;
}

/*
 * The VMs spread over the firing threads, the largest first, each to the
 * thread with the fewest vCPUs so far; each thread on its CPU: --cpu's in
 * order, or with several threads and no --cpu, the agent's allowed CPUs in
 * order (one thread alone without --cpu is not pinned).
 */
static bool place_vms(void)
{
	bool taken[MAX_VMS] = { false };
	cpu_set_t allowed;
	unsigned int i, k, c = 0;

	if (nr_threads > nr_vms)
		nr_threads = nr_vms;
	if (nr_cpus && nr_cpus < (int)nr_threads) {
		say("--threads %u needs as many CPUs in --cpu (it has %d)", nr_threads, nr_cpus);
		return false;
	}
	if (!nr_cpus && nr_threads > 1 && sched_getaffinity(0, sizeof(allowed), &allowed))
		CPU_ZERO(&allowed);
	if (!nr_cpus && nr_threads > 1 && (int)nr_threads > CPU_COUNT(&allowed)) {
		say("--threads %u needs as many CPUs, the agent may run on %d", nr_threads,
		    CPU_COUNT(&allowed));
		return false;
	}
	for (i = 0; i < nr_threads; i++) {
		struct firing_thread *t = &threads[i];

		t->index = i;
		t->cpu = -1;
		if (nr_cpus) {
			t->cpu = cpus[i];
		} else if (nr_threads > 1) {
			while (!CPU_ISSET(c, &allowed))
				c++;
			t->cpu = (int)c++;
		}
	}
	for (k = 0; k < nr_vms; k++) {
		struct firing_thread *least = &threads[0];
		struct vm *vm = NULL;

		for (i = 0; i < nr_vms; i++)
			if (!taken[i] && (!vm || vms[i].vcpus > vm->vcpus))
				vm = &vms[i];
		taken[vm - vms] = true;
		for (i = 1; i < nr_threads; i++)
			if (threads[i].vcpus < least->vcpus)
				least = &threads[i];
		vm->thread = least;
		least->vm[least->nr_vms++] = vm;
		least->vcpus += vm->vcpus;
	}
	return true;
}

/*
 * The control thread keeps off the firing threads' CPUs: a SCHED_FIFO
 * firing thread (busy-polling above all) would leave it no time there.
 * With no CPU left, a busy-polling real-time thread is refused; otherwise
 * the control thread shares, as a firing thread that sleeps lets it.
 */
static bool place_control(void)
{
	cpu_set_t set;
	unsigned int i;

	if (sched_getaffinity(0, sizeof(set), &set))
		return true;
	for (i = 0; i < nr_threads; i++) {
		if (threads[i].cpu < 0) {
			/* an unpinned thread: the scheduler places both, given two CPUs */
			if (firing.poll_mode && firing.fifo_priority && CPU_COUNT(&set) < 2) {
				say("--poll --fifo on one CPU would leave none for the agent's "
				    "sockets (give it two)");
				return false;
			}
			return true;
		}
		CPU_CLR(threads[i].cpu, &set);
	}
	if (!CPU_COUNT(&set)) {
		if (firing.poll_mode && firing.fifo_priority) {
			say("--poll --fifo: the firing threads would take every CPU the agent may run on,"
			    " leaving none for its sockets (give it a CPU besides --cpu)");
			return false;
		}
		return true;
	}
	if (sched_setaffinity(0, sizeof(set), &set))
		say("cannot keep the control thread off the firing CPUs: %s", strerror(errno));
	return true;
}

static bool start_threads(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < nr_threads; i++) {
		err = firing_start(&threads[i]);
		if (err) {
			say("cannot start firing thread %u%s: %s", i,
			    err == EPERM && firing.fifo_priority ? " (SCHED_FIFO needs CAP_SYS_NICE"
			    " or an RLIMIT_RTPRIO)" : "", strerror(err));
			while (i--)
				firing_stop(&threads[i]);
			return false;
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
		{ "stats-json", required_argument, NULL, 'J' },
		{ "threads", required_argument, NULL, 't' },
		{ "fifo", required_argument, NULL, 'f' },
		{ "irq-rate", required_argument, NULL, 'r' },
		{ "irq-per-pass", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "config", required_argument, NULL, 'C' },	/* expanded before (config.h) */
		{ NULL, 0, NULL, 0 },
	};
	static struct arg_list args;	/* the options' strings live as long as the agent */
	char err[256];
	struct timespec mono;
	long long shift_s;
	sigset_t sigs;
	unsigned int i;
	char *end;
	uint64_t n;
	int c, sig_fd;

	if (config_expand(argc, argv, opts, &args, err, sizeof(err))) {
		say("%s", err);
		return EXIT_USAGE;
	}
	argc = args.argc;
	argv = args.argv;
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
			firing.poll_mode = true;
			break;
		case 'c':
			if (!parse_cpus(optarg)) {
				say("bad --cpu '%s' (CPU numbers, comma-separated, at most %d)", optarg,
				    MAX_THREADS);
				return EXIT_USAGE;
			}
			break;
		case 's':
			if (!parse_u64(optarg, 50, 100000, &n)) {
				say("bad --scan-us '%s' (50 to 100000)", optarg);
				return EXIT_USAGE;
			}
			firing.scan_ns = n * 1000;
			break;
		case 't':
			if (!parse_u64(optarg, 1, MAX_THREADS, &n)) {
				say("bad --threads '%s' (1 to %d)", optarg, MAX_THREADS);
				return EXIT_USAGE;
			}
			nr_threads = (unsigned int)n;
			break;
		case 'f':
			if (!parse_u64(optarg, 1, 99, &n)) {
				say("bad --fifo '%s' (a SCHED_FIFO priority, 1 to 99)", optarg);
				return EXIT_USAGE;
			}
			firing.fifo_priority = (int)n;
			break;
		case 'r':
			if (!parse_u64(optarg, 0, IRQ_RATE_MAX, &irq_rate)) {
				say("bad --irq-rate '%s' (0 to %u)", optarg, IRQ_RATE_MAX);
				return EXIT_USAGE;
			}
			break;
		case 'P':
			if (!parse_u64(optarg, 0, TAXCUT_ET_MAX_SLOTS, &n)) {
				say("bad --irq-per-pass '%s' (0 to %d)", optarg, TAXCUT_ET_MAX_SLOTS);
				return EXIT_USAGE;
			}
			irq_per_pass = n;
			break;
		case 'J':
			stats_json = optarg;
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
		case 'C':
			say("write --config in full (or --config=FILE)");
			return EXIT_USAGE;
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
	for (i = 0; i < nr_vms; i++) {
		struct vm *vm = &vms[i];

		if (vm->irq_rate == IRQ_RATE_UNSET)
			vm->irq_rate = irq_rate;
		/* an honest guest busy on every vCPU must not be throttled */
		vm->irq_per_pass = irq_per_pass == IRQ_PER_PASS_VCPUS ? vm->vcpus
								       : (uint32_t)irq_per_pass;
		/* guests tick on all CPUs at once (skew_tick=0): one pass sees them all */
		if (vm->irq_per_pass && vm->vcpus > vm->irq_per_pass)
			say("note: VM %s: its %u vCPUs' ticks come due together, above the %u"
			    " interrupts a pass (--irq-per-pass): the rest wait a pass", vm->name,
			    vm->vcpus, vm->irq_per_pass);
		if (vm->irq_rate && vm->irq_rate < (uint64_t)vm->vcpus * BUSY_TICK_HZ)
			say("note: VM %s: a guest ticking at %u Hz on all %u vCPUs needs %" PRIu64
			    " interrupts/s, its budget is %" PRIu64 " (irq-rate=)", vm->name,
			    BUSY_TICK_HZ, vm->vcpus, (uint64_t)vm->vcpus * BUSY_TICK_HZ, vm->irq_rate);
	}
	if (!place_vms() || !place_control())
		return EXIT_USAGE;
	if (!enough_fds())
		return EXIT_START;
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
	/* after the signal mask and the timer slack: the threads inherit both */
	if (!start_threads()) {
		release_sockets();
		return EXIT_START;
	}
	if (firing.poll_mode)
		say("busy-poll mode, %u thread%s%s", nr_threads, nr_threads > 1 ? "s" : "",
		    threads[0].cpu >= 0 ? " (pinned)" : "");
	else
		say("scan mode, every %" PRIu64 " us, %u thread%s%s", firing.scan_ns / 1000,
		    nr_threads, nr_threads > 1 ? "s" : "", threads[0].cpu >= 0 ? " (pinned)" : "");
	run(sig_fd);
	for (i = 0; i < nr_vms; i++)
		drop_client(&vms[i], "let go: agent stopping");
	for (i = 0; i < nr_threads; i++)
		firing_stop(&threads[i]);
	release_sockets();
	if (want_stats)
		print_stats();
	write_stats_json();
	say("stopped");
	return 0;
}

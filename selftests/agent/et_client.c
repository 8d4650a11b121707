// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's side of the exitless-timer region, in userspace, to test
 * taxcut-agent without a VM: speaks the ivshmem client protocol, maps the
 * region, arms deadlines in slots and waits on the slots' eventfds.
 *
 *   et_client SOCKET timers N          arm N timers (100 us to 5 ms) on random
 *                                      slots: none early, none lost (TAP)
 *   et_client SOCKET hostile SECONDS   write garbage all over the region,
 *                                      then check that a timer still fires
 *   et_client SOCKET hold SECONDS      connect and stay connected (says
 *                                      "# connected" once it holds the region)
 *   et_client SOCKET refused [WHAT]    expect the agent to refuse us
 *   et_client SOCKET churn N           connect, read the first message and
 *                                      close, N times
 *   et_client SOCKET slowread MS VECTORS
 *                                      connect, read nothing for MS ms, then
 *                                      expect the whole handshake
 *   et_client SOCKET stopped SECONDS   stay connected until the agent lets
 *                                      go (at most SECONDS): the region must
 *                                      then be marked stopped
 *   et_client SOCKET bench SECONDS MIN_US MAX_US
 *                                      an honest guest for the benchmark:
 *                                      every slot armed again as soon as its
 *                                      deadline (MIN_US to MAX_US ahead) fired
 *   et_client SOCKET attack SECONDS    the flood of the agent issue: every
 *                                      fired slot armed again at deadline 1,
 *                                      vectors never read (masked), and a
 *                                      garbage write every millisecond
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <uapi/taxcut/exitless_timer.h>
#include "ivshmem.h"

static int vectors, evfd[TAXCUT_ET_MAX_SLOTS];
static volatile struct taxcut_et_header *hdr;
static size_t region_size;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void tap(int ok, const char *what)
{
	printf("%sok - %s\n", ok ? "" : "not ", what);
}

static volatile struct taxcut_et_slot *slot(int n)
{
	return (volatile struct taxcut_et_slot *)((volatile char *)hdr + TAXCUT_ET_SLOT_OFFSET(n));
}

static int dial(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		return -1;
	return fd;
}

/* The ivshmem handshake; returns 0 when the region and vectors are ours. */
static int handshake(int sock)
{
	int64_t v, id;
	int fd, shm = -1;
	struct stat st;

	if (ivshmem_recv(sock, &v, &fd) || v != IVSHMEM_PROTOCOL_VERSION)
		return -1;
	if (ivshmem_recv(sock, &id, &fd) || id < 0)
		return -1;
	if (ivshmem_recv(sock, &v, &shm) || v != -1 || shm < 0)
		return -1;
	/* then our own ID once per vector, each with an eventfd */
	while (vectors < TAXCUT_ET_MAX_SLOTS) {
		struct pollfd p = { .fd = sock, .events = POLLIN };

		if (poll(&p, 1, vectors ? 200 : 2000) <= 0)
			break;
		if (ivshmem_recv(sock, &v, &fd) || v != id || fd < 0)
			return -1;
		evfd[vectors++] = fd;
	}
	if (fstat(shm, &st))
		return -1;
	region_size = st.st_size;
	hdr = mmap(NULL, region_size, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
	return hdr == MAP_FAILED ? -1 : 0;
}

static void arm(int n, uint64_t deadline)
{
	volatile struct taxcut_et_slot *s = slot(n);
	uint32_t seq = s->seq;

	__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&s->deadline_ns, deadline, __ATOMIC_RELEASE);
	__atomic_store_n(&s->instance, hdr->instance, __ATOMIC_RELEASE);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
	s->armed++;
}

/* After the slot store, with a full fence: the horizon a pass may have missed it by. */
static uint64_t horizon_after_store(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&hdr->horizon_ns, __ATOMIC_ACQUIRE);
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Arms @n timers one after another; returns how many failed. */
static int timers(int n, const char *label)
{
	uint64_t *late = calloc(n, sizeof(*late));
	int i, early = 0, lost = 0, inside = 0;
	char what[160];

	for (i = 0; i < n; i++) {
		int s = rand() % vectors;
		uint64_t delay = 100000 + (uint64_t)(rand() % 4900) * 1000, deadline, got, t;
		struct pollfd p = { .fd = evfd[s], .events = POLLIN };

		deadline = now_ns() + delay;
		arm(s, deadline);
		/*
		 * Closer than the agent promised to look (its slack is measured: a
		 * loaded host makes it large): still fired at its next look, never
		 * early, never lost; counted apart.
		 */
		if (deadline < horizon_after_store())
			inside++;
		if (poll(&p, 1, 1000) != 1 || read(evfd[s], &got, sizeof(got)) != sizeof(got)) {
			lost++;
			continue;
		}
		t = now_ns();
		if (t < deadline)
			early++;
		late[i - lost] = t - deadline;
	}
	n -= lost;
	qsort(late, n, sizeof(*late), cmp);
	printf("# %s: %d timers fired, %d of them inside the horizon; lateness us p50 %.1f p99 %.1f max %.1f\n",
	       label, n, inside, n ? late[n / 2] / 1e3 : 0, n ? late[n * 99 / 100] / 1e3 : 0,
	       n ? late[n - 1] / 1e3 : 0);
	snprintf(what, sizeof(what), "%s: no timer fired early (%d)", label, early);
	tap(!early, what);
	snprintf(what, sizeof(what), "%s: no timer lost (%d)", label, lost);
	tap(!lost, what);
	free(late);
	return early + lost;
}

/*
 * N connections the agent served (each read the protocol version), each
 * closed at once; one made before the agent saw the last one go is
 * refused (EOF first) and made again. Returns how many failed otherwise.
 */
static int churn(const char *path, int n)
{
	int served = 0, refused = 0, failed = 0;
	char what[160];

	while (served < n && failed < 100) {
		int sock = dial(path), fd, err;
		int64_t v;

		if (sock < 0) {
			failed++;
			continue;
		}
		err = ivshmem_recv(sock, &v, &fd);
		if (!err && v == IVSHMEM_PROTOCOL_VERSION)
			served++;
		else if (err == -ECONNRESET)
			refused++;
		else
			failed++;
		close(sock);
	}
	snprintf(what, sizeof(what),
		 "%d connections served and closed at once (%d refused while the last was open, %d failed)",
		 served, refused, failed);
	tap(served == n && !failed, what);
	return failed;
}

/*
 * An honest guest under load: each slot holds a deadline MIN_US to MAX_US
 * ahead and gets the next one when its interrupt comes. The agent's
 * statistics are the measure; this side checks none came early or went
 * missing. Returns the number of failures.
 */
static int bench(int seconds, uint64_t min_ns, uint64_t max_ns)
{
	uint64_t end = now_ns() + (uint64_t)seconds * 1000000000ull, deadline[TAXCUT_ET_MAX_SLOTS];
	uint64_t fires = 0, early = 0, lost = 0, stale = 0, v;
	struct epoll_event ev[64];
	int ep = epoll_create1(0), i, n;

	for (i = 0; i < vectors; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)i };

		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, evfd[i], &e))
			return 1;
		deadline[i] = now_ns() + min_ns + (uint64_t)rand() % (max_ns - min_ns);
		arm(i, deadline[i]);
	}
	while (now_ns() < end) {
		n = epoll_wait(ep, ev, 64, 100);
		for (int k = 0; k < n; k++) {
			volatile struct taxcut_et_slot *s;
			uint64_t t = now_ns();

			i = (int)ev[k].data.u32;
			s = slot(i);
			if (read(evfd[i], &v, sizeof(v)) != sizeof(v))
				continue;
			if (__atomic_load_n(&s->fired_seq, __ATOMIC_ACQUIRE) != s->seq) {
				stale++;
				continue;
			}
			fires++;
			early += t < deadline[i];
			deadline[i] = t + min_ns + (uint64_t)rand() % (max_ns - min_ns);
			arm(i, deadline[i]);
		}
		/* a deadline a second overdue is lost */
		for (i = 0; i < vectors; i++)
			if (now_ns() > deadline[i] + 1000000000ull) {
				lost++;
				deadline[i] = now_ns() + min_ns;
				arm(i, deadline[i]);
			}
	}
	for (i = 0; i < vectors; i++)
		arm(i, 0);
	printf("# bench: %llu fires, %llu early, %llu lost, %llu stale\n", (unsigned long long)fires,
	       (unsigned long long)early, (unsigned long long)lost, (unsigned long long)stale);
	return early || lost;
}

/*
 * The hostile guest of the agent issue: each slot fired is armed again at
 * once with deadline 1 (due since boot), its vector never read, and a
 * random byte written anywhere in the region every millisecond. It sleeps
 * 20 us between sweeps: faster than any pass, without taking a host CPU
 * from the honest guests on a small machine.
 */
static void attack(int seconds)
{
	uint64_t end = now_ns() + (uint64_t)seconds * 1000000000ull, next_garbage = 0;
	uint64_t rearms = 0, garbage = 0;
	volatile unsigned char *p = (volatile unsigned char *)hdr;
	int i;

	while (now_ns() < end) {
		for (i = 0; i < vectors; i++) {
			volatile struct taxcut_et_slot *s = slot(i);

			if (s->deadline_ns == 0 || s->fired_seq == s->seq) {
				arm(i, 1);
				rearms++;
			}
		}
		if (now_ns() >= next_garbage) {
			p[(size_t)rand() % region_size] = (unsigned char)rand();
			garbage++;
			next_garbage = now_ns() + 1000000;
		}
		usleep(20);
	}
	printf("# attack: %llu re-arms at deadline 1, %llu garbage writes\n",
	       (unsigned long long)rearms, (unsigned long long)garbage);
}

int main(int argc, char **argv)
{
	int sock;

	if (argc < 3)
		return 2;
	srand((unsigned int)getpid());
	if (!strcmp(argv[2], "churn") && argc > 3)
		return churn(argv[1], atoi(argv[3]));
	sock = dial(argv[1]);
	if (sock < 0) {
		printf("not ok - connect to %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (!strcmp(argv[2], "refused")) {
		int64_t v;
		int fd;

		tap(ivshmem_recv(sock, &v, &fd) == -ECONNRESET,
		    argc > 3 ? argv[3] : "a second guest on a held region is refused");
		return 0;
	}
	if (!strcmp(argv[2], "slowread") && argc > 4) {
		char what[128];
		int ok;

		printf("# connected\n");	/* its socket buffer is sized now */
		fflush(stdout);
		usleep((useconds_t)atoi(argv[3]) * 1000);
		ok = !handshake(sock) && vectors == atoi(argv[4]) && hdr->magic == TAXCUT_ET_MAGIC;
		snprintf(what, sizeof(what),
			 "a QEMU that read nothing for %s ms then got its whole handshake (%d vectors)",
			 argv[3], vectors);
		tap(ok, what);
		return !ok;
	}
	if (handshake(sock)) {
		printf("not ok - ivshmem handshake\n");
		return 1;
	}
	if (!strcmp(argv[2], "timers")) {
		uint64_t hb = hdr->heartbeat;
		char what[128];
		int i, clean = 1;

		snprintf(what, sizeof(what), "region: magic, version 2, %d slots for %d vectors, %zu bytes",
			 hdr->nr_slots, vectors, region_size);
		tap(hdr->magic == TAXCUT_ET_MAGIC && hdr->version == TAXCUT_ET_VERSION &&
		    (int)hdr->nr_slots == vectors && vectors > 0, what);
		for (i = 0; i < vectors; i++)
			clean &= slot(i)->seq == 0 && slot(i)->deadline_ns == 0;
		tap(clean, "region: every slot starts empty");
		usleep(20000);
		tap(hdr->heartbeat != hb && hdr->heartbeat_ns > 0, "region: the heartbeat advances");
		return timers(atoi(argv[3]), argv[4] ? argv[4] : "timers") ? 1 : 0;
	}
	if (!strcmp(argv[2], "hostile")) {
		uint64_t end = now_ns() + (uint64_t)atoi(argv[3]) * 1000000000ull, writes = 0;
		volatile unsigned char *p = (volatile unsigned char *)hdr;
		int i;

		while (now_ns() < end) {
			for (i = 0; i < 1000; i++) {
				size_t off = (size_t)rand() % region_size;

				if (rand() % 2)
					p[off] = (unsigned char)rand();
				else
					arm(rand() % vectors, rand() % 3 ? (uint64_t)rand() : now_ns());
				writes++;
			}
			for (i = 0; i < vectors; i++) {
				uint64_t v;

				if (read(evfd[i], &v, sizeof(v)) < 0 && errno != EAGAIN)
					break;
			}
		}
		printf("# hostile: %llu garbage writes\n", (unsigned long long)writes);
		/* a well-formed slot works again once the guest behaves */
		for (i = 0; i < vectors; i++) {
			slot(i)->seq &= ~1u;
			slot(i)->deadline_ns = 0;
		}
		usleep(5000);
		for (i = 0; i < vectors; i++) {
			uint64_t v;

			while (read(evfd[i], &v, sizeof(v)) == sizeof(v))
				;
		}
		return timers(50, "after the garbage") ? 1 : 0;
	}
	if (!strcmp(argv[2], "bench") && argc > 5) {
		uint64_t lo = strtoull(argv[4], NULL, 10) * 1000, hi = strtoull(argv[5], NULL, 10) * 1000;

		printf("# connected\n");
		fflush(stdout);
		return hi > lo ? bench(atoi(argv[3]), lo, hi) : 2;
	}
	if (!strcmp(argv[2], "attack") && argc > 3) {
		printf("# connected\n");
		fflush(stdout);
		attack(atoi(argv[3]));
		return 0;
	}
	if (!strcmp(argv[2], "hold")) {
		printf("# connected\n");
		fflush(stdout);
		sleep((unsigned int)atoi(argv[3]));
		return 0;
	}
	if (!strcmp(argv[2], "stopped") && argc > 3) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		char c;
		int ok;

		printf("# connected\n");
		fflush(stdout);
		ok = poll(&p, 1, atoi(argv[3]) * 1000) == 1 && recv(sock, &c, 1, 0) == 0;
		tap(ok && hdr->heartbeat_ns == 0,
		    "the agent let go of the region and marked it stopped (heartbeat_ns 0)");
		return !ok;
	}
	return 2;
}

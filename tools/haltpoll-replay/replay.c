// SPDX-License-Identifier: GPL-2.0
/*
 * The haltpoll replay benchmark: idle-period traces replayed through the
 * real policy code (drivers/cpuidle/haltpoll_policy.c) and through models
 * of the other ways a guest idles (upstream's haltpoll governor, menu with
 * cpuidle-haltpoll, halt-only, idle=poll), under a cost model of KVM with host
 * halt-polling off. Deterministic: the same build gives the same numbers,
 * so a change of a few percent is a change, not noise.
 *
 *   haltpoll-replay [--traces DIR] [--events N] [--json FILE] [--md FILE]
 *
 * Cost model (per idle period whose wakeup arrives t after idle entry):
 *   - caught while polling: no added latency, t polled;
 *   - a poll of budget b that times out, then a halt: b polled and wasted,
 *     and the halt's wakeup cost L added to the wakeup;
 *   - a halt at once: L added.
 * L is what a halted vCPU's wakeup costs on the host beyond a polling
 * one's (the HLT exit, the host scheduler's wakeup, the entry): swept at
 * 5, 20 and 200 us (see docs/haltpoll.md, "The replay benchmark"). The
 * policies see what a guest would measure: a halted period lasts t + L.
 * Open loop: a later wakeup does not move because an earlier one was late.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include "haltpoll_sim.h"

#define US		1000ull
#define NO_TIMER	(~0ull)
#define MAX_EVENTS	200000
#define MAX_WORKLOADS	64

static const u64 wake_cost_ns[] = { 5 * US, 20 * US, 200 * US };

enum policy { P_TAXCUT, P_UPSTREAM, P_MENU, P_HALT, P_HOST_POLL, P_POLL, NR_POLICIES };
static const char *const policy_name[NR_POLICIES] = {
	"taxcut", "upstream-haltpoll", "menu+cpuidle-haltpoll", "halt-only",
	"host-poll", "idle=poll",
};

/*
 * KVM's default without the hint: the guest halts at once and the host
 * polls for the wakeup (halt_poll_ns 200 us, grow 2 from 10 us, shrink 2,
 * adapting on the whole halt). A wakeup the host's poll catches costs the
 * exit and the entry, HOST_POLL_EXIT_NS (Tosatti's ping-pong: host polling
 * 33.40 us a round trip against 32.73 with guest polling instead, bare
 * metal 31.33), not the whole L; its polling burns the CPU all the same.
 * Every other policy here runs with host polling off, as cpuidle-haltpoll
 * and taxcut switch it off.
 */
#define HOST_POLL_EXIT_NS	2000ull
static const struct tc_hp_params host_poll_params = {
	.max_ns = 200000, .grow = 2, .grow_start_ns = 10000, .shrink = 2, .allow_shrink = true,
};

/*
 * cpuidle-haltpoll under the menu governor (Debian 6.1's and 6.12's
 * default with the dedicated hint, host polling off): the driver's halt
 * state has a target residency of 1 us, so menu picks its POLL state only
 * when it predicts less than that, and poll_idle() then stops at that 1 us
 * (the next state's target residency: no haltpoll governor sets a limit).
 * Menu's prediction is modelled by its typical-interval part alone, the
 * mean of the last 8 idle periods: the timer part only lowers it further
 * for a CPU whose next timer is under 1 us away.
 */
#define MENU_HALT_RESIDENCY_NS	1000ull
#define MENU_INTERVALS		8

struct menu_cpu {
	u64 interval[MENU_INTERVALS];
	unsigned int next, seen;	/* no typical interval before 8 */
};

static u64 menu_budget(const struct menu_cpu *m, const struct sim_event *ev)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < MENU_INTERVALS; i++)
		sum += m->interval[i];
	if ((m->seen >= MENU_INTERVALS && sum / MENU_INTERVALS < MENU_HALT_RESIDENCY_NS) ||
	    ev->next_timer_ns < MENU_HALT_RESIDENCY_NS)
		return MENU_HALT_RESIDENCY_NS;
	return 0;
}

struct workload {
	char name[48];
	char kind[16];		/* synthetic or recorded */
	size_t n;
	struct sim_event *ev;
};

struct result {
	u64 wakeups, caught, halted;
	u64 polled_ns, wasted_ns, idle_ns, added_ns;
	u64 *added;		/* per wakeup, for the quantiles */
	u64 p50_ns, p99_ns;
};

/* xorshift64*: the workloads' randomness, the same on every machine */
static u64 rng_state = 0x9e3779b97f4a7c15ull;

static u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* uniform in [0, 1) */
static double uniform(void)
{
	return (double)(rng() >> 11) / (double)(1ull << 53);
}

static struct workload *new_workload(struct workload *w, const char *name, const char *kind,
				     size_t n)
{
	snprintf(w->name, sizeof(w->name), "%s", name);
	snprintf(w->kind, sizeof(w->kind), "%s", kind);
	w->n = n;
	w->ev = calloc(n ? n : 1, sizeof(*w->ev));
	if (!w->ev) {
		perror("calloc");
		exit(1);
	}
	return w;
}

/* Each period @period_ns +-10%. */
static void steady(struct workload *w, u64 period_ns)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		w->ev[i].arrive_ns = (u64)((double)period_ns * (0.9 + 0.2 * uniform()));
		w->ev[i].next_timer_ns = NO_TIMER;
	}
}

/* Arrivals at @rate per second: exponential idle periods. */
static void poisson(struct workload *w, double rate)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		w->ev[i].arrive_ns = (u64)(-log(1.0 - uniform()) / rate * 1e9) + 1;
		w->ev[i].next_timer_ns = NO_TIMER;
	}
}

/* A timer every @period_ns and nothing else: the CPU knows when it wakes. */
static void periodic(struct workload *w, u64 period_ns)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		w->ev[i].arrive_ns = period_ns;
		w->ev[i].next_timer_ns = period_ns;
	}
}

/* Phases: 400 short periods (30-50 us), then 40 long ones (2-6 ms). */
static void bursty(struct workload *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		bool busy = i % 440 < 400;

		w->ev[i].arrive_ns = busy ? 30 * US + rng() % (20 * US) : 2000 * US + rng() % (4000 * US);
		w->ev[i].next_timer_ns = NO_TIMER;
	}
}

/* A mix: a third each of 20-60 us, 100-300 us and 1-5 ms, at random. */
static void mixed(struct workload *w)
{
	static const u64 lo[] = { 20 * US, 100 * US, 1000 * US }, span[] = { 40 * US, 200 * US,
									    4000 * US };
	size_t i;

	for (i = 0; i < w->n; i++) {
		unsigned int k = rng() % 3;

		w->ev[i].arrive_ns = lo[k] + rng() % span[k];
		w->ev[i].next_timer_ns = NO_TIMER;
	}
}

/* A trace of idle periods in ns, one a line (tools/bench/record_traces.sh). */
static bool recorded(struct workload *w, const char *dir, const char *name)
{
	char path[512];
	unsigned long long ns;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "haltpoll-replay: %s: %s\n", path, strerror(errno));
		return false;
	}
	new_workload(w, name, "recorded", MAX_EVENTS);
	while (n < MAX_EVENTS && fscanf(f, "%llu", &ns) == 1) {
		w->ev[n].arrive_ns = ns ? ns : 1;
		w->ev[n].next_timer_ns = NO_TIMER;
		n++;
	}
	fclose(f);
	w->n = n;
	snprintf(w->name, sizeof(w->name), "recorded-%s", name);
	return n > 0;
}

/*
 * One period under a policy: returns the poll budget (U64_MAX: poll until
 * the wakeup), then learns from how it went.
 */
struct idler {
	enum policy policy;
	struct tc_hp_params params;
	struct tc_hp_cpu taxcut;
	struct upstream_cpu upstream;
	struct menu_cpu menu;
	struct upstream_cpu host;	/* KVM's halt-polling: only host-poll's host polls */
};

static u64 budget(struct idler *d, const struct sim_event *ev, bool *capped)
{
	*capped = false;
	switch (d->policy) {
	case P_TAXCUT:
		return tc_hp_budget(&d->taxcut, &d->params, ev->next_timer_ns, capped);
	case P_UPSTREAM:
		return d->upstream.limit_ns;
	case P_MENU:
		return menu_budget(&d->menu, ev);
	case P_HALT:
	case P_HOST_POLL:
		return 0;
	default:
		return NO_TIMER;	/* idle=poll: until the wakeup */
	}
}

static void learn(struct idler *d, u64 idle_ns, u64 polled_ns, u64 budget_ns, bool hit,
		  bool capped)
{
	struct tc_hp_period period = {
		.idle_ns = idle_ns, .polled_ns = polled_ns, .budget_ns = budget_ns,
		.hit = hit, .halted = !hit, .timer_capped = capped,
	};

	if (d->policy == P_TAXCUT)
		tc_hp_record(&d->taxcut, &d->params, &period);
	else if (d->policy == P_UPSTREAM && !hit)
		upstream_adjust(&d->upstream, &d->params, idle_ns - polled_ns);
	else if (d->policy == P_MENU) {
		d->menu.interval[d->menu.next] = idle_ns;
		d->menu.next = (d->menu.next + 1) % MENU_INTERVALS;
		d->menu.seen++;
	}
}

/*
 * A host whose halt costs more the longer it lasted: the curve measured on
 * the emulated host (stock Debian 13, 2026-12-03; docs/haltpoll.md: 15 us
 * after halts of 20-100 us, about 50 after 200-400), at the probe's halt
 * lengths (TC_HP_COST_HALT_US).
 */
static const struct tc_hp_params host_curve = {
	.halt_cost_ns = 15 * US,
	.halt_cost_at_ns = { 15 * US, 15 * US, 15 * US, 50 * US, 54 * US },
};

/* What taxcut knows of the halt cost in a curve run. */
enum knows { KNOWS_CURVE, KNOWS_ONE_FIGURE };

/*
 * One policy through one workload. A halted wakeup costs @wake_ns more
 * than a polled one, or, with @curve, what the curve says a halt that long
 * costs; taxcut is given the cost as its probe would measure it: @wake_ns,
 * or with a curve the curve itself (KNOWS_CURVE) or only its figure after
 * a 50 us halt (KNOWS_ONE_FIGURE, the probe before the curve).
 */
static void replay_host(const struct workload *w, enum policy policy, u64 wake_ns,
			const struct tc_hp_params *curve, enum knows knows, struct result *r)
{
	struct idler d = { .policy = policy, .params = TC_HP_DEFAULT_PARAMS };
	static const struct tc_hp_params upstream = UPSTREAM_PARAMS;
	size_t i;

	if (policy != P_TAXCUT)
		d.params = upstream;
	/* taxcut's halt cost, as the guest's probe measures it (haltpoll_probe.c) */
	d.params.halt_cost_ns = wake_ns;
	if (curve) {
		d.params.halt_cost_ns = tc_hp_halt_cost_at(curve, 50 * US);
		if (knows == KNOWS_CURVE)
			memcpy(d.params.halt_cost_at_ns, curve->halt_cost_at_ns,
			       sizeof(d.params.halt_cost_at_ns));
	}
	tc_hp_cpu_init(&d.taxcut);
	memset(r, 0, sizeof(*r));
	r->added = calloc(w->n ? w->n : 1, sizeof(*r->added));
	if (!r->added) {
		perror("calloc");
		exit(1);
	}
	for (i = 0; i < w->n; i++) {
		u64 t = w->ev[i].arrive_ns, b, idle, added = 0;
		bool capped, hit;

		b = budget(&d, &w->ev[i], &capped);
		hit = b && t <= b;
		if (hit) {
			r->caught++;
			r->polled_ns += t;
			idle = t;
		} else {
			/* the guest halts after its poll (t > b): the host may poll then */
			u64 host = d.host.limit_ns, rest = t - b;
			u64 cost = curve ? tc_hp_halt_cost_at(curve, rest) : wake_ns;

			r->halted++;
			if (host && rest <= host) {
				/* the host's poll caught it: the exit and entry, no sleep */
				r->caught++;
				r->polled_ns += t;
				r->wasted_ns += b;
				added = cost < HOST_POLL_EXIT_NS ? cost : HOST_POLL_EXIT_NS;
			} else {
				r->polled_ns += b + host;
				r->wasted_ns += b + host;
				added = cost;
			}
			idle = t + added;
			if (policy == P_HOST_POLL)
				upstream_adjust(&d.host, &host_poll_params, rest);
		}
		r->added[i] = added;
		r->added_ns += added;
		r->idle_ns += idle;
		r->wakeups++;
		learn(&d, idle, hit ? t : b, b, hit, capped);
	}
}

static void replay(const struct workload *w, enum policy policy, u64 wake_ns, struct result *r)
{
	replay_host(w, policy, wake_ns, NULL, KNOWS_CURVE, r);
}

/*
 * The model of upstream's governor against the governor itself: a trace of
 * its decisions on one CPU (tools/bench/record_traces.sh: "P|H residency
 * limit timed_out" per idle period, the limit it selected with). The model
 * follows the same periods and says at each which state it would select
 * and with what limit; the agreement is how often both match.
 */
struct validation {
	char name[64];
	u64 periods, limit_agree, decision_agree;	/* the first period's state is not judged */
};

static bool validate(const char *path, const char *name, struct validation *v)
{
	const struct tc_hp_params p = UPSTREAM_PARAMS;
	struct upstream_cpu u = { 0 };
	bool first = true, polled = false, timed_out = false;
	unsigned long long res, limit;
	unsigned int to;
	char kind;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	while (fscanf(f, " %c %llu %llu %u", &kind, &res, &limit, &to) == 4) {
		char want;

		want = !u.limit_ns || (polled && timed_out) ? 'H' : 'P';
		if (first) {
			/*
			 * The governor's state when recording began: its limit,
			 * and a choice that depends on a period before the trace.
			 */
			u.limit_ns = limit;
			want = kind;
		}
		first = false;
		v->periods++;
		v->limit_agree += u.limit_ns == limit;
		v->decision_agree += want == kind;
		if (kind == 'H')
			upstream_adjust(&u, &p, res);
		polled = kind == 'P';
		timed_out = to;
	}
	fclose(f);
	return v->periods > 0;
}

static unsigned int validate_all(const char *dir, struct validation *v, unsigned int room)
{
	struct dirent **names;
	int n, i;
	unsigned int got = 0;

	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *f = names[i]->d_name;
		size_t len = strlen(f);
		char path[1024], name[64];

		if (got < room && !strncmp(f, "decisions-", 10) && len > 14 &&
		    !strcmp(f + len - 4, ".txt")) {
			snprintf(path, sizeof(path), "%s/%s", dir, f);
			snprintf(name, sizeof(name), "%.*s", (int)(len - 14), f + 10);
			got += validate(path, name, &v[got]);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return got;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 quantile(u64 *v, size_t n, double q)
{
	size_t k = (size_t)(q * (double)n);

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[k < n ? k : n - 1];
}

/*
 * The bar for taxcut in one workload x L cell (docs/haltpoll.md,
 * "What the replay asserts"). Latency: p50 and p99 at most the other's,
 * plus 1% or 0.5 us, whichever is larger. Against upstream's governor:
 * wasted polling per wakeup at most upstream's (the same tolerance), at
 * most half where upstream wastes more than 5 us. Against menu with
 * cpuidle-haltpoll, which all but never polls: latency plus waste at most
 * its latency (no polling policy wastes nothing). Against KVM's host
 * polling at L = 5 and 20 us: p50 and p99 at most its.
 */
#define SLACK_NS	500ull

static bool within(u64 ours, u64 theirs)
{
	u64 tol = theirs / 100 > SLACK_NS ? theirs / 100 : SLACK_NS;

	return ours <= theirs + tol;
}

struct failures {
	unsigned int n;
	char what[256][128];
};

static void fail(struct failures *f, const char *workload, u64 wake_ns, const char *what)
{
	if (f->n < ARRAY_SIZE(f->what))
		snprintf(f->what[f->n], sizeof(f->what[0]), "%.48s L=%llu: %.48s", workload,
			 (unsigned long long)(wake_ns / US), what);
	f->n++;
}

/* A list as JSON strings ("a", "b") or as markdown items, one a line. */
static void print_failures(FILE *f, const struct failures *l, bool json)
{
	unsigned int i;

	for (i = 0; i < l->n && i < ARRAY_SIZE(l->what); i++)
		if (json)
			fprintf(f, "%s\"%s\"", i ? ", " : "", l->what[i]);
		else
			fprintf(f, "%s- %s\n", i ? "" : "\n", l->what[i]);
}

static unsigned int judge(const struct workload *w, u64 wake_ns, const struct result *r,
			  struct failures *f)
{
	const struct result *t = &r[P_TAXCUT], *u = &r[P_UPSTREAM], *m = &r[P_MENU];
	u64 tw = t->wasted_ns / t->wakeups, uw = u->wasted_ns / u->wakeups;
	u64 tm = t->added_ns / t->wakeups, mm = m->added_ns / m->wakeups;
	unsigned int before = f->n;

	if (!within(t->p50_ns, u->p50_ns))
		fail(f, w->name, wake_ns, "p50 above upstream's");
	if (!within(t->p99_ns, u->p99_ns))
		fail(f, w->name, wake_ns, "p99 above upstream's");
	if (uw > 5 * US ? tw > uw / 2 : !within(tw, uw))
		fail(f, w->name, wake_ns, "wastes more than upstream allows");
	if (!within(t->p50_ns, m->p50_ns))
		fail(f, w->name, wake_ns, "p50 above menu's");
	if (!within(t->p99_ns, m->p99_ns))
		fail(f, w->name, wake_ns, "p99 above menu's");
	if (!within(tm + tw, mm + m->wasted_ns / m->wakeups))
		fail(f, w->name, wake_ns, "latency + waste above menu's");
	if (wake_ns <= 20 * US && !within(t->p50_ns, r[P_HOST_POLL].p50_ns))
		fail(f, w->name, wake_ns, "p50 above host polling's");
	if (wake_ns <= 20 * US && !within(t->p99_ns, r[P_HOST_POLL].p99_ns))
		fail(f, w->name, wake_ns, "p99 above host polling's");
	return f->n - before;
}

/*
 * The cost at the exchange rate the policy is built on (a microsecond of
 * latency against a microsecond of wasted polling): taxcut's mean added
 * latency plus waste at most every other policy's but idle=poll's (which
 * never times out: its cost is the whole idle time polled), with the same
 * tolerance.
 */
static bool cheapest(const struct result *r)
{
	u64 ours = (r[P_TAXCUT].added_ns + r[P_TAXCUT].wasted_ns) / r[P_TAXCUT].wakeups;
	unsigned int p;

	for (p = 0; p < NR_POLICIES; p++)
		if (p != P_TAXCUT && p != P_POLL &&
		    !within(ours, (r[p].added_ns + r[p].wasted_ns) / r[p].wakeups))
			return false;
	return true;
}

/* The curve section's runs, in its table's order. */
#define CURVE_RUNS	4
static const char *const curve_run[CURVE_RUNS] = {
	"taxcut", "taxcut-one-figure", "upstream-haltpoll", "halt-only",
};
static const unsigned int curve_halt_us[TC_HP_COST_POINTS] = TC_HP_COST_HALT_US;
static double curve_cost[MAX_WORKLOADS][CURVE_RUNS][2];	/* per workload: mean, wasted (us) */

static void usage(void)
{
	fputs("usage: haltpoll-replay [--traces DIR] [--events N] [--json FILE] [--md FILE]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "traces", required_argument, NULL, 't' },
		{ "events", required_argument, NULL, 'n' },
		{ "json", required_argument, NULL, 'j' },
		{ "md", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	static const u64 steady_us[] = { 10, 20, 30, 50, 75, 100, 150, 200, 300, 400 };
	static const double poisson_rate[] = { 2000, 10000, 50000 };
	static const u64 periodic_us[] = { 250, 1000, 4000 };
	static const char *const traces[] = { "think50", "think100", "mixed", "bursty" };
	static struct workload w[MAX_WORKLOADS];
	struct validation val[8];
	unsigned int nval = 0;
	const char *trace_dir = NULL, *json_path = NULL, *md_path = NULL;
	unsigned int nw = 0, i, k, p, better = 0, cells = 0, met = 0;
	static struct failures failed, dearer;
	unsigned int cheap = 0;
	FILE *json = NULL, *md = NULL;
	size_t events = 20000;
	char name[48];
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			trace_dir = optarg;
			break;
		case 'n':
			events = strtoul(optarg, NULL, 10);
			if (!events || events > MAX_EVENTS)
				usage();
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'm':
			md_path = optarg;
			break;
		default:
			usage();
		}
	}
	for (i = 0; i < ARRAY_SIZE(steady_us); i++) {
		snprintf(name, sizeof(name), "steady-%lluus", (unsigned long long)steady_us[i]);
		steady(new_workload(&w[nw++], name, "synthetic", events), steady_us[i] * US);
	}
	mixed(new_workload(&w[nw++], "mixed", "synthetic", events));
	bursty(new_workload(&w[nw++], "bursty", "synthetic", events));
	for (i = 0; i < ARRAY_SIZE(poisson_rate); i++) {
		snprintf(name, sizeof(name), "poisson-%.0fk/s", poisson_rate[i] / 1000);
		poisson(new_workload(&w[nw++], name, "synthetic", events), poisson_rate[i]);
	}
	for (i = 0; i < ARRAY_SIZE(periodic_us); i++) {
		snprintf(name, sizeof(name), "periodic-%lluus", (unsigned long long)periodic_us[i]);
		periodic(new_workload(&w[nw++], name, "synthetic", events), periodic_us[i] * US);
	}
	for (i = 0; trace_dir && i < ARRAY_SIZE(traces); i++)
		if (recorded(&w[nw], trace_dir, traces[i]))
			nw++;

	if (json_path && !(json = fopen(json_path, "w")))
		return perror(json_path), 1;
	if (md_path && !(md = fopen(md_path, "w")))
		return perror(md_path), 1;
	if (json)
		fprintf(json, "{\n \"benchmark\": \"haltpoll-replay\",\n \"events\": %zu,\n"
			" \"cost_model\": \"KVM, host halt-polling off: a halted wakeup costs L more than a polled one\",\n"
			" \"results\": [", events);
	if (md)
		fprintf(md, "# haltpoll replay: %zu idle periods per synthetic workload, KVM cost "
			"model with host polling off\n\nAdded wakeup latency (us: mean, p99), polling "
			"wasted per wakeup (us), share of idle time polled (%%), wakeups caught polling "
			"(%%). \"both\": taxcut's mean latency and waste at most upstream's. host-poll: "
			"KVM's default without the hint (the host polls, a caught wakeup costs %llu us); "
			"every other row has host polling off.\n\n"
			"| workload | L us | policy | mean | p99 | wasted/wakeup | polled %% | caught %% |\n"
			"| --- | --- | --- | --- | --- | --- | --- | --- |\n", events,
			HOST_POLL_EXIT_NS / US);
	for (i = 0; i < nw; i++) {
		for (k = 0; k < ARRAY_SIZE(wake_cost_ns); k++) {
			struct result r[NR_POLICIES];
			bool both;

			for (p = 0; p < NR_POLICIES; p++) {
				replay(&w[i], p, wake_cost_ns[k], &r[p]);
				r[p].p50_ns = quantile(r[p].added, r[p].wakeups, 0.5);
				r[p].p99_ns = quantile(r[p].added, r[p].wakeups, 0.99);
			}
			met += !judge(&w[i], wake_cost_ns[k], r, &failed);
			if (cheapest(r))
				cheap++;
			else
				fail(&dearer, w[i].name, wake_cost_ns[k], "latency + waste above another's");
			both = r[P_TAXCUT].added_ns <= r[P_UPSTREAM].added_ns &&
			       r[P_TAXCUT].wasted_ns <= r[P_UPSTREAM].wasted_ns;
			better += both;
			cells++;
			for (p = 0; p < NR_POLICIES; p++) {
				double n = (double)r[p].wakeups;
				double mean = r[p].added_ns / n / 1e3;
				double waste = r[p].wasted_ns / n / 1e3;
				double polled = 100.0 * r[p].polled_ns / (double)r[p].idle_ns;
				double caught = 100.0 * r[p].caught / n;
				u64 p50 = r[p].p50_ns, p99 = r[p].p99_ns;

				if (json)
					fprintf(json, "%s\n  {\"workload\": \"%s\", \"kind\": \"%s\", "
						"\"wake_cost_us\": %llu, \"policy\": \"%s\", \"wakeups\": %llu, "
						"\"added_latency_mean_us\": %.3f, \"added_latency_p50_us\": %.1f, "
						"\"added_latency_p99_us\": %.1f, \"wasted_per_wakeup_us\": %.3f, "
						"\"polled_share_of_idle_pct\": %.2f, \"caught_pct\": %.2f}",
						cells == 1 && p == 0 ? "" : ",", w[i].name, w[i].kind,
						(unsigned long long)(wake_cost_ns[k] / US), policy_name[p],
						(unsigned long long)r[p].wakeups, mean, p50 / 1e3, p99 / 1e3,
						waste, polled, caught);
				if (md)
					fprintf(md, "| %s | %llu | %s%s | %.1f | %.0f | %.1f | %.1f | %.1f |\n",
						w[i].name, (unsigned long long)(wake_cost_ns[k] / US),
						policy_name[p], p == P_TAXCUT && both ? " (both)" : "",
						mean, p99 / 1e3, waste, polled, caught);
				free(r[p].added);
			}
		}
	}
	/* the curve: taxcut knowing it, knowing one figure, upstream, halt-only */
	for (i = 0; i < nw; i++) {
		static const enum policy who[CURVE_RUNS] = { P_TAXCUT, P_TAXCUT, P_UPSTREAM, P_HALT };
		struct result r;

		for (k = 0; k < CURVE_RUNS; k++) {
			replay_host(&w[i], who[k], 0, &host_curve,
				    k == 1 ? KNOWS_ONE_FIGURE : KNOWS_CURVE, &r);
			curve_cost[i][k][0] = r.added_ns / (double)r.wakeups / 1e3;
			curve_cost[i][k][1] = r.wasted_ns / (double)r.wakeups / 1e3;
			free(r.added);
		}
	}
	if (trace_dir)
		nval = validate_all(trace_dir, val, ARRAY_SIZE(val));
	if (json) {
		fprintf(json, "\n ],\n \"taxcut_at_most_upstream_on_latency_and_waste\": "
			"{\"cells\": %u, \"of\": %u},\n \"criteria\": {\"cells\": %u, \"met\": %u, "
			"\"failures\": [", better, cells, cells, met);
		print_failures(json, &failed, true);
		fprintf(json, "]},\n \"cheapest\": {\"cells\": %u, \"met\": %u, \"failures\": [",
			cells, cheap);
		print_failures(json, &dearer, true);
		fprintf(json, "]},\n \"halt_cost_curve\": {\"halt_us\": [");
		for (k = 0; k < TC_HP_COST_POINTS; k++)
			fprintf(json, "%s%u", k ? ", " : "", curve_halt_us[k]);
		fprintf(json, "], \"cost_us\": [");
		for (k = 0; k < TC_HP_COST_POINTS; k++)
			fprintf(json, "%s%u", k ? ", " : "", host_curve.halt_cost_at_ns[k] / 1000);
		fprintf(json, "], \"results\": [");
		for (i = 0; i < nw; i++)
			for (k = 0; k < CURVE_RUNS; k++)
				fprintf(json, "%s\n  {\"workload\": \"%s\", \"run\": \"%s\", "
					"\"added_latency_mean_us\": %.3f, \"wasted_per_wakeup_us\": %.3f}",
					i || k ? "," : "", w[i].name, curve_run[k],
					curve_cost[i][k][0], curve_cost[i][k][1]);
		fprintf(json, "\n ]},\n \"upstream_model_validation\": [");
		for (i = 0; i < nval; i++)
			fprintf(json, "%s\n  {\"trace\": \"%s\", \"periods\": %llu, "
				"\"limit_agree\": %llu, \"decision_agree\": %llu}", i ? "," : "",
				val[i].name, (unsigned long long)val[i].periods,
				(unsigned long long)val[i].limit_agree,
				(unsigned long long)val[i].decision_agree);
		fprintf(json, "\n ]\n}\n");
		fclose(json);
	}
	if (md) {
		fprintf(md, "\ntaxcut at most upstream's mean added latency and waste at once: %u of "
			"%u workload x L cells.\n", better, cells);
		fprintf(md, "\ntaxcut's latency + waste at most every other policy's but idle=poll's: "
			"%u of %u cells.\n", cheap, cells);
		print_failures(md, &dearer, false);
		fprintf(md, "\nThe issue's bar (docs/haltpoll.md, \"What the replay asserts\") met in "
			"%u of %u cells; missed:\n", met, cells);
		print_failures(md, &failed, false);
		fprintf(md, "\nA host whose halt costs more the longer it lasted (this emulated "
			"host's curve: ");
		for (k = 0; k < TC_HP_COST_POINTS; k++)
			fprintf(md, "%s%u", k ? "/" : "", host_curve.halt_cost_at_ns[k] / 1000);
		fprintf(md, " us after halts of ");
		for (k = 0; k < TC_HP_COST_POINTS; k++)
			fprintf(md, "%s%u", k ? "/" : "", curve_halt_us[k]);
		fprintf(md, " us), mean added latency / wasted polling per wakeup, us:\n\n"
			"| workload | taxcut, knowing the curve | taxcut, one figure (after 50 us) "
			"| upstream-haltpoll | halt-only |\n| --- | --- | --- | --- | --- |\n");
		for (i = 0; i < nw; i++) {
			fprintf(md, "| %s", w[i].name);
			for (k = 0; k < CURVE_RUNS; k++)
				fprintf(md, " | %.1f / %.1f", curve_cost[i][k][0], curve_cost[i][k][1]);
			fprintf(md, " |\n");
		}
		for (i = 0; i < nval; i++)
			fprintf(md, "\nThe upstream model against the real governor's decisions (%s, %llu "
				"periods): the same limit at %.1f%%, the same state at %.1f%%.\n",
				val[i].name, (unsigned long long)val[i].periods,
				100.0 * val[i].limit_agree / val[i].periods,
				100.0 * val[i].decision_agree / val[i].periods);
		fclose(md);
	}
	printf("haltpoll-replay: %u workloads x %zu wake costs; taxcut at most upstream on latency "
	       "and waste in %u of %u; cheapest in %u; the bar met in %u of %u\n", nw,
	       ARRAY_SIZE(wake_cost_ns), better, cells, cheap, met, cells);
	for (i = 0; i < failed.n && i < ARRAY_SIZE(failed.what); i++)
		printf("  missed: %s\n", failed.what[i]);
	return 0;
}

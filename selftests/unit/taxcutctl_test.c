// SPDX-License-Identifier: GPL-2.0
/*
 * taxcutctl (tools/taxcutctl): its pure parts, then each command run as a
 * user runs it (ctl_main) against fake sysfs/debugfs trees built in a
 * temporary directory (--root), with exact output lines. The idle
 * monitor's clock and pause are replaced so that its deltas are known.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ctl.h"
#include "idle.h"
#include "report.h"
#include "status.h"
#include "tunables.h"
#include "tap.h"

/* --- a fake tree ------------------------------------------------------------ */

static char root[64];

static void put(const char *path, const char *fmt, ...)
{
	char full[512], *p;
	va_list ap;
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	for (p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
	f = fopen(full, "w");
	if (!f) {
		printf("# cannot write %s: %s\n", full, strerror(errno));
		exit(2);
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* An empty directory, as an unmounted mount point is. */
static void mkdirs(const char *path)
{
	char full[512], *p;

	snprintf(full, sizeof(full), "%s%s/", root, path);
	for (p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
}

static char *get(const char *path)
{
	char full[512], *buf = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	f = fopen(full, "r");
	if (!f)
		return strdup("(none)");
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes @path of the tree and everything under it. */
static void rmtree(const char *path)
{
	char full[512];

	snprintf(full, sizeof(full), "%s%s", root, path);
	nftw(full, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void new_tree(void)
{
	if (root[0])
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	snprintf(root, sizeof(root), "/tmp/taxcutctl_test.XXXXXX");
	if (!mkdtemp(root)) {
		printf("# mkdtemp: %s\n", strerror(errno));
		exit(2);
	}
}

/* --- running the tool --------------------------------------------------------- */

static char *out, *err;
static double fake_clock;
static void (*between)(void);	/* the tree's change during an idle pause */

static double fake_now(struct ctl *c)
{
	(void)c;
	return fake_clock;
}

static void fake_pause(struct ctl *c, double seconds)
{
	(void)c;
	fake_clock += seconds;
	if (between)
		between();
}

/* run("status", "--json", NULL): the exit status; output in out and err */
static int run(const char *arg, ...)
{
	char *argv[16] = { "taxcutctl", "--root", root };
	size_t olen, elen;
	struct ctl c;
	int argc = 3, ret;
	va_list ap;

	free(out);
	free(err);
	va_start(ap, arg);
	for (; arg && argc < 15; arg = va_arg(ap, const char *))
		argv[argc++] = (char *)arg;
	va_end(ap);
	argv[argc] = NULL;
	ctl_init(&c);
	c.out = open_memstream(&out, &olen);
	c.err = open_memstream(&err, &elen);
	c.now = fake_now;
	c.pause = fake_pause;
	ret = ctl_main(&c, argc, argv);
	fclose(c.out);
	fclose(c.err);
	return ret;
}

/* The line of @text that starts with @prefix, without its newline (static). */
static const char *line_of(const char *text, const char *prefix)
{
	static char line[1024];
	const char *p = text;

	while (p && *p) {
		size_t n = strcspn(p, "\n");

		if (!strncmp(p, prefix, strlen(prefix))) {
			snprintf(line, sizeof(line), "%.*s", (int)n, p);
			return line;
		}
		p += n;
		p += *p == '\n';
	}
	return "(no such line)";
}

/* --- a JSON syntax check (RFC 8259, enough for our output) --------------------------- */

static const char *js_value(const char *p, int depth);

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if (!*p || (unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
	}
	return p + 1;
}

static const char *js_number(const char *p)
{
	const char *start;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		start = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		start = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	return p;
}

static const char *js_items(const char *p, int depth, char close, bool keyed)
{
	p = js_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (keyed) {
			p = js_string(js_ws(p));
			if (!p)
				return NULL;
			p = js_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = js_value(p, depth + 1);
		if (!p)
			return NULL;
		p = js_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *js_value(const char *p, int depth)
{
	p = js_ws(p);
	if (depth > 32)
		return NULL;
	switch (*p) {
	case '{':
		return js_items(p, depth, '}', true);
	case '[':
		return js_items(p, depth, ']', false);
	case '"':
		return js_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return js_number(p);
	}
}

/* Each line of @text one JSON value (an object), @lines of them. */
static bool json_lines(const char *text, int lines)
{
	const char *p = text;
	int n = 0;

	while (*p) {
		const char *end = js_value(p, 0);

		if (!end || *js_ws(p) != '{' || *end != '\n')
			return false;
		p = end + 1;
		n++;
	}
	return n == lines;
}

/* --- the pure parts ------------------------------------------------------------ */

static void test_report(void)
{
	struct kv_list l = { 0 };
	char where[128], val[64], why[128];
	const char *name;
	int a, b;

	report_parse("spinlock: pv-qspinlock (slowpath x)\n"
		     "halt_cost: unknown: no second CPU; hit_worth 100 us (default)\n"
		     "\n"
		     "taxcut_guest: not built in; it would choose (taxcut.dedicated=auto):\n"
		     "odd line\n", &l);
	tap_ok(l.n == 4, "report: four lines, the blank one skipped (%d)", l.n);
	tap_eq_s(kv_get(&l, "halt_cost"), "unknown: no second CPU; hit_worth 100 us (default)",
		 "report: the key ends at the first ': '");
	tap_eq_s(kv_get(&l, "taxcut_guest"), "not built in; it would choose (taxcut.dedicated=auto):",
		 "report: a value ending in a colon is kept");
	tap_ok(kv_get(&l, "odd line") && !*kv_get(&l, "odd line"),
	       "report: a line without ': ' is all key");
	kv_free(&l);

	tap_ok(report_not_exported("not exported to modules (/sys/a/b)", where, sizeof(where)) &&
	       !strcmp(where, "/sys/a/b"), "not exported: where to read it instead (%s)", where);
	tap_ok(report_not_exported("the kernel's own, not exported to modules (/sys/x/clockevent<cpu>/y)",
				   where, sizeof(where)) && !strcmp(where, "/sys/x/clockevent<cpu>/y"),
	       "not exported: inside a tick_device name");
	tap_ok(!report_not_exported("menu", NULL, 0), "not exported: a plain value is not");

	tap_ok(tick_run_parse("cpus 2-5 taxcut-et", &a, &b, &name) && a == 2 && b == 5 &&
	       !strcmp(name, "taxcut-et"), "tick_device: a run parses");
	tap_ok(!tick_run_parse("cpus 5-2 x", &a, &b, &name) && !tick_run_parse("cpu 1 x", &a, &b, &name),
	       "tick_device: a backwards or malformed run is refused");

	{
		static const int cpus[] = { 0, 1, 2, 3, 5, 6 };
		static const char *const names[] = { "lapic", "lapic", "taxcut-et", "lapic",
						     "lapic", "lapic" };

		tick_runs(&l, cpus, names, 6);
		tap_ok(l.n == 4 && !strcmp(l.v[0].value, "cpus 0-1 lapic") &&
		       !strcmp(l.v[1].value, "cpus 2-2 taxcut-et") &&
		       !strcmp(l.v[2].value, "cpus 3-3 lapic") && !strcmp(l.v[3].value, "cpus 5-6 lapic"),
		       "tick runs: split by name and by a gap in the CPUs, as the report does");
		kv_free(&l);
	}

	tap_ok(decision_parse("decision spinlock", "native-qspinlock (dedicated vCPUs: lock holders are never preempted)",
			      &name, val, sizeof(val), why, sizeof(why)) &&
	       !strcmp(name, "spinlock") && !strcmp(val, "native-qspinlock") &&
	       !strcmp(why, "dedicated vCPUs: lock holders are never preempted"),
	       "decision: name, value and reason");
	tap_ok(decision_parse("decision x", "on (a (nested) reason)", &name, val, sizeof(val), why, sizeof(why)) &&
	       !strcmp(val, "on") && !strcmp(why, "a (nested) reason"),
	       "decision: a reason with parentheses of its own");
	tap_ok(!decision_parse("spinlock", "pv (x)", &name, val, sizeof(val), why, sizeof(why)),
	       "decision: only decision lines");
}

#define HP_HEADER "cpu window_ns target_ns polls hits timed_out halts poll_ns wasted_ns timer_capped\n"

static void test_idle_pure(void)
{
	struct idle_sample a = { 0 }, b = { 0 }, d = { 0 };
	struct idle_cpu *c;
	char *text = NULL;
	size_t len;
	FILE *f;

	tap_ok(hp_parse(HP_HEADER "0 50000 40000 10 8 2 5 100000 20000 1\n"
			"1 0 0 3 3 0 7 3000 0 0\n", &a) == 2 && a.n == 2 &&
	       a.cpus[0].hp[HP_WINDOW_NS] == 50000 && a.cpus[0].hp[HP_TIMER_CAPPED] == 1 &&
	       a.cpus[1].hp[HP_HALTS] == 7, "debugfs table: two CPUs, each column in place");
	tap_ok(hp_parse("cpu polls window_ns target_ns hits timed_out halts poll_ns wasted_ns timer_capped extra\n"
			"3 9 1000 2000 4 5 6 7 8 9 99\n", &b) == 1 &&
	       b.cpus[0].cpu == 3 && b.cpus[0].hp[HP_POLLS] == 9 && b.cpus[0].hp[HP_WINDOW_NS] == 1000,
	       "debugfs table: columns found by their header names, an extra one ignored");
	idle_sample_free(&b);
	tap_ok(hp_parse("cpu window_ns polls\n0 1 2\n", &b) == -1,
	       "debugfs table: a header without a known column is refused");
	idle_sample_free(&b);
	tap_ok(hp_parse(HP_HEADER "0 1 2 3\n", &b) == -1, "debugfs table: a short line is refused");
	idle_sample_free(&b);

	/* the second sample: counters up, CPU 1 reset (module reloaded), CPU 2 new */
	hp_parse(HP_HEADER "0 60000 40000 30 25 5 9 400000 50000 3\n"
		 "1 0 0 1 1 0 2 1000 0 0\n"
		 "2 0 0 4 4 0 4 100 0 0\n", &b);
	c = idle_cpu_get(&a, 0, false);
	c->nstates = 2;
	snprintf(c->st[0].name, IDLE_STATE_NAME, "POLL-HALT");
	c->st[0].time_us = 1000;
	snprintf(c->st[1].name, IDLE_STATE_NAME, "HALT");
	c->st[1].time_us = 5000;
	c = idle_cpu_get(&b, 0, false);
	/* a driver that renumbered its states: matched by name */
	c->nstates = 2;
	snprintf(c->st[0].name, IDLE_STATE_NAME, "HALT");
	c->st[0].time_us = 505000;
	snprintf(c->st[1].name, IDLE_STATE_NAME, "POLL-HALT");
	c->st[1].time_us = 251000;
	a.t = 10;
	b.t = 11;
	b.source = "debugfs taxcut/idle";
	tap_ok(!idle_delta(&a, &b, &d) && d.n == 3 && d.t == 1, "delta: three CPUs over 1 s");
	tap_ok(d.cpus[0].hp[HP_POLLS] == 20 && d.cpus[0].hp[HP_HITS] == 17 &&
	       d.cpus[0].hp[HP_WINDOW_NS] == 60000 && d.cpus[0].hp[HP_POLL_NS] == 300000,
	       "delta: counters subtracted, the window as it is now");
	tap_ok(d.cpus[1].hp[HP_POLLS] == 1 && d.cpus[1].hp[HP_HALTS] == 2,
	       "delta: a counter that went back counts from zero");
	tap_ok(d.cpus[2].hp[HP_POLLS] == 4, "delta: a CPU new in the second sample counts from zero");
	tap_ok(d.cpus[0].st[0].time_us == 500000 && d.cpus[0].st[1].time_us == 250000,
	       "delta: states matched by name");

	f = open_memstream(&text, &len);
	idle_print_text(f, &d, 1.0);
	fclose(f);
	tap_eq_s(text,
		 "1.00 s; taxcut's counters from debugfs taxcut/idle, residency (%) from cpuidle sysfs\n"
		 "CPU WINDOW_US TARGET_US POLLS CAUGHT TIMEDOUT HALTS POLLED_US WASTED_US CAPPED    HALT  POLL-HALT\n"
		 "  0        60        40    20     17        3     4       300        30      2    50.0       25.0\n"
		 "  1         0         0     1      1        0     2         1         0      0       -          -\n"
		 "  2         0         0     4      4        0     4         0         0      0       -          -\n"
		 "all         -         -    25     22        3    10       301        30      2    16.7        8.3\n",
		 "idle table: one row per CPU and the sums, residency from the states");
	free(text);
	idle_sample_free(&a);
	idle_sample_free(&b);
	idle_sample_free(&d);

	tap_eq_s(idle_stats_path("taxcut_idle", "menu"), IDLE_DEBUGFS_DRIVER,
		 "idle source: taxcut's driver");
	tap_eq_s(idle_stats_path("haltpoll", "taxcut"), IDLE_DEBUGFS_GOVERNOR,
		 "idle source: taxcut's governor");
	tap_ok(!idle_stats_path("haltpoll", "menu") && !idle_stats_path(NULL, NULL),
	       "idle source: none for others");
}

static void test_tunables(void)
{
	struct setting s;
	char err[256], line[192];

	tap_ok(!setting_parse("guest_halt_poll_ns=20000", &s, err, sizeof(err)) &&
	       !strcmp(s.value, "20000") && !s.home, "tunable: a number in range");
	setting_persist(&s, HOME_TAXCUT, line, sizeof(line));
	tap_eq_s(line, "options taxcut guest_halt_poll_ns=20000", "tunable: the modprobe.d line");
	setting_persist(&s, HOME_GOVERNOR, line, sizeof(line));
	tap_eq_s(line, "# kernel command line (built in): taxcut_haltpoll.guest_halt_poll_ns=20000",
		 "tunable: built in, the kernel command line");
	setting_path(&s, HOME_GOVERNOR, line, sizeof(line));
	tap_eq_s(line, "/sys/module/taxcut_haltpoll/parameters/guest_halt_poll_ns",
		 "tunable: the in-tree governor's path");
	tap_ok(!setting_parse("guest_halt_poll_ns=8000000", &s, err, sizeof(err)),
	       "tunable: the cap itself is taken");
	tap_ok(setting_parse("guest_halt_poll_ns=8000001", &s, err, sizeof(err)) &&
	       !strcmp(err, "guest_halt_poll_ns: '8000001' is not a whole number from 0 to 8000000"),
	       "tunable: one past the cap is refused with the range");
	tap_ok(setting_parse("guest_halt_poll_ns=-1", &s, err, sizeof(err)) &&
	       setting_parse("guest_halt_poll_ns=0x10", &s, err, sizeof(err)) &&
	       setting_parse("guest_halt_poll_ns=", &s, err, sizeof(err)) &&
	       setting_parse("guest_halt_poll_ns=99999999999999999999", &s, err, sizeof(err)) &&
	       setting_parse("guest_halt_poll_grow=65", &s, err, sizeof(err)) &&
	       setting_parse("hit_worth_ns=10000001", &s, err, sizeof(err)) &&
	       setting_parse("timer_watch_ms=9", &s, err, sizeof(err)),
	       "tunable: negative, hex, empty, huge and out-of-range values refused");
	tap_ok(!setting_parse("guest_halt_poll_allow_shrink=off", &s, err, sizeof(err)) &&
	       !strcmp(s.value, "N") && !setting_parse("exitless_timer=1", &s, err, sizeof(err)) &&
	       !strcmp(s.value, "Y"), "tunable: booleans written as Y or N");
	tap_ok(setting_parse("exitless_timer=maybe", &s, err, sizeof(err)) &&
	       strstr(err, "is not a boolean"), "tunable: a bad boolean refused (%s)", err);
	tap_ok(setting_parse("nosuch=1", &s, err, sizeof(err)) &&
	       !strcmp(err, "'nosuch': no such tunable (taxcutctl --help lists them)"),
	       "tunable: an unknown name refused");
	tap_ok(setting_parse("guest_halt_poll_ns", &s, err, sizeof(err)) &&
	       setting_parse("=5", &s, err, sizeof(err)), "tunable: not NAME=VALUE refused");
	tap_ok(!setting_parse("taxcut_haltpoll.hit_worth_ns=5", &s, err, sizeof(err)) &&
	       s.home == HOME_GOVERNOR, "tunable: a module named before the tunable");
	tap_ok(setting_parse("taxcut_haltpoll.exitless_timer=1", &s, err, sizeof(err)) &&
	       setting_parse("kvm.guest_halt_poll_ns=1", &s, err, sizeof(err)),
	       "tunable: a module without it, or not taxcut's, refused");
	tap_ok(!setting_parse("governor=taxcut", &s, err, sizeof(err)) &&
	       setting_parse("governor=../x", &s, err, sizeof(err)), "tunable: governor names");
	tap_ok(word_in("ladder menu taxcut \n", "taxcut") && !word_in("ladder menu", "men") &&
	       !word_in("", "menu"), "word_in: whole words only");
}

/* --- the commands on fake trees --------------------------------------------------- */

#define CPUIDLE "/sys/devices/system/cpu/cpuidle"
#define CE "/sys/devices/system/clockevents"
#define NOT_EXPORTED "not exported to modules"

/* Debian 6.1 with the hint: taxcut_idle, the exitless timer on CPUs 1-3. */
static const char report_61[] =
	"spinlock: native-qspinlock-or-test-and-set (slowpath native_queued_spin_lock_slowpath, virt_spin_lock_key " NOT_EXPORTED " (without taxcut built in; the kernel log says which))\n"
	"tlb_flush: native (native_flush_tlb_multi)\n"
	"ipi: pv (kvm_send_ipi_mask, apic physical x2apic)\n"
	"cpuidle_driver: taxcut_idle\n"
	"cpuidle_governor: " NOT_EXPORTED " (/sys/devices/system/cpu/cpuidle/current_governor)\n"
	"tick_device: cpus 0-0 the kernel's own, " NOT_EXPORTED " (/sys/devices/system/clockevents/clockevent<cpu>/current_device)\n"
	"tick_device: cpus 1-3 taxcut-et\n"
	"idle_poll: taxcut_idle on 4 CPUs, host polling off; 10 polls, 8 caught, 2 timed out, 5 halts; polled 100 us, 20 us of it wasted\n"
	"halt_cost: 12 us (a call to a halted CPU 30 us, to a polling one 18 us); polling pays off while a window of W us catches more than W/(W+12) of wakeups; hit_worth 12 us (the halt cost)\n"
	"exitless_timer: region of 4 slots, agent running, heartbeat 100, agent clock 5000 ns; clockevent on 3 CPUs, housekeeping CPU 0; fallbacks 0, reattaches 0, overdue 0, stray 0\n"
	"exitless_timer total: programmed 30 (near the horizon 1); fired 29; early 0 spun, 0 reprogrammed (max 0 ns); stale 0, forwarded 0, rescued 0, new agent instance 0\n"
	"taxcut_guest: not built in; it would choose (taxcut.dedicated=auto):\n"
	"decision dedicated: yes (KVM_HINTS_REALTIME)\n"
	"decision spinlock: native-qspinlock (dedicated vCPUs: lock holders are never preempted)\n"
	"decision tlb_flush: native (dedicated vCPUs: no preempted targets to skip)\n"
	"decision pv_sched_yield: off (dedicated vCPUs)\n"
	"decision pv_ipi: on (PV_SEND_IPI: one hypercall per 128 APIC IDs)\n"
	"decision haltpoll: eligible (dedicated vCPUs: polling costs no one else)\n";

static void guest_61(void)
{
	int cpu;

	new_tree();
	put("/sys/kernel/taxcut/cpuid_base", "0x40000000\n");
	put("/sys/kernel/taxcut/features", "clocksource nop_io_delay clocksource2 pv_unhalt pv_send_ipi poll_control\n");
	put("/sys/kernel/taxcut/hints", "realtime\n");
	put("/sys/kernel/taxcut/policy", "%s", report_61);
	put(CPUIDLE "/current_driver", "taxcut_idle\n");
	put(CPUIDLE "/current_governor", "menu\n");
	put(CPUIDLE "/current_governor_ro", "menu\n");
	put(CPUIDLE "/available_governors", "ladder menu teo \n");
	/* the report names taxcut-et itself; sysfs says the same */
	for (cpu = 0; cpu < 4; cpu++) {
		char path[96];

		snprintf(path, sizeof(path), CE "/clockevent%d/current_device", cpu);
		put(path, cpu ? "taxcut-et\n" : "lapic-deadline\n");
	}
	put(CE "/broadcast/current_device", "hpet\n");
	put("/sys/kernel/debug/taxcut/idle", HP_HEADER
	    "0 50000 40000 10 8 2 5 100000 20000 1\n"
	    "1 12000 0 0 0 0 0 0 0 0\n"
	    "2 0 0 0 0 0 0 0 0 0\n"
	    "3 0 0 0 0 0 0 0 0 0\n");
	put("/sys/kernel/debug/taxcut/exitless_timer",
	    "exitless_timer cpu0: programmed 0 (near the horizon 0); fired 0; early 0 spun, 0 reprogrammed (max 0 ns); stale 0, forwarded 0, rescued 0, new agent instance 0\n"
	    "exitless_timer cpu1: programmed 10 (near the horizon 0); fired 9; early 0 spun, 0 reprogrammed (max 0 ns); stale 0, forwarded 0, rescued 0, new agent instance 0\n"
	    "exitless_timer cpu2: programmed 10 (near the horizon 1); fired 10; early 0 spun, 0 reprogrammed (max 0 ns); stale 0, forwarded 0, rescued 0, new agent instance 0\n"
	    "exitless_timer cpu3: programmed 10 (near the horizon 0); fired 10; early 0 spun, 0 reprogrammed (max 0 ns); stale 0, forwarded 0, rescued 0, new agent instance 0\n");
	put("/sys/module/taxcut/parameters/guest_halt_poll_ns", "200000\n");
	put("/sys/module/taxcut/parameters/guest_halt_poll_allow_shrink", "Y\n");
	put("/sys/module/taxcut/parameters/exitless_timer", "Y\n");
	put("/sys/module/taxcut/parameters/force", "N\n");
	put("/sys/module/taxcut/parameters/timer_watch_ms", "50\n");
	put("/sys/module/taxcut/parameters/hit_worth_ns", "0\n");
}

/* Each status line whose key the report has must be the report's line. */
static int differing_report_lines(const char *status)
{
	struct kv_list rep = { 0 }, st = { 0 };
	int i, bad = 0;

	report_parse(report_61, &rep);
	report_parse(status, &st);
	for (i = 0; i < st.n; i++) {
		const char *want = kv_get(&rep, st.v[i].key);

		if (!want || !strcmp(st.v[i].key, "tick_device") ||
		    !strcmp(st.v[i].key, "cpuidle_governor"))
			continue;
		if (strcmp(want, st.v[i].value)) {
			printf("#   %s: '%s' against the report's '%s'\n", st.v[i].key,
			       st.v[i].value, want);
			bad++;
		}
	}
	kv_free(&rep);
	kv_free(&st);
	return bad;
}

static void test_status(void)
{
	const char *r61 = report_61;
	char want[8192];
	int rc;

	guest_61();
	rc = run("status", NULL);
	/* the report's lines in order, the gaps filled in between */
	snprintf(want, sizeof(want),
		 "cpuid_base: 0x40000000\n"
		 "features: clocksource nop_io_delay clocksource2 pv_unhalt pv_send_ipi poll_control\n"
		 "hints: realtime\n"
		 "%.*s"
		 "cpuidle_governor: menu\n"
		 "tick_device: cpus 0-0 lapic-deadline\n"
		 "tick_device: cpus 1-3 taxcut-et\n"
		 "%.*s"
		 "idle_window: cpu0 50 us, cpu1 12 us, cpu2 0 us, cpu3 0 us (debugfs taxcut/idle)\n"
		 "%.*s"
		 "exitless_timer_fired: cpu0 0, cpu1 9, cpu2 10, cpu3 10 (debugfs taxcut/exitless_timer)\n"
		 "%s",
		 (int)(strstr(r61, "cpuidle_governor:") - r61), r61,
		 (int)(strstr(r61, "exitless_timer:") - strstr(r61, "idle_poll:")),
		 strstr(r61, "idle_poll:"),
		 (int)(strstr(r61, "taxcut_guest:") - strstr(r61, "exitless_timer:")),
		 strstr(r61, "exitless_timer:"),
		 strstr(r61, "taxcut_guest:"));
	tap_ok(rc == CTL_OK, "status: exit 0 with taxcut loaded (%d)", rc);
	tap_eq_s(out, want, "status: the report, governor and tick devices from sysfs, debugfs lines");
	tap_ok(!differing_report_lines(out), "status: every line with a report key is the report's line");
	tap_eq_s(err, "", "status: nothing on stderr");

	rc = run("--json", "status", NULL);
	tap_ok(rc == CTL_OK && json_lines(out, 1), "status --json: one valid JSON object");
	tap_ok(strstr(out, "\"decisions\":{\"dedicated\":{\"value\":\"yes\",\"reason\":\"KVM_HINTS_REALTIME\"},") &&
	       strstr(out, "\"haltpoll\":{\"value\":\"eligible\",\"reason\":\"dedicated vCPUs: polling costs no one else\"}}") &&
	       strstr(out, "\"cpuidle\":{\"driver\":\"taxcut_idle\",\"governor\":\"menu\"}") &&
	       strstr(out, "\"tick_devices\":[{\"first\":0,\"last\":0,\"device\":\"lapic-deadline\"},{\"first\":1,\"last\":3,\"device\":\"taxcut-et\"}]") &&
	       strstr(out, "\"hints\":[\"realtime\"]") && strstr(out, "\"cpuid_base\":\"0x40000000\"") &&
	       strstr(out, "\"pv_ipi_sender\":null") &&
	       strstr(out, "{\"key\":\"cpuidle_governor\",\"value\":\"menu\"}"),
	       "status --json: decisions, cpuidle, tick devices, hints by name");

	/* the governor's sysfs file of older kernels; PV IPI counters; no hints */
	rmtree(CPUIDLE "/current_governor");
	put(CPUIDLE "/current_governor_ro", "haltpoll\n");
	put("/sys/kernel/taxcut/hints", "\n");
	put("/sys/kernel/taxcut/policy", "%spv_ipi_sender: hypercalls 7 refused 0 native_windows 2\n", report_61);
	run("status", "--json", NULL);
	tap_ok(json_lines(out, 1) && strstr(out, "\"governor\":\"haltpoll\"") &&
	       strstr(out, "\"hints\":[]") &&
	       strstr(out, "\"pv_ipi_sender\":{\"hypercalls\":7,\"refused\":0,\"native_windows\":2}"),
	       "status --json: current_governor_ro, an empty hint list, the PV IPI counters");
	run("status", NULL);
	tap_eq_s(line_of(out, "hints:"), "hints: none", "status: an empty hint list is 'none'");

	/* debugfs not mounted: the mount point empty */
	guest_61();
	rmtree("/sys/kernel/debug");
	mkdirs("/sys/kernel/debug");
	rc = run("status", NULL);
	tap_eq_s(line_of(out, "idle_window:"),
		 "idle_window: unknown: debugfs is not mounted (mount -t debugfs none /sys/kernel/debug)",
		 "status: debugfs not mounted, said so");
	tap_eq_s(line_of(out, "exitless_timer_fired:"),
		 "exitless_timer_fired: unknown: debugfs is not mounted (mount -t debugfs none /sys/kernel/debug)",
		 "status: the same for the timer's line");
	tap_ok(rc == CTL_OK, "status: still exit 0 (%d)", rc);
	put("/sys/kernel/debug/other", "x\n");
	run("status", NULL);
	tap_eq_s(line_of(out, "idle_window:"), "idle_window: unknown: no /sys/kernel/debug/taxcut/idle",
		 "status: debugfs mounted, the file absent");

	/* no timer region: no fired line; the in-tree governor's statistics */
	guest_61();
	put("/sys/kernel/taxcut/policy", "cpuidle_driver: haltpoll\n"
	    "cpuidle_governor: " NOT_EXPORTED " (/sys/devices/system/cpu/cpuidle/current_governor)\n"
	    "tick_device: cpus 0-3 the kernel's own, " NOT_EXPORTED " (/sys/devices/system/clockevents/clockevent<cpu>/current_device)\n"
	    "idle_poll: off: cpuidle is held by haltpoll (boot with initcall_blacklist=haltpoll_init)\n"
	    "exitless_timer: no taxcut timer region\n");
	put(CPUIDLE "/current_driver", "haltpoll\n");
	put(CPUIDLE "/current_governor", "taxcut\n");
	put("/sys/kernel/debug/taxcut_haltpoll", HP_HEADER "0 1000 0 0 0 0 0 0 0 0\n");
	run("status", NULL);
	tap_eq_s(strstr(out, "cpuidle_driver:"),
		 "cpuidle_driver: haltpoll\n"
		 "cpuidle_governor: taxcut\n"
		 "tick_device: cpus 0-0 lapic-deadline\n"
		 "tick_device: cpus 1-3 taxcut-et\n"
		 "idle_poll: off: cpuidle is held by haltpoll (boot with initcall_blacklist=haltpoll_init)\n"
		 "idle_window: cpu0 1 us (debugfs taxcut_haltpoll)\n"
		 "exitless_timer: no taxcut timer region\n",
		 "status: the governor's statistics, no timer line without a region");

	/* taxcut not loaded: sysfs alone, exit 3 */
	guest_61();
	rmtree("/sys/kernel/taxcut");
	put(CE "/clockevent1/current_device", "lapic-deadline\n");
	put(CPUIDLE "/current_driver", "none\n");
	rc = run("status", NULL);
	tap_ok(rc == CTL_NOT_LOADED, "status: exit 3 without taxcut (%d)", rc);
	tap_eq_s(out, "taxcut: not loaded (no /sys/kernel/taxcut: modprobe taxcut)\n"
		 "cpuidle_driver: none\n"
		 "cpuidle_governor: menu\n"
		 "tick_device: cpus 0-1 lapic-deadline\n"
		 "tick_device: cpus 2-3 taxcut-et\n",
		 "status: without taxcut, cpuidle and tick devices from sysfs");
	run("status", "--json", NULL);
	tap_ok(json_lines(out, 1) && strstr(out, "{\"loaded\":false,") && strstr(out, "\"features\":null"),
	       "status --json: valid without taxcut");
}

/* The second idle sample: CPU 0 polled and halted, states moved. */
static void idle_step(void)
{
	put("/sys/kernel/debug/taxcut/idle", HP_HEADER
	    "0 60000 40000 30 25 5 9 400000 50000 3\n"
	    "1 0 0 1 1 0 2 1000 0 0\n");
	put("/sys/devices/system/cpu/cpu0/cpuidle/state0/usage", "120\n");
	put("/sys/devices/system/cpu/cpu0/cpuidle/state0/time", "126000\n");
	put("/sys/devices/system/cpu/cpu0/cpuidle/state1/usage", "9\n");
	put("/sys/devices/system/cpu/cpu0/cpuidle/state1/time", "255000\n");
	/* a sleep that began before the interval counts whole: capped */
	put("/sys/devices/system/cpu/cpu1/cpuidle/state1/usage", "3\n");
	put("/sys/devices/system/cpu/cpu1/cpuidle/state1/time", "805000\n");
}

static void idle_tree(void)
{
	int cpu, st;

	guest_61();
	put("/sys/kernel/debug/taxcut/idle", HP_HEADER
	    "0 50000 40000 10 8 2 5 100000 20000 1\n"
	    "1 0 0 0 0 0 0 0 0 0\n");
	for (cpu = 0; cpu < 2; cpu++) {
		for (st = 0; st < 2; st++) {
			char dir[128], path[160];

			snprintf(dir, sizeof(dir), "/sys/devices/system/cpu/cpu%d/cpuidle/state%d", cpu, st);
			snprintf(path, sizeof(path), "%s/name", dir);
			put(path, st ? "HALT\n" : "POLL-HALT\n");
			snprintf(path, sizeof(path), "%s/usage", dir);
			put(path, "0\n");
			snprintf(path, sizeof(path), "%s/time", dir);
			put(path, st ? "5000\n" : "1000\n");
		}
	}
	put("/sys/devices/system/cpu/cpufreq/.keep", "%s", "");
	put("/sys/devices/system/cpu/online", "0-1\n");
	fake_clock = 100;
	between = idle_step;
}

static void test_idle(void)
{
	int rc;

	idle_tree();
	rc = run("idle", "0.5", "1", NULL);
	tap_ok(rc == CTL_OK, "idle 0.5 1: exit 0 (%d)", rc);
	tap_eq_s(out,
		 "0.50 s; taxcut's counters from debugfs taxcut/idle, residency (%) from cpuidle sysfs\n"
		 "CPU WINDOW_US TARGET_US POLLS CAUGHT TIMEDOUT HALTS POLLED_US WASTED_US CAPPED  POLL-HALT    HALT\n"
		 "  0        60        40    20     17        3     4       300        30      2       25.0    50.0\n"
		 "  1         0         0     1      1        0     2         1         0      0        0.0   100.0\n"
		 "all         -         -    21     18        3     6       301        30      2       12.5    75.0\n",
		 "idle: deltas over the interval, residency of each state, at most 100%");
	idle_tree();
	rc = run("--json", "idle", "--count", "3", "2", NULL);
	tap_ok(rc == CTL_OK && json_lines(out, 3), "idle --json --count 3: three JSON lines (%d)", rc);
	tap_ok(!strncmp(out, "{\"interval_s\":2.000,\"source\":\"debugfs taxcut/idle\",\"why\":null,\"cpus\":[{\"cpu\":0,\"window_ns\":60000,\"target_ns\":40000,\"polls\":20,\"hits\":17,\"timed_out\":3,", 147),
	       "idle --json: the interval, the source, the debugfs column names");
	tap_ok(strstr(out, "{\"name\":\"HALT\",\"usage\":9,\"time_us\":250000,\"residency_pct\":12.5}") != NULL,
	       "idle --json: each state's usage, time and residency");

	/* debugfs absent: cpuidle sysfs alone */
	idle_tree();
	between = NULL;
	rmtree("/sys/kernel/debug");
	rc = run("idle", "-n", "1", NULL);
	tap_ok(rc == CTL_OK && !strcmp(line_of(out, "1.00 s"),
		"1.00 s; no taxcut counters: debugfs is not mounted (mount -t debugfs none /sys/kernel/debug); residency (%) from cpuidle sysfs") &&
	       !strcmp(line_of(out, "CPU"), "CPU  POLL-HALT    HALT"),
	       "idle without debugfs: says why, shows the states");
	run("idle", "--json", NULL);
	tap_ok(json_lines(out, 1) && strstr(out, "\"source\":null,\"why\":\"debugfs is not mounted"),
	       "idle --json without debugfs: source null and why");

	/* nothing at all */
	new_tree();
	put(CPUIDLE "/current_driver", "none\n");
	rc = run("idle", NULL);
	tap_ok(rc == CTL_FAIL && strstr(err, "no idle statistics"), "idle: nothing to show is an error (%d)", rc);

	tap_ok(run("idle", "0", NULL) == CTL_USAGE && run("idle", "x", NULL) == CTL_USAGE &&
	       run("idle", "1", "0", NULL) == CTL_USAGE && run("idle", "1", "2", "3", NULL) == CTL_USAGE,
	       "idle: a bad interval or count is a usage error");
}

static void test_set(void)
{
	char *v;
	int rc;

	guest_61();
	rc = run("set", "guest_halt_poll_ns=20000", NULL);
	v = get("/sys/module/taxcut/parameters/guest_halt_poll_ns");
	tap_ok(rc == CTL_OK && !strcmp(v, "20000"), "set: written (%d, '%s')", rc, v);
	free(v);
	tap_eq_s(out, "guest_halt_poll_ns: 200000 -> 20000 (/sys/module/taxcut/parameters/guest_halt_poll_ns)\n",
		 "set: the change and where");

	rc = run("set", "guest_halt_poll_ns=100", "hit_worth_ns=10000001", NULL);
	v = get("/sys/module/taxcut/parameters/guest_halt_poll_ns");
	tap_ok(rc == CTL_FAIL && !strcmp(v, "20000"), "set: one bad value, nothing written (%d, '%s')", rc, v);
	free(v);
	tap_eq_s(err, "taxcutctl: set: hit_worth_ns: '10000001' is not a whole number from 0 to 10000000\n",
		 "set: the refusal says the range");
	tap_eq_s(out, "", "set: nothing on stdout when refused");

	rc = run("set", "bogus=1", NULL);
	tap_ok(rc == CTL_FAIL && strstr(err, "'bogus': no such tunable"), "set: unknown name, exit 1");

	rc = run("set", "--persist", "guest_halt_poll_ns=30000", "guest_halt_poll_allow_shrink=no", NULL);
	tap_eq_s(out, "options taxcut guest_halt_poll_ns=30000 guest_halt_poll_allow_shrink=N\n",
		 "set --persist: one modprobe.d line on stdout");
	v = get("/sys/module/taxcut/parameters/guest_halt_poll_allow_shrink");
	tap_ok(rc == CTL_OK && !strcmp(v, "N") &&
	       strstr(err, "guest_halt_poll_ns: 20000 -> 30000"), "set --persist: written, changes on stderr");
	free(v);

	rc = run("set", "force=1", NULL);
	tap_ok(rc == CTL_FAIL && strstr(err, "force is read when taxcut loads"),
	       "set: a load-time parameter is refused at runtime");
	rc = run("set", "-p", "force=yes", NULL);
	v = get("/sys/module/taxcut/parameters/force");
	tap_ok(rc == CTL_OK && !strcmp(out, "options taxcut force=Y\n") && !strcmp(v, "N\n"),
	       "set --persist: a load-time parameter, only its line (%d)", rc);
	free(v);

	rc = run("set", "governor=taxcut", NULL);
	tap_ok(rc == CTL_FAIL && strstr(err, "'taxcut' is not one of this kernel's: ladder menu teo\n"),
	       "set: a governor the kernel does not have is refused");
	rc = run("set", "--persist", "--json", "governor=teo", NULL);
	v = get(CPUIDLE "/current_governor");
	tap_ok(rc == CTL_OK && !strcmp(v, "teo") && json_lines(out, 1) &&
	       strstr(out, "\"persist\":\"# kernel command line: cpuidle.governor=teo\""),
	       "set --json: the governor written, JSON with its persist line");
	free(v);

	/* taxcut not loaded: the in-tree governor's parameters */
	rmtree("/sys/module/taxcut");
	rc = run("set", "exitless_timer=0", NULL);
	tap_ok(rc == CTL_FAIL && strstr(err, "(taxcut is not loaded)"), "set: taxcut not loaded, said so");
	put("/sys/module/taxcut_haltpoll/parameters/hit_worth_ns", "0\n");
	rc = run("set", "-p", "hit_worth_ns=5000", NULL);
	v = get("/sys/module/taxcut_haltpoll/parameters/hit_worth_ns");
	tap_ok(rc == CTL_OK && !strcmp(v, "5000") &&
	       !strcmp(out, "# kernel command line (built in): taxcut_haltpoll.hit_worth_ns=5000\n"),
	       "set: the in-tree governor's parameter when taxcut.ko is not loaded");
	free(v);

	tap_ok(run("set", NULL) == CTL_USAGE && run("status", "--persist", NULL) == CTL_USAGE &&
	       run("frobnicate", NULL) == CTL_USAGE && run("--nope", NULL) == CTL_USAGE,
	       "usage errors exit 2");
	tap_ok(run("--help", NULL) == CTL_OK && strstr(out, "guest_halt_poll_ns") &&
	       strstr(out, "timer_watch_ms"), "--help lists the tunables");
}

int main(void)
{
	tap_plan(82);
	test_report();
	test_idle_pure();
	test_tunables();
	test_status();
	test_idle();
	test_set();
	if (root[0])
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(out);
	free(err);
	return tap_done();
}

// SPDX-License-Identifier: GPL-2.0
/* taxcutctl status: building and printing the lines (see status.h). */
#include <stdlib.h>
#include <string.h>
#include "idle.h"
#include "json.h"
#include "status.h"

#define NOT_LOADED "not loaded (no /sys/kernel/taxcut: modprobe taxcut)"

/* "0x40000000\n" -> "0x40000000"; an empty list -> "none" */
static int add_file(struct kv_list *out, const char *key, const char *text)
{
	char *v = strdup(text ? text : "");
	int ret;

	if (!v)
		return -1;
	strip(v);
	ret = kv_add(out, key, text ? (*v ? v : "none") : "unknown: not readable");
	free(v);
	return ret;
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return (x > y) - (x < y);
}

/* idle_window: each CPU's current poll window, from the debugfs table */
static int add_idle_window(struct kv_list *out, const struct status_input *in)
{
	struct idle_sample s = { 0 };
	unsigned long long *w;
	char *list = NULL;
	size_t len = 0;
	FILE *f;
	int i, ret;

	if (!in->idle_stats)
		return kv_addf(out, "idle_window", "unknown: %s", in->idle_stats_why);
	if (hp_parse(in->idle_stats, &s) < 0) {
		idle_sample_free(&s);
		return kv_addf(out, "idle_window", "unknown: debugfs %s has columns we do not know",
			       in->idle_stats_name);
	}
	f = open_memstream(&list, &len);
	w = calloc(s.n + 1, sizeof(*w));
	if (!f || !w) {
		if (f)
			fclose(f);
		free(list);
		free(w);
		idle_sample_free(&s);
		return -1;
	}
	for (i = 0; i < s.n; i++)
		w[i] = s.cpus[i].hp[HP_WINDOW_NS] / 1000;
	if (!s.n) {
		fputs("no CPU", f);
	} else if (s.n <= STATUS_LIST_CPUS) {
		for (i = 0; i < s.n; i++)
			fprintf(f, "%scpu%d %llu us", i ? ", " : "", s.cpus[i].cpu, w[i]);
	} else {
		qsort(w, s.n, sizeof(*w), cmp_ull);
		fprintf(f, "%d CPUs: min %llu us, median %llu us, max %llu us",
			s.n, w[0], w[s.n / 2], w[s.n - 1]);
	}
	fclose(f);
	ret = kv_addf(out, "idle_window", "%s (debugfs %s)", list, in->idle_stats_name);
	free(list);
	free(w);
	idle_sample_free(&s);
	return ret;
}

/* exitless_timer_fired: fires per CPU, from debugfs taxcut/exitless_timer */
static int add_timer_fired(struct kv_list *out, const struct status_input *in)
{
	const char *line = in->timer_stats;
	char *list = NULL;
	size_t len = 0;
	int n = 0, ret;
	FILE *f;

	if (!line)
		return kv_addf(out, "exitless_timer_fired", "unknown: %s", in->timer_stats_why);
	f = open_memstream(&list, &len);
	if (!f)
		return -1;
	for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *fired = strstr(line, "; fired ");
		const char *eol = strchr(line, '\n');
		unsigned long long v;
		int cpu;

		if (sscanf(line, "exitless_timer cpu%d:", &cpu) != 1 || !fired ||
		    (eol && fired > eol) || sscanf(fired, "; fired %llu", &v) != 1)
			continue;
		fprintf(f, "%scpu%d %llu", n++ ? ", " : "", cpu, v);
	}
	fclose(f);
	ret = kv_addf(out, "exitless_timer_fired", "%s (debugfs taxcut/exitless_timer)",
		      n ? list : "no CPU has a slot");
	free(list);
	return ret;
}

/*
 * The tick_device lines: each CPU the report lists, with its device where
 * the report names one and clockevents sysfs's where it cannot.
 */
static int add_tick_devices(struct kv_list *out, const struct kv_list *report,
			    const struct status_input *in)
{
	const char **names;
	int *cpus, i, j, n = 0, room = 0, ret;

	for (i = 0; i < report->n; i++) {
		int first, last;
		const char *name;

		if (!strcmp(report->v[i].key, "tick_device") &&
		    tick_run_parse(report->v[i].value, &first, &last, &name))
			room += last - first + 1;
	}
	/* without a report: the CPUs clockevents sysfs has */
	if (!report->n)
		room = in->ncpus;
	cpus = calloc(room + 1, sizeof(*cpus));
	names = calloc(room + 1, sizeof(*names));
	if (!cpus || !names) {
		free(cpus);
		free(names);
		return -1;
	}
	for (i = 0; i < report->n; i++) {
		int first, last, cpu;
		const char *name;

		if (strcmp(report->v[i].key, "tick_device") ||
		    !tick_run_parse(report->v[i].value, &first, &last, &name))
			continue;
		for (cpu = first; cpu <= last && n < room; cpu++) {
			const char *dev = report_not_exported(name, NULL, 0) ? NULL : name;

			for (j = 0; !dev && j < in->ncpus; j++)
				if (in->cpus[j] == cpu)
					dev = in->tick_device[j];
			cpus[n] = cpu;
			names[n++] = dev ? dev : "unknown";
		}
	}
	for (j = 0; !report->n && j < in->ncpus; j++) {
		cpus[n] = in->cpus[j];
		names[n++] = in->tick_device[j] ? in->tick_device[j] : "unknown";
	}
	ret = tick_runs(out, cpus, names, n);
	free(cpus);
	free(names);
	return ret;
}

static const char *governor(const struct status_input *in, char *buf, size_t len)
{
	if (in->cpuidle_governor)
		return in->cpuidle_governor;
	snprintf(buf, len, "unknown: %s", in->governor_why ? in->governor_why : "not readable");
	return buf;
}

static bool timer_region(const struct kv_list *report)
{
	const char *v = kv_get(report, "exitless_timer");

	return v && strcmp(v, "no taxcut timer region");
}

/* The report's lines, in its order, the gaps filled and debugfs's lines added. */
static int add_report(struct kv_list *out, const struct kv_list *report,
		      const struct status_input *in)
{
	bool ticks_done = false, window_done = false, fired_done = false;
	bool window = in->idle_stats || in->idle_stats_name;
	char buf[512];
	int i, ret = 0;

	for (i = 0; i < report->n && !ret; i++) {
		const char *key = report->v[i].key, *value = report->v[i].value;
		const char *next = i + 1 < report->n ? report->v[i + 1].key : "";

		if (!strcmp(key, "tick_device")) {
			if (!ticks_done)
				ret = add_tick_devices(out, report, in);
			ticks_done = true;
			continue;
		}
		if (!strcmp(key, "cpuidle_governor") && report_not_exported(value, NULL, 0))
			value = governor(in, buf, sizeof(buf));
		ret = kv_add(out, key, value);
		/* after the idle_poll line and its halt_cost line */
		if (!ret && window && !window_done &&
		    ((!strcmp(key, "idle_poll") && strcmp(next, "halt_cost")) ||
		     !strcmp(key, "halt_cost"))) {
			ret = add_idle_window(out, in);
			window_done = true;
		}
		/* after the exitless_timer line and its total */
		if (!ret && timer_region(report) && !fired_done &&
		    ((!strcmp(key, "exitless_timer") && strcmp(next, "exitless_timer total")) ||
		     !strcmp(key, "exitless_timer total"))) {
			ret = add_timer_fired(out, in);
			fired_done = true;
		}
	}
	if (!ret && window && !window_done)
		ret = add_idle_window(out, in);
	return ret;
}

int status_build(const struct status_input *in, struct kv_list *out)
{
	struct kv_list report = { 0 };
	char buf[512];
	int ret;

	if (in->loaded) {
		if (add_file(out, "cpuid_base", in->cpuid_base) ||
		    add_file(out, "features", in->features) ||
		    add_file(out, "hints", in->hints))
			return -1;
		if (in->policy && report_parse(in->policy, &report)) {
			kv_free(&report);
			return -1;
		}
	} else if (kv_add(out, "taxcut", NOT_LOADED)) {
		return -1;
	}
	if (report.n) {
		ret = add_report(out, &report, in);
		kv_free(&report);
		return ret;
	}
	/* no report: what sysfs alone says */
	if (in->loaded && kv_add(out, "policy", "unknown: /sys/kernel/taxcut/policy is not readable"))
		return -1;
	if (kv_add(out, "cpuidle_driver", in->cpuidle_driver ? in->cpuidle_driver : "none") ||
	    kv_add(out, "cpuidle_governor", governor(in, buf, sizeof(buf))))
		return -1;
	ret = add_tick_devices(out, &report, in);
	if (!ret && (in->idle_stats || in->idle_stats_name))
		ret = add_idle_window(out, in);
	return ret;
}

void status_print_text(FILE *f, const struct kv_list *lines)
{
	int i;

	for (i = 0; i < lines->n; i++)
		fprintf(f, "%s: %s\n", lines->v[i].key, lines->v[i].value);
}

/* "a b c" as ["a","b","c"]; "none" as [] */
static void json_words(FILE *f, const char *s)
{
	const char *p = s;
	bool first = true;

	if (!s || !strncmp(s, "unknown", 7)) {
		fputs("null", f);
		return;
	}
	fputc('[', f);
	while (strcmp(s, "none") && *p) {
		size_t n = strcspn(p, " ");
		char *w = strndup(p, n);

		if (n && w) {
			fputs(first ? "" : ",", f);
			json_str(f, w);
			first = false;
		}
		free(w);
		p += n;
		p += strspn(p, " ");
	}
	fputc(']', f);
}

static void json_decisions(FILE *f, const struct kv_list *lines)
{
	bool first = true;
	int i;

	fputc('{', f);
	for (i = 0; i < lines->n; i++) {
		char val[256], why[1024];
		const char *name;

		if (!decision_parse(lines->v[i].key, lines->v[i].value, &name,
				    val, sizeof(val), why, sizeof(why)))
			continue;
		fputs(first ? "" : ",", f);
		json_key(f, name);
		fputc('{', f);
		json_key(f, "value");
		json_str(f, val);
		fputc(',', f);
		json_key(f, "reason");
		json_str(f, why);
		fputc('}', f);
		first = false;
	}
	fputc('}', f);
}

static void json_ticks(FILE *f, const struct kv_list *lines)
{
	bool first = true;
	int i;

	fputc('[', f);
	for (i = 0; i < lines->n; i++) {
		int a, b;
		const char *name;

		if (strcmp(lines->v[i].key, "tick_device") ||
		    !tick_run_parse(lines->v[i].value, &a, &b, &name))
			continue;
		fprintf(f, "%s{\"first\":%d,\"last\":%d,", first ? "" : ",", a, b);
		json_key(f, "device");
		json_str(f, name);
		fputc('}', f);
		first = false;
	}
	fputc(']', f);
}

static void json_ipi_sender(FILE *f, const struct kv_list *lines)
{
	const char *v = kv_get(lines, "pv_ipi_sender");
	unsigned long long h, r, w;

	if (!v || sscanf(v, "hypercalls %llu refused %llu native_windows %llu", &h, &r, &w) != 3) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"hypercalls\":%llu,\"refused\":%llu,\"native_windows\":%llu}", h, r, w);
}

/* Every line by its key, once (tick_device and the decisions have their own). */
static void json_values(FILE *f, const struct kv_list *lines)
{
	bool first = true;
	int i, j;

	fputc('{', f);
	for (i = 0; i < lines->n; i++) {
		const char *key = lines->v[i].key;
		bool skip = !strcmp(key, "tick_device") || !strncmp(key, "decision ", 9);

		/* a key twice: the first one (JSON keys are unique) */
		for (j = 0; j < i && !skip; j++)
			skip = !strcmp(lines->v[j].key, key);
		if (skip)
			continue;
		fputs(first ? "" : ",", f);
		json_key(f, key);
		json_str(f, lines->v[i].value);
		first = false;
	}
	fputc('}', f);
}

void status_print_json(FILE *f, const struct kv_list *lines, bool loaded)
{
	int i;

	fprintf(f, "{\"loaded\":%s,", loaded ? "true" : "false");
	json_key(f, "lines");
	fputc('[', f);
	for (i = 0; i < lines->n; i++) {
		fputs(i ? ",{" : "{", f);
		json_key(f, "key");
		json_str(f, lines->v[i].key);
		fputc(',', f);
		json_key(f, "value");
		json_str(f, lines->v[i].value);
		fputc('}', f);
	}
	fputs("],", f);
	json_key(f, "cpuid_base");
	json_str(f, kv_get(lines, "cpuid_base"));
	fputc(',', f);
	json_key(f, "features");
	json_words(f, kv_get(lines, "features"));
	fputc(',', f);
	json_key(f, "hints");
	json_words(f, kv_get(lines, "hints"));
	fputc(',', f);
	json_key(f, "values");
	json_values(f, lines);
	fputc(',', f);
	json_key(f, "decisions");
	json_decisions(f, lines);
	fputc(',', f);
	json_key(f, "cpuidle");
	fputc('{', f);
	json_key(f, "driver");
	json_str(f, kv_get(lines, "cpuidle_driver"));
	fputc(',', f);
	json_key(f, "governor");
	json_str(f, kv_get(lines, "cpuidle_governor"));
	fputs("},", f);
	json_key(f, "tick_devices");
	json_ticks(f, lines);
	fputc(',', f);
	json_key(f, "pv_ipi_sender");
	json_ipi_sender(f, lines);
	fputs("}\n", f);
}

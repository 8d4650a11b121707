/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading taxcut's report (/sys/kernel/taxcut/policy): one "KEY: VALUE"
 * line each, KEY up to the first ": ". Pure: strings in, strings out.
 */
#ifndef TAXCUTCTL_REPORT_H
#define TAXCUTCTL_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)	__attribute__((format(printf, a, b)))

struct kv {
	char *key, *value;
};

struct kv_list {
	struct kv *v;
	int n, room;
};

/* Appends copies of @key and @value; 0, or -1 out of memory. */
int kv_add(struct kv_list *l, const char *key, const char *value);
__printf(3, 4)
int kv_addf(struct kv_list *l, const char *key, const char *fmt, ...);
void kv_free(struct kv_list *l);

/* The value of the first line with @key, or NULL. */
const char *kv_get(const struct kv_list *l, const char *key);

/*
 * Appends each line of @text as a key and a value; a line without ": " is
 * all key and an empty value, blank lines are skipped. 0, or -1 out of memory.
 */
int report_parse(const char *text, struct kv_list *out);

/*
 * Whether @value says the module could not read it: "... not exported to
 * modules (WHERE)", where a reader finds it instead. WHERE is copied to
 * @where if there is room.
 */
bool report_not_exported(const char *value, char *where, size_t len);

/* A tick_device value, "cpus FIRST-LAST NAME": the range and the name. */
bool tick_run_parse(const char *value, int *first, int *last, const char **name);

/*
 * Appends "tick_device" lines for @n CPUs (ascending) and their tick
 * devices, one per run of consecutive CPUs with the same device, as the
 * report groups them. 0, or -1 out of memory.
 */
int tick_runs(struct kv_list *out, const int *cpus, const char *const *names, int n);

/*
 * A decision line: key "decision NAME", value "VALUE (REASON)". The name
 * points into @key; the value and the reason are copied (bounded).
 */
bool decision_parse(const char *key, const char *value, const char **name,
		    char *val, size_t vlen, char *why, size_t wlen);

/* Trailing whitespace off, in place; returns @s. */
char *strip(char *s);

#endif /* TAXCUTCTL_REPORT_H */

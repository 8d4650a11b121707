// SPDX-License-Identifier: GPL-2.0
/* Reading taxcut's report (see report.h). */
#define _GNU_SOURCE	/* vasprintf */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

#define NOT_EXPORTED "not exported to modules ("

int kv_add(struct kv_list *l, const char *key, const char *value)
{
	struct kv *v;

	if (l->n == l->room) {
		int room = l->room ? 2 * l->room : 16;

		v = realloc(l->v, room * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->room = room;
	}
	v = &l->v[l->n];
	v->key = strdup(key);
	v->value = strdup(value);
	if (!v->key || !v->value) {
		free(v->key);
		free(v->value);
		return -1;
	}
	l->n++;
	return 0;
}

int kv_addf(struct kv_list *l, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *value;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -1;
	ret = kv_add(l, key, value);
	free(value);
	return ret;
}

void kv_free(struct kv_list *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->room = 0;
}

const char *kv_get(const struct kv_list *l, const char *key)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return l->v[i].value;
	return NULL;
}

char *strip(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int report_parse(const char *text, struct kv_list *out)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *copy = strndup(line, len), *sep;
		int ret = 0;

		if (!copy)
			return -1;
		strip(copy);
		sep = strstr(copy, ": ");
		if (sep) {
			*sep = '\0';
			ret = kv_add(out, copy, sep + 2);
		} else if (*copy) {
			/* "taxcut_guest: ...:" ends in a colon, not ": " */
			ret = kv_add(out, copy, "");
		}
		free(copy);
		if (ret)
			return -1;
		line = end ? end + 1 : NULL;
	}
	return 0;
}

bool report_not_exported(const char *value, char *where, size_t len)
{
	const char *at = strstr(value, NOT_EXPORTED), *end;

	if (!at)
		return false;
	at += strlen(NOT_EXPORTED);
	end = strrchr(at, ')');
	if (where && len) {
		size_t n = end ? (size_t)(end - at) : strlen(at);

		snprintf(where, len, "%.*s", (int)n, at);
	}
	return true;
}

bool tick_run_parse(const char *value, int *first, int *last, const char **name)
{
	int pos = 0;

	if (sscanf(value, "cpus %d-%d %n", first, last, &pos) != 2 || !pos ||
	    *first < 0 || *last < *first)
		return false;
	*name = value + pos;
	return true;
}

static int emit_run(struct kv_list *out, int first, int last, const char *name)
{
	return kv_addf(out, "tick_device", "cpus %d-%d %s", first, last, name);
}

int tick_runs(struct kv_list *out, const int *cpus, const char *const *names, int n)
{
	int i, first = 0;

	for (i = 1; i <= n; i++) {
		if (i < n && cpus[i] == cpus[i - 1] + 1 && !strcmp(names[i], names[first]))
			continue;
		if (emit_run(out, cpus[first], cpus[i - 1], names[first]))
			return -1;
		first = i;
	}
	return 0;
}

bool decision_parse(const char *key, const char *value, const char **name,
		    char *val, size_t vlen, char *why, size_t wlen)
{
	const char *open = strchr(value, '(');
	size_t n;

	if (strncmp(key, "decision ", 9) || !key[9])
		return false;
	*name = key + 9;
	/* "VALUE (REASON)": the reason may hold parentheses of its own */
	if (!open || open == value || open[-1] != ' ' || value[strlen(value) - 1] != ')') {
		snprintf(val, vlen, "%s", value);
		snprintf(why, wlen, "%s", "");
		return true;
	}
	n = open - 1 - value;
	snprintf(val, vlen, "%.*s", (int)n, value);
	n = strlen(open + 1) - 1;
	snprintf(why, wlen, "%.*s", (int)n, open + 1);
	return true;
}

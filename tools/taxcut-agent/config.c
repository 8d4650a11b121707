// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file (config.h): lines to command-line words.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

/* a file larger than this is not a configuration */
#define CONFIG_FILE_MAX	(1 << 20)

static int push(struct arg_list *l, const char *word, size_t len)
{
	char *copy;

	if (l->argc + 2 > l->room) {
		int room = l->room ? 2 * l->room : 16;
		char **more = realloc(l->argv, (size_t)room * sizeof(*more));

		if (!more)
			return -2;
		l->argv = more;
		l->room = room;
	}
	copy = strndup(word, len);
	if (!copy)
		return -2;
	l->argv[l->argc++] = copy;
	l->argv[l->argc] = NULL;
	return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const struct option *find(const struct option *opts, const char *name, size_t len)
{
	for (; opts->name; opts++)
		if (strlen(opts->name) == len && !strncmp(opts->name, name, len))
			return opts;
	return NULL;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int config_parse(const char *text, const char *name, const struct option *opts,
		 struct arg_list *out, char *err, size_t errlen)
{
	const char *line = text;
	unsigned int nr = 0;

	while (*line) {
		const char *end = strchrnul(line, '\n'), *p = line, *key, *value;
		const struct option *o;
		size_t key_len, value_len;
		char dashed[64];
		int ret;

		nr++;
		if ((size_t)(end - line) >= CONFIG_LINE_MAX)
			return fail(err, errlen, "%s:%u: line longer than %d bytes", name, nr,
				    CONFIG_LINE_MAX - 1);
		while (p < end && is_blank(*p))
			p++;
		if (p == end || *p == '#')
			goto next;
		key = p;
		while (p < end && !is_blank(*p))
			p++;
		key_len = (size_t)(p - key);
		while (p < end && is_blank(*p))
			p++;
		value = p;
		value_len = (size_t)(end - p);
		while (value_len && is_blank(value[value_len - 1]))
			value_len--;
		o = find(opts, key, key_len);
		if (!o || !strcmp(o->name, "config") || key_len + 3 > sizeof(dashed))
			return fail(err, errlen, "%s:%u: unknown option '%.*s'", name, nr,
				    (int)key_len, key);
		if (o->has_arg == required_argument && !value_len)
			return fail(err, errlen, "%s:%u: '%s' needs a value", name, nr, o->name);
		if (o->has_arg == no_argument && value_len)
			return fail(err, errlen, "%s:%u: '%s' takes no value", name, nr, o->name);
		snprintf(dashed, sizeof(dashed), "--%s", o->name);
		ret = push(out, dashed, strlen(dashed));
		if (!ret && value_len)
			ret = push(out, value, value_len);
		if (ret)
			return ret;
next:
		line = *end ? end + 1 : end;
	}
	return 0;
}

/* The whole file, NUL-terminated (a NUL inside it is refused). */
static char *read_config(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;

	if (!f) {
		fail(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(CONFIG_FILE_MAX + 1);
	if (text)
		len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	if (!text || ferror(f) || len > CONFIG_FILE_MAX || memchr(text, 0, len)) {
		fail(err, errlen, "cannot read %s: %s", path,
		     !text ? strerror(ENOMEM) : ferror(f) ? "read error" :
		     len > CONFIG_FILE_MAX ? "larger than 1 MiB" : "not text");
		free(text);
		fclose(f);
		return NULL;
	}
	fclose(f);
	text[len] = 0;
	return text;
}

int config_expand(int argc, char **argv, const struct option *opts, struct arg_list *out,
		  char *err, size_t errlen)
{
	int i, ret;

	*out = (struct arg_list){ 0 };
	if (argc < 1)
		return fail(err, errlen, "no program name");
	if (push(out, argv[0], strlen(argv[0])))
		goto nomem;
	for (i = 1; i < argc; i++) {
		const char *path = NULL;
		char *text;

		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config")) {
			if (i + 1 == argc)
				return fail(err, errlen, "--config needs a file");
			path = argv[++i];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			path = argv[i] + 9;
		}
		if (!path) {
			if (push(out, argv[i], strlen(argv[i])))
				goto nomem;
			continue;
		}
		text = read_config(path, err, errlen);
		if (!text)
			return -1;
		ret = config_parse(text, path, opts, out, err, errlen);
		free(text);
		if (ret == -2)
			goto nomem;
		if (ret)
			return ret;
	}
	for (; i < argc; i++)
		if (push(out, argv[i], strlen(argv[i])))
			goto nomem;
	return 0;
nomem:
	return fail(err, errlen, "%s", strerror(ENOMEM));
}

void arg_list_free(struct arg_list *l)
{
	int i;

	for (i = 0; i < l->argc; i++)
		free(l->argv[i]);
	free(l->argv);
	*l = (struct arg_list){ 0 };
}

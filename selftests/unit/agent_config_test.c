// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tools/taxcut-agent/config.c: the configuration file's
 * lines become the command line's words, and a bad line is refused with
 * its file and line number.
 */
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "tap.h"

static const struct option opts[] = {
	{ "vm", required_argument, NULL, 'v' },
	{ "poll", no_argument, NULL, 'p' },
	{ "threads", required_argument, NULL, 't' },
	{ "config", required_argument, NULL, 'C' },
	{ NULL, 0, NULL, 0 },
};

/* the words of @l after argv[0] (or all of them), joined by '|' */
static const char *joined(const struct arg_list *l, int from)
{
	static char buf[1024];
	int i;

	buf[0] = 0;
	for (i = from; i < l->argc; i++) {
		if (i > from)
			strcat(buf, "|");
		strcat(buf, l->argv[i]);
	}
	return buf;
}

static int parse(const char *text, struct arg_list *l, char *err)
{
	*l = (struct arg_list){ 0 };
	return config_parse(text, "agent.conf", opts, l, err, 128);
}

static void test_parse(void)
{
	struct arg_list l;
	char err[128] = "";
	int ret;

	ret = parse("# hosts\n\nthreads 2\n  vm   web=/run/w.sock:16,owner=qemu  \t\npoll\n"
		    "vm db=/run/a b.sock:4", &l, err);
	tap_ok(!ret && !strcmp(joined(&l, 0),
			       "--threads|2|--vm|web=/run/w.sock:16,owner=qemu|--poll|--vm|db=/run/a b.sock:4"),
	       "comments and blank lines skipped, blanks trimmed, a value keeps its inner spaces (%s)",
	       joined(&l, 0));
	tap_ok(l.argv[l.argc] == NULL, "the list ends with NULL, as argv does");
	arg_list_free(&l);

	ret = parse("threads 2\r\n", &l, err);
	tap_ok(!ret && !strcmp(joined(&l, 0), "--threads|2"), "a CRLF line ends like a LF one");
	arg_list_free(&l);

	ret = parse("", &l, err);
	tap_ok(!ret && l.argc == 0, "an empty file adds nothing");
	arg_list_free(&l);

	ret = parse("poll\nthread 2\n", &l, err);
	tap_ok(ret == -1 && !strcmp(err, "agent.conf:2: unknown option 'thread'"),
	       "an unknown option: refused with its line (%s)", err);
	arg_list_free(&l);

	ret = parse("vm\n", &l, err);
	tap_ok(ret == -1 && !strcmp(err, "agent.conf:1: 'vm' needs a value"),
	       "a missing value: refused (%s)", err);
	arg_list_free(&l);

	ret = parse("poll yes\n", &l, err);
	tap_ok(ret == -1 && !strcmp(err, "agent.conf:1: 'poll' takes no value"),
	       "a value where none is taken: refused (%s)", err);
	arg_list_free(&l);

	ret = parse("config other.conf\n", &l, err);
	tap_ok(ret == -1 && strstr(err, "unknown option 'config'"),
	       "a configuration does not include another (%s)", err);
	arg_list_free(&l);

	ret = parse("--threads 2\n", &l, err);
	tap_ok(ret == -1 && strstr(err, "unknown option '--threads'"),
	       "names are written without dashes (%s)", err);
	arg_list_free(&l);
}

static void test_long_line(void)
{
	char *text = malloc(CONFIG_LINE_MAX + 16), err[128] = "";
	struct arg_list l;
	int ret;

	strcpy(text, "vm ");
	memset(text + 3, 'a', CONFIG_LINE_MAX);
	text[CONFIG_LINE_MAX + 3] = 0;
	ret = parse(text, &l, err);
	tap_ok(ret == -1 && strstr(err, "agent.conf:1: line longer than"),
	       "a line of %d bytes or more is refused (%s)", CONFIG_LINE_MAX, err);
	arg_list_free(&l);
	free(text);
}

static void test_expand(void)
{
	char *argv[] = { "agent", "--threads", "1", "--config", "/nonexistent/agent.conf", NULL };
	char *argv2[] = { "agent", "--poll", "--", "--config", "x", NULL };
	struct arg_list l;
	char err[128] = "";
	int ret;

	ret = config_expand(5, argv, opts, &l, err, sizeof(err));
	tap_ok(ret == -1 && strstr(err, "cannot read /nonexistent/agent.conf"),
	       "a missing file: refused (%s)", err);
	arg_list_free(&l);

	ret = config_expand(3, argv, opts, &l, err, sizeof(err));
	tap_ok(!ret && !strcmp(joined(&l, 0), "agent|--threads|1"),
	       "without --config the command line is kept as it is");
	arg_list_free(&l);

	ret = config_expand(4, argv, opts, &l, err, sizeof(err));
	tap_ok(ret == -1 && !strcmp(err, "--config needs a file"), "--config at the end: refused");
	arg_list_free(&l);

	ret = config_expand(5, argv2, opts, &l, err, sizeof(err));
	tap_ok(!ret && !strcmp(joined(&l, 1), "--poll|--|--config|x"),
	       "after '--' nothing is expanded");
	arg_list_free(&l);
}

int main(void)
{
	tap_plan(14);
	test_parse();
	test_long_line();
	test_expand();
	return tap_done();
}

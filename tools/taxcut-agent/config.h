/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's configuration file (--config FILE): its command-line options,
 * one per line, the long name without the dashes and then the value, for
 * hosts whose --vm lists get long:
 *
 *	# /etc/taxcut/agent.conf
 *	threads 2
 *	fifo 10
 *	vm web=/run/taxcut/web.sock:16,owner=libvirt-qemu
 *	vm db=/run/taxcut/db.sock:32,irq-rate=40000
 *
 * Blank lines and lines starting with '#' are skipped. The file's options
 * take the place of --config on the command line, so options after it
 * override it (and --vm adds to it). No I/O here but through the caller's
 * buffers: config_expand() does the reading.
 */
#ifndef TAXCUT_AGENT_CONFIG_H
#define TAXCUT_AGENT_CONFIG_H

#include <getopt.h>
#include <stddef.h>

#define CONFIG_LINE_MAX	4096

struct arg_list {
	char **argv;
	int argc, room;
};

/*
 * Appends the options of @text (the file @name) to @out as "--NAME" and
 * "VALUE" words, each checked against @opts (known, its value present or
 * absent as the option needs; "config" itself is refused). Returns 0, -1
 * with "NAME:LINE: why" in @err, or -2 out of memory.
 */
int config_parse(const char *text, const char *name, const struct option *opts,
		 struct arg_list *out, char *err, size_t errlen);

/*
 * @argv with each "--config FILE" or "--config=FILE" replaced by the file's
 * options, in @out (argv[0] kept). Returns 0, or -1 with the reason in @err.
 */
int config_expand(int argc, char **argv, const struct option *opts, struct arg_list *out,
		  char *err, size_t errlen);

void arg_list_free(struct arg_list *l);

#endif /* TAXCUT_AGENT_CONFIG_H */

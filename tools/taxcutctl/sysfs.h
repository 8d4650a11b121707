/* SPDX-License-Identifier: GPL-2.0 */
/*
 * File access under the context's root: the only place taxcutctl touches
 * the file system. Paths are absolute ("/sys/..."); the root is put in
 * front of them.
 */
#ifndef TAXCUTCTL_SYSFS_H
#define TAXCUTCTL_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include "ctl.h"

#define SYSFS_TAXCUT	"/sys/kernel/taxcut"
#define SYSFS_CPUIDLE	"/sys/devices/system/cpu/cpuidle"
#define SYSFS_CPU	"/sys/devices/system/cpu"
#define SYSFS_CLOCKEVENTS "/sys/devices/system/clockevents"
#define SYSFS_MODULE	"/sys/module"
#define DEBUGFS		"/sys/kernel/debug"

/*
 * The whole file, NUL-terminated, trailing newline kept; NULL with errno
 * set if it cannot be read. The caller frees it.
 */
char *sysfs_read(struct ctl *c, const char *path);

/* The file's first line without its newline, or NULL (errno set). */
char *sysfs_read_line(struct ctl *c, const char *path);

bool sysfs_exists(struct ctl *c, const char *path);

/* Writes @value to the file: 0, or a negative errno. */
int sysfs_write(struct ctl *c, const char *path, const char *value);

/*
 * Numbers N of the entries PREFIX<N> of directory @dir, ascending, in
 * @out (room for @max); returns how many, or -1 if @dir cannot be read.
 */
int sysfs_list_numbered(struct ctl *c, const char *dir, const char *prefix,
			int *out, int max);

enum debugfs_state {
	DEBUGFS_MOUNTED,
	DEBUGFS_NOT_MOUNTED,
	DEBUGFS_NO_ACCESS,
};

/*
 * Whether debugfs is there to read: a mounted debugfs always has entries,
 * the bare mount point has none; only root may list it.
 */
enum debugfs_state debugfs_state(struct ctl *c);

/*
 * Why the debugfs file @path (absolute) cannot be read, for a line such as
 * "unknown: WHY": debugfs not mounted, not readable, or the file absent.
 */
void debugfs_why(struct ctl *c, const char *path, char *why, size_t len);

#endif /* TAXCUTCTL_SYSFS_H */

// SPDX-License-Identifier: GPL-2.0
/* File access under the context's root (see sysfs.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sysfs.h"

static char *full_path(struct ctl *c, const char *path)
{
	size_t len = strlen(c->root) + strlen(path) + 1;
	char *p = malloc(len);

	if (p)
		snprintf(p, len, "%s%s", c->root, path);
	return p;
}

char *sysfs_read(struct ctl *c, const char *path)
{
	char *p = full_path(c, path), *buf = NULL;
	size_t len = 0, room = 0;
	int fd, saved;

	if (!p)
		return NULL;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	free(p);
	if (fd < 0)
		return NULL;
	/* sysfs files report a size of 4096 whatever they hold: read to EOF */
	for (;;) {
		ssize_t n;

		if (room - len < 2) {
			char *more = realloc(buf, room ? 2 * room : 4096);

			if (!more)
				goto fail;
			buf = more;
			room = room ? 2 * room : 4096;
		}
		n = read(fd, buf + len, room - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return NULL;
}

char *sysfs_read_line(struct ctl *c, const char *path)
{
	char *s = sysfs_read(c, path);

	if (s)
		s[strcspn(s, "\n")] = '\0';
	return s;
}

bool sysfs_exists(struct ctl *c, const char *path)
{
	char *p = full_path(c, path);
	bool there = p && !access(p, F_OK);

	free(p);
	return there;
}

int sysfs_write(struct ctl *c, const char *path, const char *value)
{
	char *p = full_path(c, path);
	size_t len = strlen(value);
	ssize_t n;
	int fd, ret = 0;

	if (!p)
		return -ENOMEM;
	/* no O_CREAT: a parameter that is not there is not made up */
	fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	free(p);
	if (fd < 0)
		return -errno;
	/* one write: sysfs takes a store as a whole or refuses it */
	n = write(fd, value, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int sysfs_list_numbered(struct ctl *c, const char *dir, const char *prefix,
			int *out, int max)
{
	size_t plen = strlen(prefix);
	char *p = full_path(c, dir);
	struct dirent *e;
	int n = 0;
	DIR *d;

	d = p ? opendir(p) : NULL;
	free(p);
	if (!d)
		return -1;
	while ((e = readdir(d)) && n < max) {
		const char *num = e->d_name + plen;
		char *end;
		long v;

		if (strncmp(e->d_name, prefix, plen) || *num < '0' || *num > '9')
			continue;
		v = strtol(num, &end, 10);
		if (*end || v < 0 || v > 1 << 20)
			continue;
		out[n++] = (int)v;
	}
	closedir(d);
	qsort(out, n, sizeof(*out), cmp_int);
	return n;
}

enum debugfs_state debugfs_state(struct ctl *c)
{
	char *p = full_path(c, DEBUGFS);
	enum debugfs_state st = DEBUGFS_NOT_MOUNTED;
	struct dirent *e;
	DIR *d;

	d = p ? opendir(p) : NULL;
	free(p);
	if (!d)
		return errno == EACCES || errno == EPERM ? DEBUGFS_NO_ACCESS :
		       DEBUGFS_NOT_MOUNTED;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			st = DEBUGFS_MOUNTED;
			break;
		}
	}
	closedir(d);
	return st;
}

void debugfs_why(struct ctl *c, const char *path, char *why, size_t len)
{
	switch (debugfs_state(c)) {
	case DEBUGFS_NOT_MOUNTED:
		snprintf(why, len, "debugfs is not mounted (mount -t debugfs none %s)", DEBUGFS);
		return;
	case DEBUGFS_NO_ACCESS:
		snprintf(why, len, "%s is not readable (run as root)", DEBUGFS);
		return;
	case DEBUGFS_MOUNTED:
		break;
	}
	if (sysfs_exists(c, path))
		snprintf(why, len, "%s is not readable", path);
	else
		snprintf(why, len, "no %s", path);
}

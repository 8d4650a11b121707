// SPDX-License-Identifier: GPL-2.0
/* The agent's listening sockets: lock files, ownership, peer checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "sockets.h"

static int lock_path(const char *path, char *buf, size_t len)
{
	return snprintf(buf, len, "%s.lock", path) < (int)len ? 0 : -ENAMETOOLONG;
}

int socket_lock(const char *path)
{
	char lp[PATH_MAX];
	struct stat held, now;
	int fd, tries, err = lock_path(path, lp, sizeof(lp));

	if (err)
		return err;
	/*
	 * A lock file is removed by its holder as it stops; one opened just
	 * before that is a lock on nothing, so the lock taken must still be
	 * the file at the path.
	 */
	for (tries = 0; tries < 8; tries++) {
		fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			err = errno == EWOULDBLOCK ? -EBUSY : -errno;
			close(fd);
			return err;
		}
		if (!fstat(fd, &held) && !stat(lp, &now) && held.st_dev == now.st_dev &&
		    held.st_ino == now.st_ino)
			return fd;
		close(fd);
	}
	return -EAGAIN;
}

int socket_listen(const char *path, const struct socket_access *acc)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char tmp[sizeof(addr.sun_path) + 8];
	struct stat st;
	mode_t old;
	int fd, err;
	bool bound;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	/*
	 * Under the lock a socket left here is a dead agent's, unless someone
	 * still listens on it (a server that takes no lock): replace it only
	 * when a connection is refused.
	 */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		err = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ? errno : 0;
		close(fd);
		if (err != ECONNREFUSED)
			return -EADDRINUSE;
		unlink(path);
	}
	/*
	 * Made under a temporary name and renamed into place once it listens
	 * with its mode and owner: a client (QEMU started right after the
	 * agent) never finds the path before it accepts connections. The
	 * agent's lock makes the temporary name its own.
	 */
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, tmp, strlen(tmp) + 1);
	unlink(tmp);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* bind creates the file with exactly the mode asked for */
	old = umask(0777 & ~acc->mode);
	err = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ? -errno : 0;
	umask(old);
	bound = !err;
	/* and again: a default ACL on the directory overrides the umask */
	if (!err && chmod(tmp, acc->mode))
		err = -errno;
	if (!err && (acc->owner != (uid_t)-1 || acc->group != (gid_t)-1) &&
	    lchown(tmp, acc->owner, acc->group))
		err = -errno;
	if (!err && listen(fd, 8))
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		if (bound)
			unlink(tmp);
		close(fd);
		return err;
	}
	return fd;
}

void socket_release(const char *path, int listen_fd, int lock_fd)
{
	char lp[PATH_MAX];

	/* under the lock, the socket at the path is the one this agent made */
	if (listen_fd >= 0) {
		close(listen_fd);
		unlink(path);
	}
	if (lock_fd >= 0) {
		if (!lock_path(path, lp, sizeof(lp)))
			unlink(lp);
		close(lock_fd);
	}
}

bool socket_peer_allowed(int fd, const struct socket_access *acc, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uid_t owner = acc->owner == (uid_t)-1 ? geteuid() : acc->owner;

	*uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) || len != sizeof(cred))
		return false;
	*uid = cred.uid;
	return cred.uid == 0 || cred.uid == owner ||
	       (acc->group != (gid_t)-1 && cred.gid == acc->group);
}

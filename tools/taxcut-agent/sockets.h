/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's listening sockets: one lock file per socket path, so one
 * agent serves a path and no agent removes another's socket; the socket's
 * owner, group and mode; who may connect (SO_PEERCRED).
 */
#ifndef TAXCUT_AGENT_SOCKETS_H
#define TAXCUT_AGENT_SOCKETS_H

#include <stdbool.h>
#include <sys/types.h>

struct socket_access {
	uid_t owner;		/* (uid_t)-1: the agent's own uid */
	gid_t group;		/* (gid_t)-1: none */
	mode_t mode;		/* of the socket file; 0600 by default */
};

/*
 * Takes PATH.lock (created if needed) for this process. Returns the lock's
 * fd, -EBUSY if another process holds it (another agent serves @path), or
 * -errno.
 */
int socket_lock(const char *path);

/*
 * Listens on @path with @acc's owner, group and mode. The caller holds the
 * path's lock. A socket there that refuses connections is replaced; one
 * that accepts them is another server's (-EADDRINUSE); anything else is
 * refused (-EEXIST). Returns the listening fd or -errno.
 */
int socket_listen(const char *path, const struct socket_access *acc);

/*
 * Closes @listen_fd and removes the socket (if @listen_fd >= 0: only a
 * socket this agent made), then removes the lock file and lets the lock go
 * (if @lock_fd >= 0).
 */
void socket_release(const char *path, int listen_fd, int lock_fd);

/*
 * Whether the peer on @fd may connect: root, the socket's owner, or (when
 * @acc names a group) a process whose primary group it is. *@uid gets the
 * peer's uid ((uid_t)-1 if the kernel does not say).
 */
bool socket_peer_allowed(int fd, const struct socket_access *acc, uid_t *uid);

#endif /* TAXCUT_AGENT_SOCKETS_H */

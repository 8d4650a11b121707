/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ivshmem server protocol (QEMU docs/specs/ivshmem-spec.rst), both
 * ends: the agent is the server; the tests speak as a client. Messages are
 * little-endian int64 values, each with at most one file descriptor.
 */
#ifndef TAXCUT_AGENT_IVSHMEM_H
#define TAXCUT_AGENT_IVSHMEM_H

#include <stdint.h>

#define IVSHMEM_PROTOCOL_VERSION 0

/* 0 on success, -errno on failure; @fd < 0 sends no descriptor. */
int ivshmem_send(int sock, int64_t value, int fd);

/* 0 on success (*fd = -1 if none came), -errno, or -ECONNRESET at EOF. */
int ivshmem_recv(int sock, int64_t *value, int *fd);

#endif /* TAXCUT_AGENT_IVSHMEM_H */

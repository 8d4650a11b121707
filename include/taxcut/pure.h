/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only header a pure taxcut file includes: fixed-width types, bool and
 * snprintf, from the kernel when built into a module, from libc when built
 * into a userspace unit test. Pure files hold policy and algorithms and
 * never touch kernel state, so they can be tested on their own.
 */
#ifndef _TAXCUT_PURE_H
#define _TAXCUT_PURE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#endif /* __KERNEL__ */

#endif /* _TAXCUT_PURE_H */

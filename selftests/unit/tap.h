/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP producer for taxcut's userspace unit tests. */
#ifndef _TAXCUT_TAP_H
#define _TAXCUT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline void tap_plan(int n)
{
	printf("1..%d\n", n);
}

static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return cond;
}

#define tap_eq_u(got, want, what) \
	(tap_ok((got) == (want), "%s", (what)) ? 1 : \
	 (printf("#   got 0x%llx, want 0x%llx\n", \
		 (unsigned long long)(got), (unsigned long long)(want)), 0))

#define tap_eq_s(got, want, what) \
	(tap_ok(strcmp((got), (want)) == 0, "%s", (what)) ? 1 : \
	 (printf("#   got \"%s\", want \"%s\"\n", (got), (want)), 0))

static inline int tap_done(void)
{
	return tap_failed ? 1 : 0;
}

#endif /* _TAXCUT_TAP_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernels taxcut supports (Debian's
 * 6.1 and 6.12). The rest of taxcut is written for one kernel API.
 */
#ifndef _TAXCUT_COMPAT_H
#define _TAXCUT_COMPAT_H

/* Nothing differs today: taxcut uses only interfaces both kernels export. */

#endif /* _TAXCUT_COMPAT_H */

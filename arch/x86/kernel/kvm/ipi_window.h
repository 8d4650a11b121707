/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Grouping IPI destinations into KVM_HC_SEND_IPI windows: 128 bits, bit n
 * standing for APIC ID base + n. Destinations arrive in any order (CPU
 * numbers do not follow APIC IDs); one window is kept open and grows down as
 * well as up while everything seen fits in 128 IDs. Pure.
 */
#ifndef _TAXCUT_IPI_WINDOW_H
#define _TAXCUT_IPI_WINDOW_H

#include <taxcut/pure.h>

#define TC_IPI_WINDOW_BITS	128u

struct tc_ipi_window {
	u32 base;		/* APIC ID of bit 0 */
	u32 top;		/* highest APIC ID set */
	u64 bits[2];		/* bits[0] = hypercall a0, bits[1] = a1 */
};

static inline void tc_ipi_window_init(struct tc_ipi_window *w)
{
	w->base = 0;
	w->top = 0;
	w->bits[0] = 0;
	w->bits[1] = 0;
}

static inline bool tc_ipi_window_empty(const struct tc_ipi_window *w)
{
	return !(w->bits[0] | w->bits[1]);
}

static inline bool tc_ipi_window_test(const struct tc_ipi_window *w, u32 apic_id)
{
	u32 n = apic_id - w->base;

	return apic_id >= w->base && n < TC_IPI_WINDOW_BITS &&
	       (w->bits[n / 64] >> (n % 64)) & 1;
}

/* No real vCPU has this x2APIC ID (it means broadcast). */
#define TC_IPI_EXCLUDE_NONE	0xffffffffu

/*
 * Adds @apic_id to @w unless it is @exclude (the sender, for all-but-self).
 * When it does not fit, the open window is moved to @full (to be sent now)
 * and @w restarts at @apic_id: returns true then.
 */
bool tc_ipi_window_add(struct tc_ipi_window *w, u32 apic_id, u32 exclude,
		       struct tc_ipi_window *full);

#endif /* _TAXCUT_IPI_WINDOW_H */

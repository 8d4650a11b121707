// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_HC_SEND_IPI windows, built one destination at a time.
 *
 * The window is anchored at the lowest ID seen so far (the hypercall's a2).
 * A lower ID moves the anchor down if the highest ID still fits, which
 * shifts the bitmap up; anything else that does not fit closes the window.
 * Each ID ends up in exactly one window, and for IDs that arrive in
 * ascending or descending order the windows are as few as possible.
 */
#include "ipi_window.h"

static void set_bit128(u64 bits[2], u32 n)
{
	bits[n / 64] |= 1ull << (n % 64);
}

/* bits <<= n for 0 < n < 128 */
static void shift_up128(u64 bits[2], u32 n)
{
	if (n >= 64) {
		bits[1] = bits[0] << (n - 64);
		bits[0] = 0;
	} else {
		bits[1] = bits[1] << n | bits[0] >> (64 - n);
		bits[0] <<= n;
	}
}

static void start(struct tc_ipi_window *w, u32 apic_id)
{
	w->base = apic_id;
	w->top = apic_id;
	w->bits[0] = 1;
	w->bits[1] = 0;
}

bool tc_ipi_window_add(struct tc_ipi_window *w, u32 apic_id, u32 exclude,
		       struct tc_ipi_window *full)
{
	if (apic_id == exclude)
		return false;
	if (tc_ipi_window_empty(w)) {
		start(w, apic_id);
		return false;
	}
	if (apic_id >= w->base && apic_id - w->base < TC_IPI_WINDOW_BITS) {
		set_bit128(w->bits, apic_id - w->base);
		if (apic_id > w->top)
			w->top = apic_id;
		return false;
	}
	if (apic_id < w->base && w->top - apic_id < TC_IPI_WINDOW_BITS) {
		shift_up128(w->bits, w->base - apic_id);
		w->base = apic_id;
		set_bit128(w->bits, 0);
		return false;
	}
	*full = *w;
	start(w, apic_id);
	return true;
}

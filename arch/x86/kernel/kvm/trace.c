// SPDX-License-Identifier: GPL-2.0
/*
 * taxcut's trace events (include/trace/events/taxcut.h) live here: in
 * taxcut.ko on stock kernels; in the kernel itself where a part of taxcut
 * is built in (CONFIG_TAXCUT_TRACE), which exports them to taxcut.ko, so
 * each event exists once whatever is loaded.
 */
#if !defined(MODULE) || !defined(TC_KERNEL_HAS_TRACE)
#define CREATE_TRACE_POINTS
#include <trace/events/taxcut.h>

#ifndef MODULE
EXPORT_TRACEPOINT_SYMBOL_GPL(idle_period);
EXPORT_TRACEPOINT_SYMBOL_GPL(poll_window);
EXPORT_TRACEPOINT_SYMBOL_GPL(timer_arm);
EXPORT_TRACEPOINT_SYMBOL_GPL(timer_fire);
EXPORT_TRACEPOINT_SYMBOL_GPL(timer_fallback);
EXPORT_TRACEPOINT_SYMBOL_GPL(timer_reattach);
#endif
#endif

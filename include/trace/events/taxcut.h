/* SPDX-License-Identifier: GPL-2.0 */
/*
 * taxcut's trace events (system "taxcut": perf list, perf stat -e
 * 'taxcut:*', trace-cmd). Off, each costs a patched-out branch (a static
 * key) where it sits. docs/tracing.md lists them with their fields.
 * Defined once (arch/x86/kernel/kvm/trace.c): by taxcut.ko, or by the
 * kernel where a part of taxcut is built in.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM taxcut

#if !defined(_TRACE_TAXCUT_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_TAXCUT_H

#include <linux/tracepoint.h>

/* The policy's enums, in its order (haltpoll_policy.h). */
#define taxcut_show_outcome(o)					\
	__print_symbolic(o, { 0, "caught" }, { 1, "timed_out" },	\
			 { 2, "timer_capped" }, { 3, "halted" },	\
			 { 4, "not_idle" })
#define taxcut_show_change(r)					\
	__print_symbolic(r, { 0, "kept" }, { 1, "grew" },	\
			 { 2, "shrank" }, { 3, "switched" })

/*
 * An idle period of taxcut's poll-then-halt, when the policy learns from
 * it: at the CPU's next idle entry (the wakeup path stays short).
 */
TRACE_EVENT(idle_period,
	TP_PROTO(unsigned int cpu, u64 budget_ns, u64 polled_ns, u64 idle_ns,
		 unsigned int outcome),
	TP_ARGS(cpu, budget_ns, polled_ns, idle_ns, outcome),
	TP_STRUCT__entry(
		__field(unsigned int, cpu)
		__field(unsigned int, outcome)
		__field(u64, budget_ns)
		__field(u64, polled_ns)
		__field(u64, idle_ns)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->outcome = outcome;
		__entry->budget_ns = budget_ns;
		__entry->polled_ns = polled_ns;
		__entry->idle_ns = idle_ns;
	),
	TP_printk("cpu=%u budget_ns=%llu polled_ns=%llu idle_ns=%llu outcome=%s",
		  __entry->cpu, __entry->budget_ns, __entry->polled_ns,
		  __entry->idle_ns, taxcut_show_outcome(__entry->outcome))
);

/* The poll window after a period, when it changed, and why. */
TRACE_EVENT(poll_window,
	TP_PROTO(unsigned int cpu, unsigned int context, u32 old_ns, u32 new_ns,
		 u32 target_ns, unsigned int reason),
	TP_ARGS(cpu, context, old_ns, new_ns, target_ns, reason),
	TP_STRUCT__entry(
		__field(unsigned int, cpu)
		__field(unsigned int, context)
		__field(u32, old_ns)
		__field(u32, new_ns)
		__field(u32, target_ns)
		__field(unsigned int, reason)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->context = context;
		__entry->old_ns = old_ns;
		__entry->new_ns = new_ns;
		__entry->target_ns = target_ns;
		__entry->reason = reason;
	),
	TP_printk("cpu=%u context=%u old_ns=%u new_ns=%u target_ns=%u reason=%s",
		  __entry->cpu, __entry->context, __entry->old_ns, __entry->new_ns,
		  __entry->target_ns, taxcut_show_change(__entry->reason))
);

/*
 * A deadline written to the CPU's exitless timer slot (route "slot"),
 * "near" if before the agent's horizon (it may wait up to it). After a
 * fallback the CPUs are on the kernel's LAPIC timer: not ours to trace.
 */
TRACE_EVENT(timer_arm,
	TP_PROTO(unsigned int cpu, u64 expires_ns, u64 deadline_ns, bool near),
	TP_ARGS(cpu, expires_ns, deadline_ns, near),
	TP_STRUCT__entry(
		__field(unsigned int, cpu)
		__field(bool, near)
		__field(u64, expires_ns)
		__field(u64, deadline_ns)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->near = near;
		__entry->expires_ns = expires_ns;
		__entry->deadline_ns = deadline_ns;
	),
	TP_printk("cpu=%u expires_ns=%llu deadline_ns=%llu route=%s",
		  __entry->cpu, __entry->expires_ns, __entry->deadline_ns,
		  __entry->near ? "slot-near" : "slot")
);

#define taxcut_show_fire(h)						\
	__print_symbolic(h, { 0, "on_time" }, { 1, "spun" },		\
			 { 2, "reprogrammed" }, { 3, "forwarded" },	\
			 { 4, "rescued" }, { 5, "stale" })

/*
 * The agent's interrupt for the CPU's slot, what became of it: delivered
 * (on time, or after spinning out an early arrival), written again (too
 * early; fired on another CPU; fired but never delivered), or stale.
 */
TRACE_EVENT(timer_fire,
	TP_PROTO(unsigned int cpu, unsigned int how, s64 early_ns),
	TP_ARGS(cpu, how, early_ns),
	TP_STRUCT__entry(
		__field(unsigned int, cpu)
		__field(unsigned int, how)
		__field(s64, early_ns)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->how = how;
		__entry->early_ns = early_ns;
	),
	TP_printk("cpu=%u how=%s early_ns=%lld", __entry->cpu,
		  taxcut_show_fire(__entry->how), __entry->early_ns)
);

/* Every CPU back on the LAPIC timer: the agent stopped serving. */
TRACE_EVENT(timer_fallback,
	TP_PROTO(const char *why, u64 heartbeat),
	TP_ARGS(why, heartbeat),
	TP_STRUCT__entry(
		/* fixed size: __assign_str() changed its arguments in 6.10 */
		__array(char, why, 64)
		__field(u64, heartbeat)
	),
	TP_fast_assign(
		strscpy(__entry->why, why, sizeof(__entry->why));
		__entry->heartbeat = heartbeat;
	),
	TP_printk("why=\"%s\" heartbeat=%llu", __entry->why, __entry->heartbeat)
);

/* The agent beats steadily again: the CPUs are back on the exitless timer. */
TRACE_EVENT(timer_reattach,
	TP_PROTO(int cpus),
	TP_ARGS(cpus),
	TP_STRUCT__entry(
		__field(int, cpus)
	),
	TP_fast_assign(
		__entry->cpus = cpus;
	),
	TP_printk("cpus=%d", __entry->cpus)
);

#ifndef MODULE
/*
 * IPIs sent by the built-in PV IPI sender (arch/x86/kernel/kvm/taxcut_guest.c):
 * one event per send, with the KVM_HC_SEND_IPI calls it took (one per
 * window of 128 APIC IDs) and the windows sent natively (the host refused
 * the hypercall).
 */
TRACE_EVENT(pv_ipi,
	TP_PROTO(int vector, unsigned int targets, unsigned int hypercalls,
		 unsigned int native_windows),
	TP_ARGS(vector, targets, hypercalls, native_windows),
	TP_STRUCT__entry(
		__field(int, vector)
		__field(unsigned int, targets)
		__field(unsigned int, hypercalls)
		__field(unsigned int, native_windows)
	),
	TP_fast_assign(
		__entry->vector = vector;
		__entry->targets = targets;
		__entry->hypercalls = hypercalls;
		__entry->native_windows = native_windows;
	),
	TP_printk("vector=0x%x targets=%u hypercalls=%u native_windows=%u",
		  __entry->vector, __entry->targets, __entry->hypercalls,
		  __entry->native_windows)
);
#endif

#endif /* _TRACE_TAXCUT_H */

/* This part must be outside the include guard. */
#include <trace/define_trace.h>

// SPDX-License-Identifier: GPL-2.0
/*
 * Runtime tunables of the adaptive haltpoll policy, with upstream's names
 * where the meaning is the same. A write is checked against the policy's
 * bounds (tc_hp_params_invalid()) and refused with -EINVAL as a whole;
 * a taken write brings every CPU's state inside the new bounds at once.
 */
#define pr_fmt(fmt) "taxcut: haltpoll: " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include "haltpoll_tunables.h"

/* built in, the governor's parameters live under taxcut_haltpoll. */
#ifndef MODULE
#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "taxcut_haltpoll."
#endif

static struct tc_hp_params tunables = TC_HP_DEFAULT_PARAMS;
static DEFINE_MUTEX(tunables_lock);

void notrace tc_hp_tunables_read(struct tc_hp_params *p)
{
	unsigned int i;

	p->max_ns = READ_ONCE(tunables.max_ns);
	p->grow = READ_ONCE(tunables.grow);
	p->grow_start_ns = READ_ONCE(tunables.grow_start_ns);
	p->shrink = READ_ONCE(tunables.shrink);
	p->allow_shrink = READ_ONCE(tunables.allow_shrink);
	p->hit_worth_ns = READ_ONCE(tunables.hit_worth_ns);
	p->halt_cost_ns = READ_ONCE(tunables.halt_cost_ns);
	for (i = 0; i < TC_HP_COST_POINTS; i++)
		p->halt_cost_at_ns[i] = READ_ONCE(tunables.halt_cost_at_ns[i]);
	/* read during a new measurement's store: a mix, put in order */
	if (!p->halt_cost_at_ns[0])
		memset(p->halt_cost_at_ns, 0, sizeof(p->halt_cost_at_ns));
	else
		tc_hp_cost_table_fix(p->halt_cost_at_ns);
}

void tc_hp_tunables_set_halt_cost(u32 ns, const u32 *at_ns)
{
	unsigned int i;

	mutex_lock(&tunables_lock);
	WRITE_ONCE(tunables.halt_cost_ns, min_t(u32, ns, TC_HP_MAX_NS));
	/* a reader may see old and new points mixed: it puts them in order */
	for (i = 0; i < TC_HP_COST_POINTS; i++)
		WRITE_ONCE(tunables.halt_cost_at_ns[i], at_ns[i]);
	mutex_unlock(&tunables_lock);
}

/* Applies @set to a copy of the tunables; commits only a valid result. */
static int tunables_update(const struct kernel_param *kp, const char *val,
			   int (*set)(void *field, const char *val))
{
	size_t offset = (char *)kp->arg - (char *)&tunables;
	struct tc_hp_params next;
	const char *bad;

	mutex_lock(&tunables_lock);
	next = tunables;
	bad = set((char *)&next + offset, val) ? kp->name : tc_hp_params_invalid(&next);
	if (bad) {
		mutex_unlock(&tunables_lock);
		pr_err("%s: invalid value \"%.*s\" (modinfo lists the ranges)\n",
		       bad, (int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	/* field by field: any mix of old and new values a reader sees is valid */
	WRITE_ONCE(tunables.max_ns, next.max_ns);
	WRITE_ONCE(tunables.grow, next.grow);
	WRITE_ONCE(tunables.grow_start_ns, next.grow_start_ns);
	WRITE_ONCE(tunables.shrink, next.shrink);
	WRITE_ONCE(tunables.allow_shrink, next.allow_shrink);
	WRITE_ONCE(tunables.hit_worth_ns, next.hit_worth_ns);
	tc_hp_tunables_changed(&next);
	mutex_unlock(&tunables_lock);
	return 0;
}

static int set_u32(void *field, const char *val)
{
	return kstrtou32(val, 0, field);
}

static int set_bool(void *field, const char *val)
{
	return kstrtobool(val, field);
}

static int param_set_hp_u32(const char *val, const struct kernel_param *kp)
{
	return tunables_update(kp, val, set_u32);
}

static int param_set_hp_bool(const char *val, const struct kernel_param *kp)
{
	return tunables_update(kp, val, set_bool);
}

static const struct kernel_param_ops hp_u32_ops = {
	.set = param_set_hp_u32,
	.get = param_get_uint,
};

static const struct kernel_param_ops hp_bool_ops = {
	.set = param_set_hp_bool,
	.get = param_get_bool,
};

module_param_cb(guest_halt_poll_ns, &hp_u32_ops, &tunables.max_ns, 0644);
MODULE_PARM_DESC(guest_halt_poll_ns, "longest poll window, ns (0-8000000; 200000)");
module_param_cb(guest_halt_poll_grow, &hp_u32_ops, &tunables.grow, 0644);
MODULE_PARM_DESC(guest_halt_poll_grow,
		 "most the window grows per idle period, factor (0-64, 0: at once; 2)");
module_param_cb(guest_halt_poll_grow_start, &hp_u32_ops, &tunables.grow_start_ns, 0644);
MODULE_PARM_DESC(guest_halt_poll_grow_start, "first window when polling starts, ns (0-8000000; 50000)");
module_param_cb(guest_halt_poll_shrink, &hp_u32_ops, &tunables.shrink, 0644);
MODULE_PARM_DESC(guest_halt_poll_shrink,
		 "most the window shrinks per idle period, divisor (0-64, 0: at once; 2)");
module_param_cb(guest_halt_poll_allow_shrink, &hp_bool_ops, &tunables.allow_shrink, 0644);
MODULE_PARM_DESC(guest_halt_poll_allow_shrink, "let the window shrink (Y)");
module_param_cb(hit_worth_ns, &hp_u32_ops, &tunables.hit_worth_ns, 0644);
MODULE_PARM_DESC(hit_worth_ns,
		 "wasted polling one wakeup caught by polling is worth, ns (0-10000000; 0: the measured halt cost)");

void tc_hp_seq_header(struct seq_file *m)
{
	seq_puts(m, "cpu window_ns target_ns polls hits timed_out halts poll_ns wasted_ns timer_capped periods window_changes\n");
}

/* Counters of a running CPU: each read alone, they may lag one another. */
void tc_hp_seq_cpu(struct seq_file *m, int cpu, const struct tc_hp_cpu *c)
{
	const struct tc_hp_stats *s = &c->stats;

	seq_printf(m, "%d %u %u %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", cpu,
		   READ_ONCE(c->window_ns), READ_ONCE(c->target_ns),
		   READ_ONCE(s->polls), READ_ONCE(s->poll_hits),
		   READ_ONCE(s->poll_misses), READ_ONCE(s->halts),
		   READ_ONCE(s->poll_ns), READ_ONCE(s->wasted_ns),
		   READ_ONCE(s->timer_capped), READ_ONCE(s->periods),
		   READ_ONCE(s->window_changes));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * taxcut's exitless timer, guest side: the device. A PCI driver for QEMU's
 * ivshmem-doorbell (1af4:1110) whose BAR2 holds the region taxcut-agent
 * serves (include/uapi/taxcut/exitless_timer.h). It recognises taxcut's
 * region by its header and leaves any other ivshmem user alone, takes one
 * MSI-X vector per CPU with that CPU's affinity, and puts the per-CPU
 * clockevent (taxcut_clockevent.c) in front of each CPU's LAPIC timer from
 * a CPU hotplug state. When the agent stops beating, every CPU goes back
 * to its LAPIC timer; if the beat resumes on the same region, they come
 * back. docs/exitless-timer.md has the rules and bounds.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <linux/sysfs.h>
#include <trace/events/taxcut.h>
#include "taxcut.h"
#include "taxcut_timer.h"

#define IVSHMEM_VENDOR_ID	0x1af4
#define IVSHMEM_DEVICE_ID	0x1110
#define IVSHMEM_REGION_BAR	2

static struct tc_timer_dev *tc_timer;
static DEFINE_MUTEX(tc_timer_lock);

static int tc_exitless_set(const char *val, const struct kernel_param *kp);
static void tc_timer_begin(struct tc_timer_dev *dev);

static bool exitless_timer = true;
static const struct kernel_param_ops tc_exitless_ops = {
	.set = tc_exitless_set,
	.get = param_get_bool,
};
module_param_cb(exitless_timer, &tc_exitless_ops, &exitless_timer, 0644);
MODULE_PARM_DESC(exitless_timer,
		 "use the agent's timer region for the tick (default on); 0 at runtime hands every CPU back");

static unsigned int timer_watch_ms = 50;
module_param(timer_watch_ms, uint, 0444);
MODULE_PARM_DESC(timer_watch_ms,
		 "how often the housekeeping CPU looks at the agent, 10..1000 (default 50)");

#define TC_SPIN_MAX_NS	50000	/* an interrupt this early is waited out */
#define TC_LOST_WATCH_MS 100	/* while the agent is lost: how often to look for it */
/* a deadline the agent's clock passed this long ago without a fire: agent failing */
#define TC_OVERDUE_NS	(10 * NSEC_PER_MSEC)
/* fires one CPU acted on with no interrupt arriving in between: its vector is dead */
#define TC_UNANSWERED_MAX	3
/*
 * How long a lost agent must beat at every look before the CPUs go back to
 * it: 1 s after the first fallback, doubling with each further one up to
 * 64 s; forgotten after 10 minutes without a fallback.
 */
#define TC_HOLDOFF_MS		1000u
#define TC_HOLDOFF_MAX_MS	64000u
#define TC_HOLDOFF_FORGET_MS	600000u

static struct tc_timer_dev *tc_hp_dev;	/* the device the hotplug state serves */

/* A CPU with a slot and a vector, other than the housekeeping CPU. */
static bool tc_serves(struct tc_timer_dev *dev, unsigned int cpu)
{
	return cpu != TC_HOUSEKEEPING_CPU && cpu < dev->nr_cpus;
}

/* Under dev->lock: may CPUs be on the exitless timer now? */
static bool tc_may_attach(struct tc_timer_dev *dev)
{
	return !READ_ONCE(dev->agent_lost) && !dev->stopping && !dev->disabled;
}

static int tc_cpu_online(unsigned int cpu)
{
	struct tc_timer_dev *dev = tc_hp_dev;

	if (!tc_serves(dev, cpu))
		return 0;
	/* the vector follows its CPU (also while the agent is lost: it may return) */
	if (irq_set_affinity(dev->cpus[cpu].irq, cpumask_of(cpu))) {
		pr_warn("taxcut: CPU %u: cannot steer its timer vector, keeping the LAPIC timer\n",
			cpu);
		return 0;
	}
	mutex_lock(&dev->lock);
	if (tc_may_attach(dev))
		tc_clockevent_attach(&dev->cpus[cpu]);
	mutex_unlock(&dev->lock);
	return 0;
}

static int tc_cpu_offline(unsigned int cpu)
{
	struct tc_timer_dev *dev = tc_hp_dev;

	if (tc_serves(dev, cpu)) {
		struct tc_timer_cpu *c = &dev->cpus[cpu];

		mutex_lock(&dev->lock);
		tc_clockevent_detach(c);
		if (c->attached) {
			/* it goes down with taxcut-et, which the tick code drops then: not ours to touch */
			pr_warn("taxcut: CPU %u goes offline on taxcut-et\n", cpu);
			WRITE_ONCE(c->attached, false);
		}
		mutex_unlock(&dev->lock);
	}
	return 0;
}

/* Every CPU back to its LAPIC timer. */
static void tc_detach_all(struct tc_timer_dev *dev)
{
	unsigned int cpu;

	cpus_read_lock();
	mutex_lock(&dev->lock);
	for (cpu = 0; cpu < dev->nr_cpus; cpu++)
		tc_clockevent_detach(&dev->cpus[cpu]);
	mutex_unlock(&dev->lock);
	cpus_read_unlock();
}

static long tc_attach_on_cpu(void *arg)
{
	return tc_clockevent_attach(arg);
}

/* Every online CPU served onto the exitless timer, unless it may not be. */
static void tc_attach_all(struct tc_timer_dev *dev)
{
	unsigned int cpu;

	cpus_read_lock();
	mutex_lock(&dev->lock);
	if (tc_may_attach(dev))
		for_each_online_cpu(cpu)
			if (tc_serves(dev, cpu))
				work_on_cpu(cpu, tc_attach_on_cpu, &dev->cpus[cpu]);
	mutex_unlock(&dev->lock);
	cpus_read_unlock();
}

static int tc_cpus_attached(struct tc_timer_dev *dev)
{
	unsigned int cpu;
	int n = 0;

	for (cpu = 0; cpu < dev->nr_cpus; cpu++)
		n += tc_clockevent_bound(&dev->cpus[cpu]);
	return n;
}

static void tc_watch_again(struct tc_timer_dev *dev, unsigned int ms)
{
	if (!READ_ONCE(dev->stopping))
		mod_delayed_work_on(TC_HOUSEKEEPING_CPU, system_wq, &dev->watch_work,
				    msecs_to_jiffies(ms));
}

/*
 * From any context (a served CPU programming its timer): the agent looks
 * dead from there. Only the watch decides; this asks it to look now.
 */
void tc_timer_agent_lost(struct tc_timer_dev *dev)
{
	irq_work_queue(&dev->kick);	/* false: already on its way */
}

static void tc_kick_work(struct irq_work *work)
{
	tc_watch_again(container_of(work, struct tc_timer_dev, kick), 0);
}

/* While the agent is lost: look every 100 ms, or two of its promised beats. */
static unsigned int tc_lost_watch_ms(struct tc_timer_dev *dev)
{
	u64 promise = min_t(u64, READ_ONCE(dev->header->heartbeat_ns), NSEC_PER_SEC);

	return max_t(unsigned int, TC_LOST_WATCH_MS, div_u64(2 * promise, NSEC_PER_MSEC));
}

/* In the watch: every served CPU back to its LAPIC timer, then wait for the agent. */
static void tc_fall_back(struct tc_timer_dev *dev, const char *why)
{
	struct taxcut_et_header *h = dev->header;

	WRITE_ONCE(dev->agent_lost, 1);
	/* heartbeat is the agent's release store */
	dev->lost_beat = smp_load_acquire(&h->heartbeat);
	tc_detach_all(dev);
	dev->fallbacks++;
	trace_timer_fallback(why, dev->lost_beat);
	/*
	 * Each fallback doubles the steady beating wanted back, so a flapping
	 * agent settles; a fallback long after the last re-attach starts over.
	 */
	dev->steady_ms = 0;
	if (time_after(jiffies, dev->reattached_at + msecs_to_jiffies(TC_HOLDOFF_FORGET_MS)))
		dev->holdoff_ms = 0;
	dev->holdoff_ms = min(max(2 * dev->holdoff_ms, TC_HOLDOFF_MS), TC_HOLDOFF_MAX_MS);
	dev_warn_ratelimited(&dev->pdev->dev,
			     "taxcut: the timer agent %s (heartbeat %llu): every CPU is back on the LAPIC timer\n",
			     why, READ_ONCE(h->heartbeat));
}

/* The header is this protocol's and this guest's: a migration may change it. */
static bool tc_header_ours(struct tc_timer_dev *dev)
{
	struct taxcut_et_header *h = dev->header;

	return READ_ONCE(h->version) == TAXCUT_ET_VERSION &&
	       READ_ONCE(h->nr_slots) == dev->nr_slots && READ_ONCE(h->heartbeat_ns);
}

/*
 * How long past its deadline (agent clock) a slot may wait unfired before
 * the agent counts as failing this guest: two scans beyond the overdue
 * grace, and it must be the same deadline at two looks in a row.
 */
static u64 tc_overdue_grace(struct tc_timer_dev *dev)
{
	return TC_OVERDUE_NS + 2 * min_t(u64, READ_ONCE(dev->header->scan_period_ns), NSEC_PER_SEC);
}

/*
 * Fires acted on by @c's CPU (rescued, or forwarded from another CPU) with
 * no interrupt arriving on it in between: counted by that CPU, not here,
 * since a vCPU the host does not run for a while runs neither. At
 * TC_UNANSWERED_MAX the vector does not deliver (on KVM, an irqfd not
 * wired again after a migration, say): rescuing for ever would leave the
 * CPU's timers to the rescues' pace.
 */
static bool tc_vector_dead(struct tc_timer_dev *dev, struct tc_timer_cpu *c)
{
	if (READ_ONCE(c->unanswered) < TC_UNANSWERED_MAX)
		return false;
	dev->overdue++;
	return true;
}

/*
 * The housekeeping CPU's watch while the CPUs are on the agent: it beats,
 * and no slot waits past its deadline unfired. The served CPUs have no
 * other timer: this is what notices an agent gone while they sleep.
 * Returns why the agent counts as lost, or NULL.
 */
static const char *tc_watch_served(struct tc_timer_dev *dev)
{
	struct taxcut_et_header *h = dev->header;
	/* before the beat: a look delayed in between only ages the beat less */
	u64 now = ktime_get_mono_fast_ns();
	u64 beat = smp_load_acquire(&h->heartbeat);	/* the agent's release */
	/* the agent stores its clock, then releases the instance */
	u64 instance = smp_load_acquire(&h->instance);
	u64 agent_now = READ_ONCE(h->now_ns), grace = tc_overdue_grace(dev);
	unsigned int cpu;

	if (!tc_header_ours(dev))
		return READ_ONCE(h->heartbeat_ns) ? "serves another protocol or guest" : "stopped";
	if (!et_agent_alive(&dev->live, beat, READ_ONCE(h->heartbeat_ns), now))
		return "stopped beating";
	for (cpu = 0; cpu < dev->nr_cpus; cpu++) {
		struct tc_timer_cpu *c = &dev->cpus[cpu];
		struct taxcut_et_slot *s = c->slot;
		u32 seq = smp_load_acquire(&s->seq);	/* its CPU's release */

		if ((seq & 1) || !tc_clockevent_bound(c) || !READ_ONCE(s->deadline_ns)) {
			c->suspect = false;
			c->foreign = false;
			continue;
		}
		/* before any rescue: none is sent to a CPU whose vector is dead */
		if (tc_vector_dead(dev, c))
			return "fires, but its interrupts do not arrive";
		if (READ_ONCE(s->instance) != instance) {
			/*
			 * Armed in another instance's clock (a migration, a
			 * loaded snapshot): the agent fires it at once, but
			 * that interrupt may be lost while the VM's vectors are
			 * restored. Seen twice, the CPU writes it again in this
			 * clock.
			 */
			c->suspect = false;
			if (c->foreign && c->foreign_seq == seq) {
				c->foreign = false;
				if (READ_ONCE(c->armed))
					tc_clockevent_rescue(c, seq);
				continue;
			}
			c->foreign = true;
			c->foreign_seq = seq;
			continue;
		}
		c->foreign = false;
		if (!et_overdue(READ_ONCE(s->deadline_ns), agent_now, grace)) {
			c->suspect = false;
			continue;
		}
		if (READ_ONCE(s->fired_seq) == seq) {
			/* fired, never taken: the CPU writes it again (racy reads: it checks) */
			if (READ_ONCE(c->armed))
				tc_clockevent_rescue(c, seq);
			continue;
		}
		if (!c->suspect || c->suspect_seq != seq) {
			c->suspect = true;	/* once may be a pass in flight: look again */
			c->suspect_seq = seq;
			continue;
		}
		dev->overdue++;
		return "beats but does not fire";
	}
	return NULL;
}

/*
 * On the housekeeping CPU, for as long as the device is up, and the only
 * place the CPUs are taken off the agent or put back on it. A killed agent
 * does not come back on this region (QEMU maps a region once); one that
 * was stopped, paused or starved does: it beats again.
 */
static void tc_watch_work(struct work_struct *work)
{
	struct tc_timer_dev *dev = container_of(work, struct tc_timer_dev, watch_work.work);
	struct taxcut_et_header *h = dev->header;
	u64 beat = smp_load_acquire(&h->heartbeat);	/* the agent's release */
	unsigned int period = tc_lost_watch_ms(dev);
	const char *why;

	if (READ_ONCE(dev->stopping))
		return;
	if (!READ_ONCE(dev->agent_lost)) {
		why = tc_watch_served(dev);
		if (!why) {
			tc_watch_again(dev, dev->watch_ms);
			return;
		}
		tc_fall_back(dev, why);
		tc_watch_again(dev, period);
		return;
	}
	if (!tc_header_ours(dev) || beat == dev->lost_beat) {
		dev->steady_ms = 0;
		dev->lost_beat = beat;
		tc_watch_again(dev, period);
		return;
	}
	/* a new beat at every look (two promises apart) for a while, not one beat */
	dev->lost_beat = beat;
	dev->steady_ms += period;
	if (dev->steady_ms < dev->holdoff_ms) {
		tc_watch_again(dev, period);
		return;
	}
	memset(&dev->live, 0, sizeof(dev->live));
	dev->steady_ms = 0;
	WRITE_ONCE(dev->agent_lost, 0);
	tc_attach_all(dev);
	dev->reattaches++;
	dev->reattached_at = jiffies;
	trace_timer_reattach(tc_cpus_attached(dev));
	dev_info_ratelimited(&dev->pdev->dev,
			     "taxcut: the timer agent beats again: %d CPUs back on the exitless timer\n",
			     tc_cpus_attached(dev));
	tc_watch_again(dev, dev->watch_ms);
}

/* exitless_timer written at runtime: every CPU handed back, or taken again. */
static int tc_exitless_set(const char *val, const struct kernel_param *kp)
{
	struct tc_timer_dev *dev;
	bool on;
	int ret;

	ret = kstrtobool(val, &on);
	if (ret) {
		pr_err("taxcut: exitless_timer=%.*s: not a boolean\n", (int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	mutex_lock(&tc_timer_lock);
	exitless_timer = on;
	dev = tc_timer;
	if (dev && !dev->hp_state && on) {
		tc_timer_begin(dev);	/* loaded with exitless_timer=0 */
	} else if (dev && dev->hp_state) {
		mutex_lock(&dev->lock);
		dev->disabled = !on;
		mutex_unlock(&dev->lock);
		if (on)
			tc_attach_all(dev);
		else
			tc_detach_all(dev);
		dev_info(&dev->pdev->dev, "taxcut: exitless_timer=%d: exitless timer on %d CPUs\n",
			 on, tc_cpus_attached(dev));
	}
	mutex_unlock(&tc_timer_lock);
	return 0;
}

/*
 * No report reads them: the caller holds tc_timer_lock (start) or has
 * taken the device out of tc_timer (stop).
 */
static void tc_timer_free_cpus(struct tc_timer_dev *dev)
{
	kfree(dev->cpus);
	dev->cpus = NULL;
}

/* Vectors, per-CPU state and the hotplug state: the exitless timer on. */
static int tc_timer_start(struct tc_timer_dev *dev)
{
	struct pci_dev *pdev = dev->pdev;
	unsigned int want = min_t(unsigned int, dev->nr_slots, nr_cpu_ids), n;
	int nvec, ret;

	if (want < 2 || tc_broadcast_hold()) {
		dev_info(&pdev->dev, "taxcut: the exitless timer serves CPUs other than CPU %d, which keeps the kernel's clockevent and watches the agent: none here, exitless timer off\n",
			 TC_HOUSEKEEPING_CPU);
		return -EOPNOTSUPP;
	}
	pci_set_master(pdev);	/* MSI-X messages are the device's writes */
	nvec = pci_alloc_irq_vectors(pdev, 1, want, PCI_IRQ_MSIX);
	if (nvec < 0) {
		dev_err(&pdev->dev, "taxcut: no MSI-X vectors (%d): exitless timer off\n", nvec);
		return nvec;
	}
	dev->nr_cpus = nvec;
	dev->cpus = kcalloc(nvec, sizeof(*dev->cpus), GFP_KERNEL);
	if (!dev->cpus) {
		ret = -ENOMEM;
		goto free_vectors;
	}
	for (n = 0; n < dev->nr_cpus; n++) {
		struct tc_timer_cpu *c = &dev->cpus[n];

		tc_clockevent_init_cpu(dev, c, n);
		c->irq = pci_irq_vector(pdev, n);
		ret = request_irq(c->irq, tc_clockevent_irq, IRQF_TIMER | IRQF_NOBALANCING,
				  "taxcut-timer", c);
		if (ret) {
			dev_err(&pdev->dev, "taxcut: vector %u: %d\n", n, ret);
			goto free_irqs;
		}
	}
	tc_hp_dev = dev;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "taxcut/timer:online",
				tc_cpu_online, tc_cpu_offline);
	if (ret < 0)
		goto free_irqs;
	dev->hp_state = ret;
	tc_watch_again(dev, READ_ONCE(dev->agent_lost) ? tc_lost_watch_ms(dev) : dev->watch_ms);
	return 0;

free_irqs:
	while (n--)
		free_irq(dev->cpus[n].irq, &dev->cpus[n]);
	tc_timer_free_cpus(dev);
free_vectors:
	pci_free_irq_vectors(pdev);
	dev->nr_cpus = 0;
	return ret;
}

/*
 * A CPU that could not be handed back (nothing to hand it to: its LAPIC
 * timer was unbound through sysfs) still runs our clockevent: what it
 * reaches (the region, this device, its per-CPU state, the module's code)
 * stays for good. Its timers need the agent's interrupts, which go with
 * the device: the log says so.
 */
static bool tc_timer_pin_if_held(struct tc_timer_dev *dev)
{
	unsigned int n, held = 0;

	for (n = 0; n < dev->nr_cpus; n++)
		held += READ_ONCE(dev->cpus[n].attached);
	if (!held)
		return false;
	if (!dev->pinned) {
		/*
		 * The tick code holds the module too (.owner) while the CPU is
		 * on taxcut-et; this keeps it should that CPU go down with it.
		 */
		dev->pinned = true;
		__module_get(THIS_MODULE);
		dev_err(&dev->pdev->dev,
			"taxcut: %u CPUs could not be handed back (no other clockevent for them): the exitless timer's state stays, the module is pinned, their timers stop with the device\n",
			held);
	}
	return true;
}

static void tc_timer_stop(struct tc_timer_dev *dev)
{
	unsigned int n;

	if (!dev->hp_state)
		return;
	/* from here on nothing attaches a CPU again */
	mutex_lock(&dev->lock);
	dev->stopping = true;
	mutex_unlock(&dev->lock);
	cpuhp_remove_state(dev->hp_state);	/* detaches every online CPU */
	tc_detach_all(dev);			/* and any the watch attached meanwhile */
	/* a kick from now on finds stopping set and queues nothing */
	irq_work_sync(&dev->kick);
	cancel_delayed_work_sync(&dev->watch_work);	/* no rescue is sent after it */
	tc_timer_pin_if_held(dev);
	for (n = 0; n < dev->nr_cpus; n++)
		free_irq(dev->cpus[n].irq, &dev->cpus[n]);	/* no forward either */
	/* forwards and rescues queued before: each drops the count when done with c */
	while (atomic_read(&dev->calls_in_flight))
		usleep_range(100, 200);
	pci_free_irq_vectors(dev->pdev);
	dev->hp_state = 0;
	if (dev->pinned)
		return;
	tc_timer_free_cpus(dev);
}

/*
 * The agent proves it is alive by beating, not by a heartbeat left in the
 * region: a killed agent's last one stays there (and a rebooted guest
 * finds it). Wait up to two promised beats for the next one.
 */
static bool tc_agent_beats(struct taxcut_et_header *h)
{
	/* the agent's release */
	u64 beat = smp_load_acquire(&h->heartbeat);
	u64 promise = min_t(u64, READ_ONCE(h->heartbeat_ns), NSEC_PER_SEC);
	unsigned long end = jiffies + nsecs_to_jiffies(2 * promise) + 1;

	do {
		usleep_range(1000, 2000);
		/* the agent's release, as above */
		if (smp_load_acquire(&h->heartbeat) != beat)
			return true;
	} while (time_before(jiffies, end));
	return false;
}

static int tc_timer_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	resource_size_t len = pci_resource_len(pdev, IVSHMEM_REGION_BAR);
	struct tc_timer_dev *dev;
	struct taxcut_et_header *h;
	u64 magic;
	u32 version, slots;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	BUILD_BUG_ON(sizeof(struct taxcut_et_header) != TAXCUT_ET_LINE);
	BUILD_BUG_ON(sizeof(struct taxcut_et_slot) != TAXCUT_ET_SLOT_SIZE);
	BUILD_BUG_ON(offsetof(struct taxcut_et_slot, fired_seq) != TAXCUT_ET_LINE);
	if (len < TAXCUT_ET_REGION_BYTES(1))
		return -ENODEV;
	/* not devm: a CPU that cannot be handed back keeps it (tc_timer_pin_if_held) */
	h = memremap(pci_resource_start(pdev, IVSHMEM_REGION_BAR), len, MEMREMAP_WB);
	if (!h)
		return -ENOMEM;
	magic = READ_ONCE(h->magic);
	if (magic != TAXCUT_ET_MAGIC) {
		/* someone else's shared memory: not ours to touch */
		dev_info(&pdev->dev, "taxcut: not a taxcut timer region (magic %#llx), ignoring\n",
			 magic);
		ret = -ENODEV;
		goto unmap;
	}
	version = READ_ONCE(h->version);
	slots = READ_ONCE(h->nr_slots);
	if (version != TAXCUT_ET_VERSION) {
		dev_err(&pdev->dev, "taxcut: timer region of protocol version %u, this module speaks %u: update %s\n",
			version, TAXCUT_ET_VERSION,
			version < TAXCUT_ET_VERSION ? "taxcut-agent on the host" : "taxcut in the guest");
		ret = -EINVAL;
		goto unmap;
	}
	if (!slots || slots > TAXCUT_ET_MAX_SLOTS || TAXCUT_ET_REGION_BYTES((u64)slots) > len) {
		dev_err(&pdev->dev, "taxcut: timer region has %u slots in %llu bytes: invalid\n",
			slots, (u64)len);
		ret = -EINVAL;
		goto unmap;
	}
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		ret = -ENOMEM;
		goto unmap;
	}
	dev->pdev = pdev;
	dev->header = h;
	dev->nr_slots = slots;
	dev->watch_ms = clamp(timer_watch_ms, 10u, 1000u);
	dev->spin_max_ns = TC_SPIN_MAX_NS;
	mutex_init(&dev->lock);
	init_irq_work(&dev->kick, tc_kick_work);
	INIT_DELAYED_WORK(&dev->watch_work, tc_watch_work);
	atomic64_set(&dev->stray_count, 0);

	mutex_lock(&tc_timer_lock);
	if (tc_timer) {
		mutex_unlock(&tc_timer_lock);
		dev_err(&pdev->dev, "taxcut: a second timer region, ignoring it\n");
		kfree(dev);
		ret = -EBUSY;
		goto unmap;
	}
	tc_timer = dev;
	pci_set_drvdata(pdev, dev);
	if (slots < num_possible_cpus())
		dev_warn(&pdev->dev, "taxcut: %u slots for %u CPUs: the others keep the LAPIC timer\n",
			 slots, num_possible_cpus());
	dev_info(&pdev->dev, "taxcut: timer region: %u slots, agent heartbeat every %llu us, scan %llu us\n",
		 slots, READ_ONCE(h->heartbeat_ns) / 1000, READ_ONCE(h->scan_period_ns) / 1000);
	if (exitless_timer)
		tc_timer_begin(dev);
	else
		dev_info(&pdev->dev, "taxcut: exitless_timer=0: the LAPIC timer stays\n");
	mutex_unlock(&tc_timer_lock);
	return 0;

unmap:
	memunmap(h);
	return ret;
}

/* Under tc_timer_lock, from the probe or exitless_timer=1: the exitless timer on. */
static void tc_timer_begin(struct tc_timer_dev *dev)
{
	struct taxcut_et_header *h = dev->header;
	struct pci_dev *pdev = dev->pdev;

	if (!READ_ONCE(h->heartbeat_ns)) {
		dev_info(&pdev->dev, "taxcut: the agent has stopped: the LAPIC timer stays\n");
	} else if (!tc_agent_beats(h)) {
		/* started as lost: the watch attaches the CPUs if it ever beats */
		dev->lost_beat = smp_load_acquire(&h->heartbeat);	/* the agent's release */
		dev->holdoff_ms = TC_HOLDOFF_MS;
		WRITE_ONCE(dev->agent_lost, 1);
		if (tc_timer_start(dev) == 0)
			dev_info(&pdev->dev, "taxcut: the agent does not beat (heartbeat %llu stays; killed?): the LAPIC timer stays until it does\n",
				 dev->lost_beat);
	} else if (tc_timer_start(dev) == 0) {
		dev_info(&pdev->dev, "taxcut: exitless timer on %d of %u CPUs (vectors %u; CPU %d keeps its own and looks at the agent every %u ms)\n",
			 tc_cpus_attached(dev), num_online_cpus(), dev->nr_cpus,
			 TC_HOUSEKEEPING_CPU, dev->watch_ms);
	}
}

static void tc_timer_remove(struct pci_dev *pdev)
{
	struct tc_timer_dev *dev = pci_get_drvdata(pdev);

	mutex_lock(&tc_timer_lock);
	if (tc_timer == dev)
		tc_timer = NULL;
	mutex_unlock(&tc_timer_lock);
	tc_timer_stop(dev);
	if (dev->pinned)
		return;
	memunmap(dev->header);
	kfree(dev);
	dev_info(&pdev->dev, "taxcut: exitless timer off, every CPU on its LAPIC timer\n");
}

/* no MODULE_DEVICE_TABLE: an ivshmem device alone should not load taxcut */
static const struct pci_device_id tc_timer_ids[] = {
	{ PCI_DEVICE(IVSHMEM_VENDOR_ID, IVSHMEM_DEVICE_ID) },
	{ }
};

static struct pci_driver tc_timer_driver = {
	.name = "taxcut_timer",
	.id_table = tc_timer_ids,
	.probe = tc_timer_probe,
	.remove = tc_timer_remove,
};

static void tc_stats_add(struct tc_timer_stats *sum, const struct tc_timer_stats *s)
{
	sum->programmed += s->programmed;
	sum->near += s->near;
	sum->fired += s->fired;
	sum->early_spins += s->early_spins;
	sum->early_reprograms += s->early_reprograms;
	sum->early_max_ns = max(sum->early_max_ns, s->early_max_ns);
	sum->stale += s->stale;
	sum->forwarded += s->forwarded;
	sum->rescued += s->rescued;
	sum->new_instance += s->new_instance;
}

/* One counter line; the longest is about 250 bytes. */
#define TC_STATS_LINE	320

static void tc_format_stats(char *line, const char *who, const struct tc_timer_stats *s)
{
	scnprintf(line, TC_STATS_LINE,
		  "exitless_timer %s: programmed %llu (near the horizon %llu); fired %llu; early %llu spun, %llu reprogrammed (max %llu ns); stale %llu, forwarded %llu, rescued %llu, new agent instance %llu\n",
		  who, s->programmed, s->near, s->fired, s->early_spins, s->early_reprograms,
		  s->early_max_ns, s->stale, s->forwarded, s->rescued, s->new_instance);
}

static int tc_emit_stats(char *buf, int at, const char *who, const struct tc_timer_stats *s)
{
	char line[TC_STATS_LINE];

	tc_format_stats(line, who, s);
	return sysfs_emit_at(buf, at, "%s", line);
}

/* debugfs taxcut/exitless_timer: one line per CPU with a slot (any number of them) */
static int tc_timer_cpus_show(struct seq_file *m, void *unused)
{
	char who[16], line[TC_STATS_LINE];
	struct tc_timer_dev *dev;
	unsigned int cpu;

	mutex_lock(&tc_timer_lock);
	dev = tc_timer;
	for (cpu = 0; dev && dev->cpus && cpu < dev->nr_cpus; cpu++) {
		snprintf(who, sizeof(who), "cpu%u", cpu);
		tc_format_stats(line, who, &dev->cpus[cpu].st);
		seq_puts(m, line);
	}
	mutex_unlock(&tc_timer_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tc_timer_cpus);

static struct dentry *tc_timer_debugfs;

/* The report's exitless_timer lines (counters read racily: statistics). */
int taxcut_timer_show(char *buf, int at)
{
	struct tc_timer_stats sum = { 0 };
	struct tc_timer_dev *dev;
	unsigned int cpu;
	int len = 0;

	mutex_lock(&tc_timer_lock);
	dev = tc_timer;
	if (!dev) {
		len = sysfs_emit_at(buf, at, "exitless_timer: no taxcut timer region\n");
		goto out;
	}
	len = sysfs_emit_at(buf, at,
			    "exitless_timer: region of %u slots, agent %s, heartbeat %llu, agent clock %llu ns; clockevent on %d CPUs%s%s, housekeeping CPU %d; fallbacks %u, reattaches %u, overdue %u, stray %lld\n",
			    dev->nr_slots,
			    !READ_ONCE(dev->header->heartbeat_ns) ? "stopped" :
			    READ_ONCE(dev->agent_lost) ? "not beating" : "running",
			    smp_load_acquire(&dev->header->heartbeat),	/* agent's release */
			    READ_ONCE(dev->header->now_ns),
			    dev->cpus ? tc_cpus_attached(dev) : 0,
			    READ_ONCE(dev->agent_lost) ? " (agent lost)" : "",
			    dev->disabled ? " (exitless_timer=0)" : "",
			    TC_HOUSEKEEPING_CPU, dev->fallbacks, dev->reattaches, dev->overdue,
			    (long long)atomic64_read(&dev->stray_count));
	for (cpu = 0; dev->cpus && cpu < dev->nr_cpus; cpu++)
		tc_stats_add(&sum, &dev->cpus[cpu].st);
	/* per CPU in debugfs: a page holds the lines of a dozen CPUs at most */
	if (dev->cpus)
		len += tc_emit_stats(buf, at + len, "total", &sum);
out:
	mutex_unlock(&tc_timer_lock);
	return len;
}

const char *taxcut_timer_tick_device(int cpu)
{
	const char *name = NULL;
	struct tc_timer_dev *dev;

	mutex_lock(&tc_timer_lock);
	dev = tc_timer;
	if (dev && dev->cpus && cpu < dev->nr_cpus && tc_clockevent_bound(&dev->cpus[cpu]))
		name = dev->cpus[cpu].ced.name;
	mutex_unlock(&tc_timer_lock);
	return name;
}

int taxcut_timer_init(void)
{
	int ret = pci_register_driver(&tc_timer_driver);

	if (!ret)
		tc_timer_debugfs = debugfs_create_file("exitless_timer", 0444, taxcut_debugfs,
						       NULL, &tc_timer_cpus_fops);
	return ret;
}

void taxcut_timer_exit(void)
{
	debugfs_remove(tc_timer_debugfs);
	pci_unregister_driver(&tc_timer_driver);
}

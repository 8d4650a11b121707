// SPDX-License-Identifier: GPL-2.0
/*
 * taxcut's exitless timer, guest side, first part: the device. A PCI
 * driver for QEMU's ivshmem-doorbell (1af4:1110) whose BAR2 holds the
 * region taxcut-agent serves (include/uapi/taxcut/exitless_timer.h). It
 * recognises taxcut's region by its header and leaves any other ivshmem
 * user alone, checks the header, and reports the region and the agent's
 * heartbeat. The per-CPU clockevent that writes deadlines into the slots
 * is not written yet (docs/exitless-timer.md), so no timer uses it.
 */
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sysfs.h>
#include <uapi/taxcut/exitless_timer.h>
#include "taxcut.h"

#define IVSHMEM_VENDOR_ID	0x1af4
#define IVSHMEM_DEVICE_ID	0x1110
#define IVSHMEM_REGION_BAR	2

static struct tc_timer_dev {
	struct pci_dev *pdev;
	struct taxcut_et_header *header;
	u32 nr_slots;
} *tc_timer;
static DEFINE_MUTEX(tc_timer_lock);

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
	if (len < 2 * TAXCUT_ET_LINE)
		return -ENODEV;
	h = devm_memremap(&pdev->dev, pci_resource_start(pdev, IVSHMEM_REGION_BAR), len,
			  MEMREMAP_WB);
	if (IS_ERR(h))
		return PTR_ERR(h);
	magic = READ_ONCE(h->magic);
	if (magic != TAXCUT_ET_MAGIC) {
		/* someone else's shared memory: not ours to touch */
		dev_info(&pdev->dev, "taxcut: not a taxcut timer region (magic %#llx), ignoring\n",
			 magic);
		return -ENODEV;
	}
	version = READ_ONCE(h->version);
	slots = READ_ONCE(h->nr_slots);
	if (version != TAXCUT_ET_VERSION) {
		dev_err(&pdev->dev, "taxcut: timer region version %u, this module speaks %u\n",
			version, TAXCUT_ET_VERSION);
		return -EINVAL;
	}
	if (!slots || slots > TAXCUT_ET_MAX_SLOTS || TAXCUT_ET_LINE * (1 + (u64)slots) > len) {
		dev_err(&pdev->dev, "taxcut: timer region has %u slots in %llu bytes: invalid\n",
			slots, (u64)len);
		return -EINVAL;
	}
	dev = devm_kzalloc(&pdev->dev, sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->pdev = pdev;
	dev->header = h;
	dev->nr_slots = slots;
	mutex_lock(&tc_timer_lock);
	if (tc_timer) {
		mutex_unlock(&tc_timer_lock);
		dev_err(&pdev->dev, "taxcut: a second timer region, ignoring it\n");
		return -EBUSY;
	}
	tc_timer = dev;
	mutex_unlock(&tc_timer_lock);
	pci_set_drvdata(pdev, dev);
	if (slots < num_possible_cpus())
		dev_warn(&pdev->dev, "taxcut: %u slots for %u CPUs: the others keep the LAPIC timer\n",
			 slots, num_possible_cpus());
	dev_info(&pdev->dev, "taxcut: timer region: %u slots, agent heartbeat every %llu us, scan %llu us\n",
		 slots, READ_ONCE(h->heartbeat_ns) / 1000, READ_ONCE(h->scan_period_ns) / 1000);
	return 0;
}

static void tc_timer_remove(struct pci_dev *pdev)
{
	mutex_lock(&tc_timer_lock);
	if (tc_timer == pci_get_drvdata(pdev))
		tc_timer = NULL;
	mutex_unlock(&tc_timer_lock);
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

/* The report's exitless_timer line. */
int taxcut_timer_show(char *buf, int at)
{
	int len;

	mutex_lock(&tc_timer_lock);
	if (!tc_timer) {
		len = sysfs_emit_at(buf, at, "exitless_timer: no taxcut timer region\n");
	} else {
		struct taxcut_et_header *h = tc_timer->header;
		u64 beat = smp_load_acquire(&h->heartbeat);	/* pairs with the agent's release */

		len = sysfs_emit_at(buf, at,
				    "exitless_timer: region of %u slots, agent %s, heartbeat %llu, agent clock %llu ns; clockevent not implemented yet\n",
				    tc_timer->nr_slots,
				    READ_ONCE(h->heartbeat_ns) ? "running" : "stopped",
				    beat, READ_ONCE(h->now_ns));
	}
	mutex_unlock(&tc_timer_lock);
	return len;
}

int taxcut_timer_init(void)
{
	return pci_register_driver(&tc_timer_driver);
}

void taxcut_timer_exit(void)
{
	pci_unregister_driver(&tc_timer_driver);
}

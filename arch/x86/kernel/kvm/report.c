// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/taxcut/: the one place an operator reads what KVM offers
 * this guest and what the guest does with it.
 *
 *   cpuid_base  leaf holding KVM's signature, e.g. 0x40000000
 *   features    KVM feature names (unknown bits as bitN)
 *   hints       KVM hint names
 *   policy      what this running kernel does, found by inspecting it
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include "taxcut.h"

static struct kobject *taxcut_kobj;

static ssize_t cpuid_base_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%x\n", taxcut_kvm.base);
}

static ssize_t emit_names(char *buf, int (*format)(char *, size_t, u32), u32 bits)
{
	/* leave room for the newline; a too long list is cut, not overrun */
	int len = format(buf, PAGE_SIZE - 1, bits);

	len = min_t(int, len, PAGE_SIZE - 2);
	buf[len++] = '\n';
	buf[len] = '\0';
	return len;
}

static ssize_t features_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	return emit_names(buf, tc_kvm_format_features, taxcut_kvm.features);
}

static ssize_t hints_show(struct kobject *kobj,
			  struct kobj_attribute *attr, char *buf)
{
	return emit_names(buf, tc_kvm_format_hints, taxcut_kvm.hints);
}

static ssize_t policy_show(struct kobject *kobj,
			   struct kobj_attribute *attr, char *buf)
{
	return taxcut_policy_show(buf);
}

static struct kobj_attribute cpuid_base_attr = __ATTR_RO(cpuid_base);
static struct kobj_attribute features_attr = __ATTR_RO(features);
static struct kobj_attribute hints_attr = __ATTR_RO(hints);
static struct kobj_attribute policy_attr = __ATTR_RO(policy);

static struct attribute *taxcut_attrs[] = {
	&cpuid_base_attr.attr,
	&features_attr.attr,
	&hints_attr.attr,
	&policy_attr.attr,
	NULL,
};

static const struct attribute_group taxcut_group = {
	.attrs = taxcut_attrs,
};

int taxcut_report_init(void)
{
	int ret;

	taxcut_kobj = kobject_create_and_add("taxcut", kernel_kobj);
	if (!taxcut_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(taxcut_kobj, &taxcut_group);
	if (ret) {
		kobject_put(taxcut_kobj);
		taxcut_kobj = NULL;
	}
	return ret;
}

void taxcut_report_exit(void)
{
	if (!taxcut_kobj)
		return;
	sysfs_remove_group(taxcut_kobj, &taxcut_group);
	kobject_put(taxcut_kobj);
	taxcut_kobj = NULL;
}

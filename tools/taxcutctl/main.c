// SPDX-License-Identifier: GPL-2.0
/*
 * taxcutctl: what a taxcut guest runs and why, its idle polling and its
 * tunables (taxcutctl.8). Everything but this file is linked into the
 * unit test, which runs the commands against fake sysfs trees.
 */
#include "ctl.h"

int main(int argc, char **argv)
{
	struct ctl c;

	ctl_init(&c);
	return ctl_main(&c, argc, argv);
}

# SPDX-License-Identifier: GPL-2.0
# locktorture (CONFIG_LOCK_TORTURE_TEST=m, our debug kernel) on the kernel's
# spinlock for LOCKTORTURE_SECONDS (default 20): writers on every CPU; the
# end-of-test line must say SUCCESS. Booted only with kernels that have it.
seconds=${LOCKTORTURE_SECONDS:-20}
if [ ! -e /lib/taxcut/locktorture.ko ]; then
	echo "not ok - locktorture: this kernel has no locktorture module"
	return 0
fi
dmesg -c >/dev/null
check "torture.ko loads" insmod /lib/taxcut/torture.ko || return 0
check "locktorture loads (spin_lock, $seconds s)" \
	insmod /lib/taxcut/locktorture.ko torture_type=spin_lock stat_interval=0 || return 0
sleep "$seconds"
rmmod locktorture
rmmod torture
dmesg | grep -E 'End of test|Writes:' | sed 's/^/# /'
dmesg | grep -q 'spin_lock-torture:.*End of test: SUCCESS'
ok $? "locktorture spin_lock: End of test: SUCCESS"

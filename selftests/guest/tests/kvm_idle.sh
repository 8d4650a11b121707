# SPDX-License-Identifier: GPL-2.0
# Which cpuidle driver the guest kernel registered.
drv=$(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo none)
echo "# cpuidle driver: $drv"
echo "# cpuidle governor: $(cat /sys/devices/system/cpu/cpuidle/current_governor_ro 2>/dev/null)"
[ "$drv" = haltpoll ]
ok $? "the cpuidle-haltpoll driver registered (dedicated hint)"

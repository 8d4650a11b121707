# SPDX-License-Identifier: GPL-2.0
# With the dedicated hint the kernel's own cpuidle-haltpoll registers first:
# taxcut loads, leaves cpuidle to it and says how to boot instead; with
# force=1 (an explicit request) it refuses to load.
D=/sys/devices/system/cpu/cpuidle
check "taxcut loads" insmod "$TAXCUT_KO"
[ "$(cat $D/current_driver)" = haltpoll ]
ok $? "cpuidle stays with haltpoll"
dmesg | grep -q "taxcut: idle: cpuidle is held by the haltpoll driver, not registering; boot with initcall_blacklist=haltpoll_init"
ok $? "the kernel log names the holder and the boot option"
grep -q "^idle_poll: off: cpuidle is held by haltpoll (boot with initcall_blacklist=haltpoll_init)" \
	/sys/kernel/taxcut/policy
ok $? "so does the report"
check "taxcut unloads" rmmod taxcut
! insmod "$TAXCUT_KO" force=1 2>/dev/null
ok $? "force=1 while haltpoll holds cpuidle: the load fails"

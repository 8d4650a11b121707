# SPDX-License-Identifier: GPL-2.0
# Our kernel, dedicated hint: the taxcut governor is registered, selected
# through sysfs over cpuidle-haltpoll, polls and learns, refuses bad
# tunables, and hands back to haltpoll.
D=/sys/devices/system/cpu/cpuidle
P=/sys/module/taxcut_haltpoll/parameters
S=/sys/kernel/debug/taxcut_haltpoll
diag "driver $(cat $D/current_driver), governors: $(cat $D/available_governors)"
grep -qw taxcut $D/available_governors
ok $? "the taxcut governor is registered"
[ "$(cat $D/current_governor)" = haltpoll ]
ok $? "haltpoll stays the governor unless asked ($(cat $D/current_governor))"
echo taxcut >$D/current_governor && [ "$(cat $D/current_governor)" = taxcut ]
ok $? "current_governor switches to taxcut"
# the halt cost is measured a tenth of a second after the switch (idle meanwhile)
i=0
while [ $i -lt 50 ] && ! dmesg | grep -qE "taxcut: haltpoll: (a halt costs [0-9]+ us here|halt cost not measured)"; do
	usleep 100000
	i=$((i + 1))
done
diag "$(dmesg | grep -E 'taxcut: haltpoll: (a halt costs|halt cost not measured)' | tail -1)"
# (a loaded host may keep the second vCPU from running while the probe
# calls it: the probe then says why it measured nothing; the idle test
# checks it measures at all, over a hundred loads)
dmesg | grep -qE "taxcut: haltpoll: (a halt costs [0-9]+ us here|halt cost not measured: .+)"
ok $? "the governor measured the halt cost or said why not"
diag "pingpong: $(pingpong -n 3000 -t 30)"
diag "$(cat $S)"
hits=$(awk '/^[0-9]/ { n += $5 } END { print n + 0 }' $S)
[ "$hits" -gt 0 ]
ok $? "polling under the taxcut governor caught wakeups ($hits)"
! echo 8000001 >$P/guest_halt_poll_ns 2>/dev/null && [ "$(cat $P/guest_halt_poll_ns)" = 200000 ]
ok $? "a bad guest_halt_poll_ns is refused"
echo 20000 >$P/guest_halt_poll_ns && pingpong -n 500 -t 10 >/dev/null
awk '/^[0-9]/ && $2 > 20000 { bad = 1 } END { exit bad }' $S
ok $? "a lower cap holds for every CPU"
echo haltpoll >$D/current_governor && [ "$(cat $D/current_governor)" = haltpoll ]
ok $? "and back to haltpoll"

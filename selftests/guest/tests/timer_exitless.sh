# SPDX-License-Identifier: GPL-2.0
# The exitless timer in the guest, with taxcut-agent serving the region.
# TIMER_CASE picks the scenario (the host side is selftests/suites/timer.sh):
#   exitless  steady state between marks 700-701, accuracy, a sysfs unbind
#             of taxcut-et, the device removed and rescanned, CPU offline
#             and online, exitless_timer=0 and =1 at runtime, all while
#             timers run; taxcut then stays loaded (taxcut-bc)
#   baseline  the same steady state with exitless_timer=0 (the LAPIC timer),
#             then exitless_timer=1 written: the exitless timer starts
#   kill      the host kills the agent mid-run: fallback, no timer lost
#   pause     the host stops the agent until every served CPU is back on
#             its LAPIC timer: fallback, then re-attach when it resumes
#   report    a big guest: the report complete, every CPU but CPU 0 served,
#             timers on all of them
#   migrate   the host live-migrates the guest twice while timers run, to
#             hosts whose clocks differ by hours: no timer early or lost,
#             none later than MIGRATE_LATE_MS
#   snapshot  while timers run: savevm and loadvm with the agent running;
#             savevm, QEMU and the agent killed, a new agent and QEMU
#             restored from the snapshot; the agent killed and a new one
#             started, the device re-plugged (taxcut-qmp replug)
# CPU 0 is the housekeeping CPU: it keeps its LAPIC timer and watches the
# agent; every other CPU is served.
R=/sys/kernel/taxcut
C=/sys/devices/system/clockevents
case=${TIMER_CASE:-exitless}
ncpu=$(nproc)
served=$((ncpu - 1))

# counters: "programmed near changes attached" from the report, all CPUs
# (zeros without the exitless timer): changes = fallbacks + re-attaches,
# attached = 1 while every served CPU has the clockevent and the agent is
# not lost
counters() {
	local t f a=0
	t=$(sed -n 's/^exitless_timer total: programmed \([0-9]*\) (near the horizon \([0-9]*\)).*/\1 \2/p' $R/policy)
	f=$(sed -n 's/^exitless_timer: .*; fallbacks \([0-9]*\), reattaches \([0-9]*\),.*/\1 \2/p' $R/policy)
	grep -q "^exitless_timer: .* clockevent on $served CPUs, housekeeping" $R/policy && a=1
	# shellcheck disable=SC2086 # two numbers
	set -- ${f:-0 0}
	echo "${t:-0 0} $(($1 + $2)) $a"
}

# accuracy SECONDS MIN_US MAX_US: timer_accuracy on every CPU, its line as a diag
accuracy() {
	timer_accuracy "$ncpu" "$@" >/tmp/accuracy.out 2>&1
	diag "$(cat /tmp/accuracy.out)"
}

# accuracy_ok WHAT: the last run woke up, never early, and lost nothing
accuracy_ok() {
	grep -q 'wakeups [1-9][0-9]* early 0 unfinished 0 ' /tmp/accuracy.out
	ok $? "$1: no timer fired early, none was lost"
}

# steady: the steady-state window the host reads LAPIC timer writes from,
# between marks; the report's counters are read outside the marks (and a
# mark returns only once every CPU has finished what it was doing with
# interrupts off), so their window holds the host's. A window is taken
# again, on new marks (700-701, 702-703, 704-705), unless every served CPU
# kept the clockevent throughout: no fallback, no re-attach, the agent
# never lost. "steady lapic": the LAPIC timer's own steady state, one
# window.
steady() {
	local mode=${1:-} try p1 n1 c1 a1 p2 n2 c2 a2 m held=0
	for try in 1 2 3; do
		m=$((698 + 2 * try))
		# shellcheck disable=SC2046 # four numbers
		set -- $(counters)
		p1=$1 n1=$2 c1=$3 a1=$4
		mark $m
		accuracy 4 1000 10000
		mark $((m + 1))
		# shellcheck disable=SC2046
		set -- $(counters)
		p2=$1 n2=$2 c2=$3 a2=$4
		if [ "$mode" = lapic ] || { [ "$c1" = "$c2" ] && [ "$a1$a2" = 11 ]; }; then
			held=1
			break
		fi
		diag "steady: the clockevent did not hold in window $try (changes $c1 to $c2, attached $a1 $a2): again"
	done
	diag "steady: programmed $((p2 - p1)) $(sed -n 's/.*wakeups \([0-9]*\).*/wakeups \1/p' /tmp/accuracy.out) near $((n2 - n1)) held $held marks $m $((m + 1))"
}

# tick_devices: each CPU's current clockevent, as the kernel's sysfs says
tick_devices() {
	cat $C/clockevent*/current_device | sort | uniq -c |
		awk '{ print $1, $2 }' | paste -sd ' '
}

# lapic_name: the LAPIC timer's name in its mode, from the housekeeping CPU
lapic_name() {
	cat $C/clockevent0/current_device
}

# on_lapic: every CPU's tick device is its LAPIC timer (a diag says which)
on_lapic() {
	local devs
	devs=$(tick_devices)
	diag "tick devices: $devs"
	[ "$devs" = "$ncpu $(lapic_name)" ]
}

# on_exitless [N]: CPU 0 on its LAPIC timer, N (all served) on taxcut-et
on_exitless() {
	local devs want=${1:-$served}
	devs=$(tick_devices)
	diag "tick devices: $devs"
	[ "$devs" = "$((ncpu - want)) $(lapic_name) $want taxcut-et" ]
}

# wait_for WHAT SECONDS COMMAND...: poll until COMMAND succeeds
wait_for() {
	local what=$1 tenths=$(($2 * 10))
	shift 2
	while [ $tenths -gt 0 ]; do
		"$@" && { ok 0 "$what"; return 0; }
		sleep 0.1
		tenths=$((tenths - 1))
	done
	ok 1 "$what"
	return 1
}

attached() {
	grep -q "clockevent on $1 CPUs, housekeeping" $R/policy
}

# instances: each served CPU's count of agent instances seen, in CPU order
instances() {
	sed -n 's/^exitless_timer cpu\([1-9][0-9]*\): .*new agent instance \([0-9]*\)$/\2/p' \
		/sys/kernel/debug/taxcut/exitless_timer | paste -sd ' '
}

# all_moved_on BEFORE: every served CPU saw a new instance since BEFORE
all_moved_on() {
	local now i=0 n
	now=$(instances)
	# shellcheck disable=SC2086 # one count per CPU
	set -- $1
	[ $# -eq "$served" ] || return 1
	for n in $now; do
		i=$((i + 1))
		[ "$n" -gt "$(eval echo "\${$i}")" ] || return 1
	done
}

# moved_on REQUEST WHAT HOW: ask the host for REQUEST (a migration, a
# snapshot), then wait until every served CPU has seen a new agent instance
# and is on taxcut-et again
moved_on() {
	local before
	before=$(instances)
	echo "# host: $1"
	wait_for "$2: every served CPU $3 (instances $before)" 120 all_moved_on "$before"
	wait_for "$2: the served CPUs are on taxcut-et" 10 attached $served
}

if [ "$case" = baseline ]; then
	check "taxcut loads with exitless_timer=0" insmod "$TAXCUT_KO" exitless_timer=0 || return 0
	dmesg | grep -q "exitless_timer=0: the LAPIC timer stays"
	ok $? "exitless_timer=0 leaves the LAPIC timer in place"
	steady lapic
	accuracy_ok "the steady state on the LAPIC timer"
	# switched on at runtime, the device's exitless timer starts then
	echo 1 >/sys/module/taxcut/parameters/exitless_timer
	ok $? "exitless_timer=1 written at runtime"
	wait_for "the exitless timer starts: the served CPUs on taxcut-et" 5 attached $served
	accuracy 2 1000 10000
	accuracy_ok "after the runtime start"
	return 0
fi

check "taxcut loads" insmod "$TAXCUT_KO" || return 0
grep '^exitless_timer' $R/policy | head -1 | while read -r l; do diag "$l"; done
attached $served
ok $? "the exitless clockevent is on the $served CPUs other than CPU 0"
on_exitless
ok $? "their tick device is taxcut-et, CPU 0 keeps its LAPIC timer"
bc=$(cat $C/broadcast/current_device)
[ "$bc" = taxcut-bc ]
ok $? "taxcut-bc holds the tick broadcast slot, no LAPIC timer was taken for it ($bc)"
! grep -q 'unknown' $R/policy
ok $? "the report has no unknown field"

case $case in
exitless)
	steady
	accuracy_ok "the steady state (1-8 ms sleeps)"
	diag "$(grep '^exitless_timer total' $R/policy)"
	accuracy 3 100 10000
	accuracy_ok "nanosleep, clock_nanosleep and timerfd at 100 us - 6.4 ms"
	grep '^exitless_timer total' $R/policy | while read -r l; do diag "$l"; done

	# an administrator's unbind of taxcut-et hands that CPU back to its
	# LAPIC timer (the core's own path, as at unload); exitless_timer=1
	# written again takes it back
	last=$((ncpu - 1))
	timer_accuracy "$ncpu" 3 200 5000 >/tmp/accuracy.out 2>&1 &
	bg=$!
	sleep 0.5
	echo taxcut-et >$C/clockevent$last/unbind_device
	ok $? "sysfs unbind_device of taxcut-et on CPU $last is taken"
	[ "$(cat $C/clockevent$last/current_device)" = "$(lapic_name)" ] && attached $((served - 1))
	ok $? "CPU $last is back on its LAPIC timer, the report says so"
	echo 1 >/sys/module/taxcut/parameters/exitless_timer
	wait_for "exitless_timer=1 takes it back" 5 attached $served
	wait $bg
	diag "$(cat /tmp/accuracy.out)"
	accuracy_ok "through the unbind and the return"

	# the device goes away while timers run, and comes back
	ivshmem=
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1110 ] && ivshmem=$d
	done
	timer_accuracy "$ncpu" 4 200 5000 >/tmp/accuracy.out 2>&1 &
	bg=$!
	sleep 1
	echo 1 >"$ivshmem/remove"
	ok $? "the ivshmem device ${ivshmem##*/} is removed while timers run"
	on_lapic
	ok $? "every CPU is back on its LAPIC timer"
	grep -q "^exitless_timer: no taxcut timer region" $R/policy
	ok $? "the report says the region is gone"
	sleep 0.5
	echo 1 >/sys/bus/pci/rescan
	wait_for "rescanned, the device brings the exitless timer back on the served CPUs" 5 \
		attached $served
	wait $bg
	diag "$(cat /tmp/accuracy.out)"
	accuracy_ok "through the device's removal and return"

	# CPU offline and online while timers run
	cpu=$((ncpu - 1))
	timer_accuracy "$ncpu" 4 200 5000 >/tmp/accuracy.out 2>&1 &
	bg=$!
	sleep 1
	echo 0 >/sys/devices/system/cpu/cpu$cpu/online
	ok $? "CPU $cpu goes offline while timers run"
	attached $((served - 1))
	ok $? "the offline CPU left the exitless timer"
	sleep 0.5
	echo 1 >/sys/devices/system/cpu/cpu$cpu/online
	ok $? "CPU $cpu comes back online"
	wait_for "it rejoins the exitless timer" 5 attached $served
	wait $bg
	diag "$(cat /tmp/accuracy.out)"
	accuracy_ok "through CPU offline and online"

	# switched off at runtime while timers run, then on again
	timer_accuracy "$ncpu" 3 200 5000 >/tmp/accuracy.out 2>&1 &
	bg=$!
	sleep 1
	echo 0 >/sys/module/taxcut/parameters/exitless_timer
	ok $? "exitless_timer=0 is written while timers run"
	on_lapic
	ok $? "every CPU is back on its LAPIC timer"
	! rmmod taxcut 2>/dev/null
	ok $? "taxcut stays loaded: taxcut-bc holds it (rmmod refused)"
	echo 1 >/sys/module/taxcut/parameters/exitless_timer
	wait_for "exitless_timer=1: the served CPUs are back on taxcut-et" 5 on_exitless
	wait $bg
	diag "$(cat /tmp/accuracy.out)"
	accuracy_ok "through the switch off and on"
	# CPU 1's vector silenced (on KVM: an irqfd not wired again after a
	# migration, say) while timers run: the watch's rescues go unanswered
	# three times and it hands every CPU back (again after each re-attach,
	# while the vector stays silent); the vector delivers again: the CPUs
	# are taken again and stay, and CPU 1's fires arrive
	irq=$(awk '/taxcut-timer/ { sub(":", "", $1); print $1 }' /proc/interrupts | sed -n 2p)
	timer_accuracy "$ncpu" 60 1000 10000 >/tmp/accuracy.out 2>&1 &
	bg=$!
	sleep 0.5
	dmesg -c >/dev/null
	insmod /lib/taxcut/tc_hosttest.ko run=irq_off irq="$irq" && rmmod tc_hosttest
	ok $? "CPU 1's timer vector (irq ${irq:-?}) is disabled while timers run"
	wait_for "the watch hands every CPU back: the agent fires, its interrupts do not arrive" 15 \
		eval 'dmesg | grep -q "timer agent fires, but its interrupts do not arrive"'
	insmod /lib/taxcut/tc_hosttest.ko run=irq_on irq="$irq" && rmmod tc_hosttest
	ok $? "the vector is enabled again"
	wait_for "the served CPUs are taken again" 20 attached $served
	f1=$(sed -n 's/^exitless_timer: .*; fallbacks \([0-9]*\),.*/\1/p' $R/policy)
	d1=$(sed -n 's/^exitless_timer cpu1: .*; fired \([0-9]*\);.*/\1/p' /sys/kernel/debug/taxcut/exitless_timer)
	sleep 1
	f2=$(sed -n 's/^exitless_timer: .*; fallbacks \([0-9]*\),.*/\1/p' $R/policy)
	d2=$(sed -n 's/^exitless_timer cpu1: .*; fired \([0-9]*\);.*/\1/p' /sys/kernel/debug/taxcut/exitless_timer)
	[ -n "$d1" ] && [ "${d2:-0}" -gt "$d1" ] && [ "$f1" = "$f2" ]
	ok $? "then CPU 1's fires arrive (${d1:-?} to ${d2:-?}) and no CPU falls back (${f1:-?} to ${f2:-?})"
	kill -INT $bg
	wait $bg
	diag "$(cat /tmp/accuracy.out)"
	accuracy_ok "through a silenced vector"
	echo 2 >/sys/module/taxcut/parameters/exitless_timer 2>/dev/null
	[ $? -ne 0 ] && dmesg | grep -q "exitless_timer=2: not a boolean"
	ok $? "exitless_timer=2 is refused with a clear message"
	return 0
	;;
report)
	grep -q "^tick_device: cpus 1-$((ncpu - 1)) taxcut-et" $R/policy
	ok $? "the report's tick_device line names taxcut-et on CPUs 1-$((ncpu - 1))"
	[ "$(grep -c '^exitless_timer cpu' /sys/kernel/debug/taxcut/exitless_timer)" -eq "$ncpu" ]
	ok $? "debugfs has a counter line for each of the $ncpu CPUs"
	accuracy 3 1000 10000
	accuracy_ok "$ncpu CPUs of timers"
	grep '^exitless_timer total' $R/policy | while read -r l; do diag "$l"; done
	;;
migrate)
	# The host (selftests/suites/timer.sh) migrates at each request: first
	# to a host whose clock is 3 h behind this one's, then to one 6 h ahead.
	# The guest's clock is stopped while the VM is, so a timer is late only
	# by what the protocol costs after the switch: the destination's agent
	# sees the region arrive (a new instance), fires every armed slot once,
	# the CPU writes it again in the new clock. Without that, a deadline in
	# the old clock waits on a clock hours away until the estimate ages out
	# (ET_CLOCK_EPOCH_NS, 0.5-1 s) or the CPU programs an earlier event:
	# hence the bound, 500 ms. What the protocol itself adds is a scan
	# period or two; the rest is the host's scheduling of TCG vCPU threads
	# (up to 137 ms seen with a full make check running alongside).
	bound=${MIGRATE_LATE_MS:-500}
	timer_accuracy "$ncpu" 600 200 5000 >/tmp/accuracy.out 2>&1 &
	bg=$!
	sleep 1
	for hop in 1 2; do
		moved_on "migrate now ($hop)" "migration $hop" "takes the new host's agent"
		grep '^exitless_timer' $R/policy | head -1 | while read -r l; do diag "$l"; done
		sleep 2		# timers run on the new host
	done
	kill -INT $bg
	wait $bg
	diag "$(cat /tmp/accuracy.out)"
	accuracy_ok "across both migrations"
	late=$(sed -n 's/.* late_max_us \([0-9]*\).*/\1/p' /tmp/accuracy.out)
	[ -n "$late" ] && [ "$late" -le $((bound * 1000)) ]
	ok $? "the latest timer across both migrations (${late:-?} us) within ${bound} ms"
	grep '^exitless_timer' $R/policy | while read -r l; do diag "$l"; done
	;;
snapshot)
	# The host (selftests/suites/timer.sh) acts at each request. A restored
	# region is a new instance to the agent (the guest's slot history went
	# back): the served CPUs see it as after a migration.
	timer_accuracy "$ncpu" 600 200 5000 >/tmp/accuracy.out 2>&1 &
	bg=$!
	sleep 1
	for step in 1 2; do
		# 1: savevm, loadvm; 2: savevm, then a new agent and QEMU restore it
		moved_on "snapshot now ($step)" "snapshot $step" "takes the agent's new instance"
		sleep 2
	done
	# the agent killed and another started: QEMU keeps the dead one's
	# region until the device is plugged again
	f0=$(sed -n 's/^exitless_timer: .*; fallbacks \([0-9]*\),.*/\1/p' $R/policy)
	echo "# host: restart the agent now"
	wait_for "the guest notices the agent is gone" 10 \
		grep -q "fallbacks $((f0 + 1))," $R/policy
	on_lapic
	ok $? "every CPU is back on its LAPIC timer"
	echo "# host: replug the device now"
	wait_for "the device re-plugged on the new agent: the served CPUs on taxcut-et" 120 \
		attached $served
	sleep 2
	kill -INT $bg
	wait $bg
	diag "$(cat /tmp/accuracy.out)"
	accuracy_ok "through the snapshots, the restores and the agent's restart"
	grep '^exitless_timer' $R/policy | while read -r l; do diag "$l"; done
	;;
kill | pause)
	timer_accuracy "$ncpu" 8 1000 10000 >/tmp/accuracy.out 2>&1 &
	bg=$!
	sleep 1
	echo "# host: $case the agent now"
	wait_for "the guest notices the agent is gone" 10 grep -q "fallbacks 1," $R/policy
	dmesg | grep -q "the timer agent stopped beating"
	ok $? "the kernel log says so"
	on_lapic
	ok $? "every CPU is back on its LAPIC timer"
	if [ "$case" = pause ]; then
		echo "# host: resume the agent now"
		wait_for "it re-attaches when the agent beats again" 10 \
			grep -q "clockevent on $served CPUs, housekeeping CPU 0; fallbacks 1, reattaches 1" $R/policy
		dmesg | grep -q "the timer agent beats again"
		ok $? "the kernel log says so"
	fi
	wait $bg
	diag "$(cat /tmp/accuracy.out)"
	accuracy_ok "every pending timer fired through the switch"
	grep '^exitless_timer' $R/policy | head -2 | while read -r l; do diag "$l"; done
	;;
esac

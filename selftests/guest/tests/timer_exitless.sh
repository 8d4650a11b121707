# SPDX-License-Identifier: GPL-2.0
# The exitless timer in the guest, with taxcut-agent serving the region.
# TIMER_CASE picks the scenario (the host side is selftests/suites/timer.sh):
#   exitless  steady state between marks 700-701, accuracy, sysfs unbind
#             refused, the device removed and rescanned, CPU offline and
#             online, unload, all while timers run; then a reload
#   baseline  the same steady state with exitless_timer=0 (the LAPIC timer)
#   kill      the host kills the agent mid-run: fallback, no timer lost
#   pause     the host stops the agent until every CPU is back on its
#             LAPIC timer: fallback, then re-attach when it resumes
R=/sys/kernel/taxcut
case=${TIMER_CASE:-exitless}
ncpu=$(nproc)

# counters: "programmed slot lapic_writes changes attached" from the report,
# all CPUs (zeros without the exitless timer): changes = fallbacks +
# re-attaches, attached = 1 while every CPU has the clockevent and the
# agent is not lost
counters() {
	local t f a=0
	t=$(sed -n 's/^exitless_timer total: programmed \([0-9]*\): slot \([0-9]*\),.*; lapic writes \([0-9]*\)$/\1 \2 \3/p' $R/policy)
	f=$(sed -n 's/^exitless_timer: .*, fallbacks \([0-9]*\), reattaches \([0-9]*\),.*/\1 \2/p' $R/policy)
	grep -q "^exitless_timer: .* clockevent on $ncpu CPUs, " $R/policy && a=1
	# shellcheck disable=SC2086 # two numbers
	set -- ${f:-0 0}
	echo "${t:-0 0 0} $(($1 + $2)) $a"
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
# again, on new marks (700-701, 702-703, 704-705), unless every CPU kept
# the clockevent throughout: no fallback, no re-attach, the agent never
# lost (the kernel drives the LAPIC timer itself meanwhile). "steady lapic":
# the LAPIC timer's own steady state, one window.
steady() {
	local mode=${1:-} try p1 s1 w1 c1 a1 p2 s2 w2 c2 a2 m held=0
	for try in 1 2 3; do
		m=$((698 + 2 * try))
		# shellcheck disable=SC2046 # five numbers
		set -- $(counters)
		p1=$1 s1=$2 w1=$3 c1=$4 a1=$5
		mark $m
		accuracy 4 1000 10000
		mark $((m + 1))
		# shellcheck disable=SC2046
		set -- $(counters)
		p2=$1 s2=$2 w2=$3 c2=$4 a2=$5
		if [ "$mode" = lapic ] || { [ "$c1" = "$c2" ] && [ "$a1$a2" = 11 ]; }; then
			held=1
			break
		fi
		diag "steady: the clockevent did not hold in window $try (changes $c1 to $c2, attached $a1 $a2): again"
	done
	diag "steady: programmed $((p2 - p1)) $(sed -n 's/.*wakeups \([0-9]*\).*/wakeups \1/p' /tmp/accuracy.out) slot $((s2 - s1)) lapic_writes $((w2 - w1)) held $held marks $m $((m + 1))"
}

# tick_devices: each CPU's current clockevent, as the kernel's sysfs says
tick_devices() {
	cat /sys/devices/system/clockevents/clockevent*/current_device | sort | uniq -c |
		awk '{ print $1, $2 }' | paste -sd ' '
}

# on_lapic: every CPU's tick device is its LAPIC timer (a diag says which)
on_lapic() {
	local devs
	devs=$(tick_devices)
	diag "tick devices: $devs"
	[ "$devs" = "$ncpu lapic" ] || [ "$devs" = "$ncpu lapic-deadline" ]
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

if [ "$case" = baseline ]; then
	check "taxcut loads with exitless_timer=0" insmod "$TAXCUT_KO" exitless_timer=0 || return 0
	dmesg | grep -q "exitless_timer=0: the LAPIC timer stays"
	ok $? "exitless_timer=0 leaves the LAPIC timer in place"
	steady lapic
	accuracy_ok "the steady state on the LAPIC timer"
	check "taxcut unloads" rmmod taxcut
	return 0
fi

check "taxcut loads" insmod "$TAXCUT_KO" || return 0
grep '^exitless_timer' $R/policy | head -1 | while read -r l; do diag "$l"; done
grep -q "clockevent on $ncpu CPUs" $R/policy
ok $? "the exitless clockevent is on all $ncpu CPUs"
devs=$(tick_devices)
diag "tick devices: $devs"
[ "$devs" = "$ncpu taxcut-et" ]
ok $? "every CPU's tick device is taxcut-et"

case $case in
exitless)
	steady
	accuracy_ok "the steady state (1-8 ms sleeps)"
	diag "$(grep '^exitless_timer total' $R/policy)"
	accuracy 3 100 10000
	accuracy_ok "nanosleep, clock_nanosleep and timerfd at 100 us - 6.4 ms"
	grep '^exitless_timer total' $R/policy | while read -r l; do diag "$l"; done

	# the clockevents core's unbind of taxcut-et and of the LAPIC timer,
	# written on every CPU (the core takes the first device of that name):
	# refused as busy; the LAPIC timer's name depends on its mode
	refused=
	unbound=0
	for name in taxcut-et lapic lapic-deadline; do
		n=0
		for ce in /sys/devices/system/clockevents/clockevent[0-9]*; do
			if echo $name 2>/tmp/unbind.err >"$ce/unbind_device"; then
				diag "$name: unbound on ${ce##*/}"
				unbound=$((unbound + 1))
			elif grep -q busy /tmp/unbind.err; then
				n=$((n + 1))
			fi
		done
		[ $n -eq "$ncpu" ] && refused="$refused $name"
	done
	diag "unbind refused as busy on every CPU for:$refused; unbound $unbound"
	[ $unbound -eq 0 ] &&
		{ [ "$refused" = " taxcut-et lapic" ] || [ "$refused" = " taxcut-et lapic-deadline" ]; }
	ok $? "sysfs unbind_device of taxcut-et and of the LAPIC timer is refused"
	devs=$(tick_devices)
	[ "$devs" = "$ncpu taxcut-et" ]
	ok $? "every CPU's tick device is still taxcut-et ($devs)"

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
	wait_for "rescanned, the device brings the exitless timer back on all CPUs" 5 \
		grep -q "clockevent on $ncpu CPUs" $R/policy
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
	grep -q "clockevent on $((ncpu - 1)) CPUs" $R/policy
	ok $? "the offline CPU left the exitless timer"
	sleep 0.5
	echo 1 >/sys/devices/system/cpu/cpu$cpu/online
	ok $? "CPU $cpu comes back online"
	wait_for "it rejoins the exitless timer" 5 grep -q "clockevent on $ncpu CPUs" $R/policy
	wait $bg
	diag "$(cat /tmp/accuracy.out)"
	accuracy_ok "through CPU offline and online"

	# unload while timers run
	timer_accuracy "$ncpu" 3 200 5000 >/tmp/accuracy.out 2>&1 &
	bg=$!
	sleep 1
	check "taxcut unloads while timers run" rmmod taxcut
	on_lapic
	ok $? "every CPU is back on its LAPIC timer after the unload"
	wait $bg
	diag "$(cat /tmp/accuracy.out)"
	accuracy_ok "through the unload"

	# loaded again on the region the first load used (what a guest
	# reboot leaves it): fresh sequence numbers, every CPU back
	check "taxcut loads again" insmod "$TAXCUT_KO" || return 0
	wait_for "every CPU is on the exitless clockevent again" 5 \
		grep -q "clockevent on $ncpu CPUs" $R/policy
	accuracy 2 100 5000
	accuracy_ok "after the reload"
	check "taxcut unloads again" rmmod taxcut
	return 0
	;;
kill | pause)
	timer_accuracy "$ncpu" 8 1000 10000 >/tmp/accuracy.out 2>&1 &
	bg=$!
	sleep 1
	echo "# host: $case the agent now"
	wait_for "the guest notices the agent is gone" 10 grep -q "fallbacks 1" $R/policy
	dmesg | grep -q "the timer agent stopped beating"
	ok $? "the kernel log says so"
	on_lapic
	ok $? "every CPU is back on its LAPIC timer"
	if [ "$case" = pause ]; then
		echo "# host: resume the agent now"
		wait_for "it re-attaches when the agent beats again" 10 \
			grep -q "clockevent on $ncpu CPUs, fallbacks 1, reattaches 1" $R/policy
		dmesg | grep -q "the timer agent beats again"
		ok $? "the kernel log says so"
	fi
	wait $bg
	diag "$(cat /tmp/accuracy.out)"
	accuracy_ok "every pending timer fired through the switch"
	grep '^exitless_timer' $R/policy | head -2 | while read -r l; do diag "$l"; done
	check "taxcut unloads" rmmod taxcut
	;;
esac

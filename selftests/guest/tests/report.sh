# SPDX-License-Identifier: GPL-2.0
# Load taxcut and print its report (taxcutctl status), then a short benchmark: a pipe
# ping-pong between two CPUs with 50 us think times, with taxcut's idle
# polling (its driver, or on our kernel its governor) and its counters
# (the demo guest).
D=/sys/devices/system/cpu/cpuidle

if insmod "$TAXCUT_KO" 2>/tmp/insmod.err; then
	# what an operator runs (tools/taxcutctl): the report, with the
	# governor, the tick devices and the poll windows the module cannot see
	echo "# taxcutctl status:"
	taxcutctl status 2>&1 | sed 's/^/#   /'
	check "taxcutctl status says what this guest runs" taxcutctl status
	if [ "$(cat $D/current_driver)" = haltpoll ] && grep -qw taxcut $D/available_governors; then
		echo taxcut >$D/current_governor
		stats=/sys/kernel/debug/taxcut_haltpoll
	else
		stats=/sys/kernel/debug/taxcut/idle
	fi
	diag "cpuidle: driver $(cat $D/current_driver), governor $(cat $D/current_governor_ro)"
	if command -v perf >/dev/null; then
		# the same benchmark counted by taxcut's trace events (docs/tracing.md)
		diag "benchmark, ping-pong with 50 us think times: $(perf stat -a -x, -o /tmp/perf.csv \
			-e 'taxcut:*' -- pingpong -n 2000 -t 50)"
		diag "perf stat -a -e 'taxcut:*' around it: $(awk -F, '$3 ~ /^taxcut:/ && $1 > 0 {
			printf "%s%s %s", sep, $1, $3; sep = ", " }' /tmp/perf.csv)"
	else
		diag "benchmark, ping-pong with 50 us think times: $(pingpong -n 2000 -t 50)"
	fi
	if [ -e $stats ]; then
		diag "taxcut's idle polling ($stats):"
		sed 's/^/  /' $stats | while read -r line; do diag "$line"; done
	fi
	check "taxcut unloads" rmmod taxcut
else
	diag "insmod: $(cat /tmp/insmod.err)"
	diag "$(dmesg | grep 'taxcut:' | grep -v taint | tail -n 1)"
fi

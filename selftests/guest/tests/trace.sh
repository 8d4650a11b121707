# SPDX-License-Identifier: GPL-2.0
# taxcut's trace events seen by perf: listed, and counted by
# `perf stat -e 'taxcut:*'` around a ping-pong exactly as the idle
# statistics (debugfs taxcut/idle) count the periods learnt and the window
# changes meanwhile. Exactly: spinners keep every CPU out of idle while
# perf starts and stops and the statistics are read, so both see the same
# periods (a period is counted when its CPU next enters idle, by both).
D=/sys/devices/system/cpu/cpuidle
S=/sys/kernel/debug/taxcut/idle
EVENTS="idle_period poll_window timer_arm timer_fire timer_fallback timer_reattach"
ncpu=$(nproc)
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null

check "taxcut loads" insmod "$TAXCUT_KO"
[ "$(cat $D/current_driver)" = taxcut_idle ]
ok $? "taxcut_idle drives idle ($(cat $D/current_driver))"

perf list 'taxcut:*' 2>&1 >/tmp/perf.list | head -n 3 | sed 's/^/# perf list: /'
for e in $EVENTS; do
	grep -q "taxcut:$e " /tmp/perf.list
	ok $? "perf list shows taxcut:$e"
done

# The workload under perf, with spin: one busy loop per CPU, returning
# once each has run on its CPU (from then on no CPU enters idle).
cat >/tmp/workload.sh <<WORKLOAD
spin() {
	c=0
	rm -f /tmp/spin.*
	while [ \$c -lt $ncpu ]; do
		# the pid file appears whole (renamed into place)
		taskset -c \$c sh -c 'echo \$\$ >/tmp/new.'\$c'; mv /tmp/new.'\$c' /tmp/spin.'\$c'
			while :; do :; done' &
		c=\$((c + 1))
	done
	until [ "\$(ls /tmp/spin.* 2>/dev/null | wc -l)" -eq $ncpu ]; do :; done
}
case "\$1" in
spin) spin ;;
run)
	cat $S >/tmp/idle.before
	kill \$(cat /tmp/spin.*)
	pingpong -n 2000 -t 30 >/tmp/pingpong.out
	usleep 20000
	spin
	cat $S >/tmp/idle.after
	;;
esac
WORKLOAD
# sum of a statistics column over the CPUs, by its name in the header
column() {
	awk -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
		{ n += $c } END { print n + 0 }' "$1"
}

sh /tmp/workload.sh spin
perf stat -a -x, -o /tmp/perf.csv -e 'taxcut:*' -- sh /tmp/workload.sh run 2>/tmp/perf.err
rc=$?
kill $(cat /tmp/spin.*) 2>/dev/null
ok $rc "perf stat -e 'taxcut:*' ran the workload"
[ $rc -eq 0 ] || sed 's/^/#   /' /tmp/perf.err
grep -v '^#' /tmp/perf.csv | grep . | sed 's/^/# perf stat: /'
diag "pingpong: $(cat /tmp/pingpong.out)"

counted() { awk -F, -v e="taxcut:$1" '$3 == e { print $1 + 0; f = 1 } END { if (!f) print -1 }' /tmp/perf.csv; }
periods=$(($(column /tmp/idle.after periods) - $(column /tmp/idle.before periods)))
changes=$(($(column /tmp/idle.after window_changes) - $(column /tmp/idle.before window_changes)))
ev=$(counted idle_period)
[ "$ev" -eq "$periods" ] && [ "$ev" -gt 0 ]
ok $? "taxcut:idle_period counted each period learnt, no more ($ev events, $periods periods)"
ev=$(counted poll_window)
[ "$ev" -eq "$changes" ]
ok $? "taxcut:poll_window counted each window change ($ev events, $changes changes)"

# The built-in PV IPI sender's event (our kernel; not in taxcut.ko): the
# raw multicast sends of tc_hosttest's ipi workload go through it, one
# event each, besides whatever else the CPUs send meanwhile.
if grep -q "taxcut:pv_ipi " /tmp/perf.list; then
	if grep -q '^decision pv_ipi: on' /sys/kernel/taxcut/policy; then
		dmesg -c >/dev/null
		perf stat -a -x, -o /tmp/perf.csv -e taxcut:pv_ipi -- \
			insmod /lib/taxcut/tc_hosttest.ko run=ipi iterations=100 2>/tmp/perf.err
		rmmod tc_hosttest
		dmesg | grep -q "tc_hosttest: # done: 0 failed"
		ok $? "tc_hosttest run=ipi iterations=100 under perf: no check failed"
		ev=$(counted pv_ipi)
		[ "$ev" -ge 100 ]
		ok $? "taxcut:pv_ipi counted the 100 raw multicast sends at least ($ev events)"
	else
		diag "PV IPIs off here: $(grep '^decision pv_ipi' /sys/kernel/taxcut/policy)"
	fi
fi

check "taxcut unloads" rmmod taxcut

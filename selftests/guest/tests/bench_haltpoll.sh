# SPDX-License-Identifier: GPL-2.0
# The haltpoll benchmark's guest side (tools/bench/haltpoll.sh boots it).
# BENCH_SETUP from the kernel command line: none (the kernel as booted),
# module (load taxcut.ko, or the module at BENCH_MODULE, with
# BENCH_MODULE_ARGS if given) or governor
# (switch cpuidle to taxcut). Each
# workload runs between two MARKs (the host reads its HLT exits and CPU
# time there) and prints one line:
#   bench WORKLOAD key value ...
setup=${BENCH_SETUP:-none}
B=/sys/kernel/debug/tc_bench
D=/sys/devices/system/cpu/cpuidle
case $setup in
# shellcheck disable=SC2086 # BENCH_MODULE_ARGS: module parameters, one per word
module) check "bench: taxcut loads" insmod "${BENCH_MODULE:-$TAXCUT_KO}" ${BENCH_MODULE_ARGS:-} ;;
governor) echo taxcut >$D/current_governor ;;
esac
check "bench: tc_bench loads" insmod /lib/taxcut/tc_bench.ko
diag "bench setup $setup: driver $(cat $D/current_driver 2>/dev/null), governor $(cat $D/current_governor_ro 2>/dev/null)"

# guest polling so far: "poll_ns wasted_ns", from taxcut's own counters
# when its driver runs, else from cpuidle's polling state
poll_counters() {
	if [ "$(cat $D/current_driver 2>/dev/null)" = taxcut_idle ]; then
		awk '/^[0-9]/ { p += $8; w += $9 } END { printf "%d %d\n", p, w }' \
			/sys/kernel/debug/taxcut/idle
	else
		awk '{ print $3, $4 }' $B/poll
	fi
}

label=1000
# workload NAME COMMAND...: one measured run
workload() {
	local name=$1 before after out
	shift
	before=$(poll_counters)
	echo $label >$B/mark
	out=$("$@" 2>&1)
	echo $((label + 1)) >$B/mark
	after=$(poll_counters)
	set -- $before $after
	echo "bench $name mark $label poll_ns $(($3 - $1)) wasted_ns $(($4 - $2)) $out" |
		tr '\n' ' '
	echo
	label=$((label + 2))
}

pipe_usecs() {
	perf bench sched pipe -l 20000 | awk '/usecs\/op/ { print "usecs_per_op", $1 }'
}

workload pipe pipe_usecs
for t in 0 10 50 100 200 500 1000; do
	workload think$t pingpong -n 2000 -t $t
done
workload mixed pingpong -n 3000 -t 10,50,100,200,500,1000
workload bursty pingpong -n 3000 -t 10,50,100,200,500,1000 -b 50
workload idle sleep 10
rmmod tc_bench
ok 0 "bench: every workload ran"

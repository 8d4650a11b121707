# SPDX-License-Identifier: GPL-2.0
# Records idle traces for the policy's unit tests (tools/bench/record_traces.sh
# boots it): our kernel with cpuidle-haltpoll told never to poll, so every
# idle period of CPU 1 (the ping-pong's server) is one halt; prints
#   trace NAME NS
# per period; then upstream's governor's own decisions at its defaults.
echo 0 >/sys/module/haltpoll/parameters/guest_halt_poll_ns
check "record: tc_bench loads" insmod /lib/taxcut/tc_bench.ko record_cpu=1
# capture FILE NAME COMMAND...: tc_bench's FILE (trace or decisions)
# cleared, COMMAND run, then its lines printed as "trace NAME ..." or
# "decision NAME ..."
capture() {
	local file=/sys/kernel/debug/tc_bench/$1 kind=$1 name=$2
	shift 2
	echo >"$file"
	"$@" >/dev/null
	sed "s/^/${kind%s} $name /" "$file"
}
capture trace think50 pingpong -n 3000 -t 50
capture trace think100 pingpong -n 3000 -t 100
capture trace mixed pingpong -n 4000 -t 10,50,100,200,500,1000
capture trace bursty pingpong -n 4000 -t 10,50,100,200,500,1000 -b 50
# upstream's governor deciding, at its defaults: every period of CPU 1 with
# the limit it selected with (the replay's model is checked against them),
#   decision NAME P|H RESIDENCY_NS LIMIT_NS TIMED_OUT
echo 200000 >/sys/module/haltpoll/parameters/guest_halt_poll_ns
capture decisions think50 pingpong -n 3000 -t 50
capture decisions mixed pingpong -n 4000 -t 10,50,100,200,500,1000
rmmod tc_bench
ok 0 "record: traces written"

# SPDX-License-Identifier: GPL-2.0
# Records idle traces for the policy's unit tests (tools/bench/record_traces.sh
# boots it): our kernel with cpuidle-haltpoll told never to poll, so every
# idle period of CPU 1 (the ping-pong's server) is one halt; prints
#   trace NAME NS
# per period; then upstream's governor's own decisions at its defaults.
echo 0 >/sys/module/haltpoll/parameters/guest_halt_poll_ns
check "record: tc_bench loads" insmod /lib/taxcut/tc_bench.ko record_cpu=1
T=/sys/kernel/debug/tc_bench/trace
record() {
	local name=$1
	shift
	echo >$T
	"$@" >/dev/null
	sed "s/^/trace $name /" $T
}
record think50 pingpong -n 3000 -t 50
record think100 pingpong -n 3000 -t 100
record mixed pingpong -n 4000 -t 10,50,100,200,500,1000
record bursty pingpong -n 4000 -t 10,50,100,200,500,1000 -b 50
# upstream's governor deciding, at its defaults: every period of CPU 1 with
# the limit it selected with (the replay's model is checked against them),
#   decision NAME P|H RESIDENCY_NS LIMIT_NS TIMED_OUT
echo 200000 >/sys/module/haltpoll/parameters/guest_halt_poll_ns
D=/sys/kernel/debug/tc_bench/decisions
decide() {
	local name=$1
	shift
	echo >$D
	"$@" >/dev/null
	sed "s/^/decision $name /" $D
}
decide think50 pingpong -n 3000 -t 50
decide mixed pingpong -n 4000 -t 10,50,100,200,500,1000
rmmod tc_bench
ok 0 "record: traces written"

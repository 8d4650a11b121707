#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# taxcut-agent (tools/taxcut-agent), the exitless timer's host agent, with
# userspace guests (selftests/agent/et_client.c) speaking the ivshmem
# client protocol: two VMs at once, timers never early and never lost,
# sockets 0600, one guest per region, a hostile guest writing garbage all
# over its region while the other VM's timers keep working and the agent's
# CPU stays bounded, reconnection, SIGTERM, and the busy-poll mode.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/check/agent
rm -rf "$out" && mkdir -p "$out"

expect() {
	local name=$1
	shift
	if "$@"; then echo "ok - agent: $name"; else echo "not ok - agent: $name"; fi
}

if ! make -s -C "$top/tools/taxcut-agent" O="$top/build/agent" >"$out/build.log" 2>&1 ||
	! gcc -std=gnu11 -O2 -Wall -Wextra -Werror -I"$top/include" -I"$top/tools/taxcut-agent" \
		-o "$out/et_client" "$top/selftests/agent/et_client.c" \
		"$top/tools/taxcut-agent/ivshmem.c" >>"$out/build.log" 2>&1; then
	echo "not ok - agent: taxcut-agent and the test client build without a warning"
	sed 's/^/#   /' "$out/build.log"
	exit 0
fi
echo "ok - agent: taxcut-agent and the test client build without a warning"
agent=$top/build/agent/taxcut-agent
client=$out/et_client

# cpu_ticks PID: user + system clock ticks the process has used
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# client LABEL ARGS...: run the test client, its TAP lines prefixed
client() {
	local label=$1
	shift
	"$client" "$@" | sed -E "s/^(ok|not ok) - /\1 - agent: $label: /"
}

"$agent" --vm vm0="$out/vm0.sock":4 --vm vm1="$out/vm1.sock":2 --stats 2>"$out/scan.log" &
pid=$!
for _ in $(seq 50); do [ -S "$out/vm1.sock" ] && break; sleep 0.1; done
expect "the sockets are created mode 0600" \
	test "$(stat -c %a "$out/vm0.sock")/$(stat -c %a "$out/vm1.sock")" = 600/600

client vm0 "$out/vm0.sock" timers 200 "scan mode, vm0"

"$client" "$out/vm0.sock" hold 3 >/dev/null &
holder=$!
sleep 0.3
client vm0 "$out/vm0.sock" refused
wait $holder

# vm0's guest turns hostile for 3 s while vm1's runs timers
t0=$(cpu_ticks $pid)
s0=$(date +%s%N)
client vm0-hostile "$out/vm0.sock" hostile 3 >"$out/hostile.tap" &
hostile=$!
client vm1 "$out/vm1.sock" timers 300 "vm1 while vm0 writes garbage"
wait $hostile
t1=$(cpu_ticks $pid)
s1=$(date +%s%N)
cat "$out/hostile.tap"
ticks=$((t1 - t0)) hz=$(getconf CLK_TCK)
pct=$((ticks * 100 * 1000000000 / hz / (s1 - s0)))
echo "# the agent used $ticks ticks of CPU in $(((s1 - s0) / 1000000)) ms with a hostile guest ($pct%)"
expect "the agent survived the hostile guest" kill -0 $pid
expect "its CPU stayed bounded in scan mode ($pct% of one CPU, limit 50%)" test $pct -le 50
expect "it never signalled a vector it does not own" \
	eval "! grep -q 'eventfd_errors [1-9]' '$out/scan.log'"

client vm0 "$out/vm0.sock" timers 50 "vm0 reconnected"

kill -TERM $pid
s0=$(date +%s%N)
wait $pid
rc=$?
ms=$((($(date +%s%N) - s0) / 1000000))
expect "SIGTERM: exit status 0 ($rc) within 2 s ($ms ms)" eval "[ $rc -eq 0 ] && [ $ms -lt 2000 ]"
expect "SIGTERM: the sockets are removed" eval "[ ! -e '$out/vm0.sock' ] && [ ! -e '$out/vm1.sock' ]"
expect "the log names connections, the refusal and the stop" \
	eval "grep -q 'vm0: connection 1 connected: 4 vCPUs' '$out/scan.log' &&
	      grep -q 'refused a second connection' '$out/scan.log' &&
	      grep -q 'stats vm1 slot' '$out/scan.log' && grep -q 'stopped' '$out/scan.log'"
sed 's/^/# /' "$out/scan.log" | grep -v ' slot ' | head -n 20

# busy-poll mode, pinned to the last CPU
cpu=$(($(nproc) - 1))
"$agent" --vm vm0="$out/poll.sock":2 --poll --cpu $cpu 2>"$out/poll.log" &
pid=$!
for _ in $(seq 50); do [ -S "$out/poll.sock" ] && break; sleep 0.1; done
client poll "$out/poll.sock" timers 200 "busy-poll mode"
kill -TERM $pid
wait $pid
expect "busy-poll mode: exit status 0 after SIGTERM ($?)" test $? -eq 0

expect "bad usage exits 2" eval "'$agent' --vm bad 2>/dev/null; [ \$? -eq 2 ]"
expect "--help prints the manual's sections" \
	eval "'$agent' --help | grep -q '^SYNOPSIS' && '$agent' --help | grep -q 'ivshmem-doorbell'"

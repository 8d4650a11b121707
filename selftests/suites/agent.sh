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

# wakeups PID: voluntary and involuntary context switches so far, of all
# its threads (every wakeup of a sleeping thread is one)
wakeups() {
	cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ { n += $2 } END { print n }'
}

# wait_socket PATH: up to 10 s for an agent to create its socket
wait_socket() {
	for _ in $(seq 100); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_for FILE PATTERN: up to 10 s for a line matching PATTERN in FILE
wait_for() {
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# client LABEL ARGS...: run the test client, its TAP lines prefixed
client() {
	local label=$1
	shift
	"$client" "$@" | sed -E "s/^(ok|not ok) - /\1 - agent: $label: /"
}

"$agent" --vm vm0="$out/vm0.sock":4 --vm vm1="$out/vm1.sock":2 --stats 2>"$out/scan.log" &
pid=$!
wait_socket "$out/vm1.sock"
expect "the sockets are created mode 0600" \
	test "$(stat -c %a "$out/vm0.sock")/$(stat -c %a "$out/vm1.sock")" = 600/600

client vm0 "$out/vm0.sock" timers 200 "scan mode, vm0"

"$client" "$out/vm0.sock" hold 3 >"$out/hold.out" &
holder=$!
wait_for "$out/hold.out" '^# connected'
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
wait_socket "$out/poll.sock"
client poll "$out/poll.sock" timers 200 "busy-poll mode"
kill -TERM $pid
wait $pid
expect "busy-poll mode: exit status 0 after SIGTERM ($?)" test $? -eq 0

expect "bad usage exits 2" eval "'$agent' --vm bad 2>/dev/null; [ \$? -eq 2 ]"
# (timeout: an agent that took them would serve until killed)
expect "a socket named twice is bad usage (2)" \
	eval "timeout 10 '$agent' --vm a='$out/dup.sock':2 --vm b='$out/dup.sock':2 2>/dev/null; [ \$? -eq 2 ]"
expect "a mode beyond 0666 and an empty option are bad usage (2)" \
	eval "timeout 10 '$agent' --vm a='$out/m.sock':2,mode=0777 2>/dev/null; [ \$? -eq 2 ] &&
	      { timeout 10 '$agent' --vm a='$out/m.sock':2,,mode=0600 2>/dev/null; [ \$? -eq 2 ]; }"

# --- one agent per socket path ------------------------------------------------
"$agent" --vm vm0="$out/lock.sock":2 --stats 2>"$out/lock.log" &
pid=$!
wait_socket "$out/lock.sock"
timeout 10 "$agent" --vm other="$out/lock.sock":2 2>"$out/lock2.log"
rc=$?
expect "a second agent on a served socket path is refused: exit 3 ($rc), the lock named" \
	eval "[ $rc -eq 3 ] && grep -q 'another agent serves .*lock.sock (.*lock.sock.lock is held)' '$out/lock2.log'"
client lock "$out/lock.sock" timers 20 "the first agent still serves its socket"

# a socket someone else listens on is left alone; once it refuses
# connections (its server died) it is stale and replaced
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen()
time.sleep(60)' "$out/live.sock" &
live=$!
wait_socket "$out/live.sock"
timeout 10 "$agent" --vm x="$out/live.sock":2 2>"$out/live.log"
rc=$?
expect "a socket another server listens on is left alone: exit 1 ($rc), the reason named" \
	eval "[ $rc -eq 1 ] && grep -q 'another server listens on it' '$out/live.log' && [ -S '$out/live.sock' ]"
kill $live
wait $live 2>/dev/null
"$agent" --vm x="$out/live.sock":2 2>"$out/stale.log" &
stale=$!
expect "once its server is gone the stale socket is replaced" \
	wait_for "$out/stale.log" 'x: listening on'
kill -TERM $stale
wait $stale

# --- an idle agent sleeps -------------------------------------------------------
# no guest connected: nothing to scan, so no wakeups at all, in either mode
"$agent" --vm idle="$out/idle.sock":2 --poll 2>"$out/idle.log" &
idle=$!
wait_socket "$out/idle.sock"
sleep 0.2
t0=$(wakeups $pid) i0=$(wakeups $idle)
sleep 1
t1=$(wakeups $pid) i1=$(wakeups $idle)
expect "with no guest connected the agent sleeps: scan mode $((t1 - t0)), busy-poll mode $((i1 - i0)) context switches in 1 s" \
	eval "[ $((t1 - t0)) -eq 0 ] && [ $((i1 - i0)) -eq 0 ]"
kill -TERM $idle
wait $idle

# --- SIGHUP stops as SIGTERM does ----------------------------------------------
"$client" "$out/lock.sock" stopped 10 >"$out/stopped.tap" &
stopped=$!
wait_for "$out/stopped.tap" '^# connected'
kill -HUP $pid
wait $pid
rc=$?
wait $stopped
sed -E "s/^(ok|not ok) - /\1 - agent: SIGHUP: /" "$out/stopped.tap" | grep -v '^# connected'
expect "SIGHUP: exit status 0 ($rc), the socket and its lock file removed" \
	eval "[ $rc -eq 0 ] && [ ! -e '$out/lock.sock' ] && [ ! -e '$out/lock.sock.lock' ]"

# --- the handshake never holds the firing thread ---------------------------------
# A QEMU that reads nothing of its handshake for 3 s while another VM runs
# timers. With a small socket buffer (net.core.wmem_default for the moment
# it connects) the agent's sends fill it after a few messages: the other
# VM's timers must all fire while that handshake waits, and the slow QEMU
# must still get all of it.
"$agent" --vm big="$out/big.sock":255 --vm vm1="$out/vm1.sock":2 --stats 2>"$out/slow.log" &
pid=$!
wait_socket "$out/vm1.sock"
wmem=$(cat /proc/sys/net/core/wmem_default 2>/dev/null)
if [ -n "$wmem" ] && echo 4608 2>/dev/null >/proc/sys/net/core/wmem_default; then
	# the buffer is sized as the client connects: back to normal at once after
	trap 'echo "$wmem" >/proc/sys/net/core/wmem_default' EXIT
	"$client" "$out/big.sock" slowread 3000 255 >"$out/slowread.tap" &
	slow=$!
	wait_for "$out/slowread.tap" '^# connected'
	echo "$wmem" >/proc/sys/net/core/wmem_default
	trap - EXIT
	client slow "$out/vm1.sock" timers 100 "vm1 while vm0's QEMU does not read its handshake"
	expect "vm1's timers were done while that handshake still waited" kill -0 $slow
	wait $slow
	sed -E "s/^(ok|not ok) - /\1 - agent: slow QEMU: /" "$out/slowread.tap" | grep -v '^# connected'
	kill -TERM $pid
	wait $pid
	expect "the agent did wait for that QEMU's socket (handshake_waits)" \
		grep -q 'stats big: .* handshake_waits [1-9]' "$out/slow.log"
else
	echo "ok - agent: the handshake never holds the firing thread # SKIP net.core.wmem_default is not writable here"
	kill -TERM $pid
	wait $pid
fi

# --- logging never blocks the timers ------------------------------------------------------
# stderr is a pipe nobody reads (a stuck journal): ten statistics dumps of
# a VM with most of its 255 slots fired are far more than the pipe holds;
# the other VM's timers must go on, and the lines that did not fit are
# counted once the reader drains the pipe.
mkfifo "$out/stderr.fifo" "$out/gate.fifo"
(read -r _ <"$out/gate.fifo"; cat) <"$out/stderr.fifo" >"$out/nb.log" &
reader=$!
"$agent" --vm big="$out/nb.sock":255 --vm vm1="$out/nb1.sock":2 2>"$out/stderr.fifo" &
pid=$!
wait_socket "$out/nb1.sock"
"$client" "$out/nb.sock" hostile 1 >/dev/null
for _ in $(seq 10); do
	kill -USR1 $pid
	sleep 0.05
done
# (timeout: a blocked agent never answers the handshake, which blocks)
tap=$(timeout 30 "$client" "$out/nb1.sock" timers 50 "vm1 after ten statistics dumps into a full pipe")
rc=$?
sed -E "s/^(ok|not ok) - /\1 - agent: nonblock: /" <<<"$tap"
expect "vm1's guest was served and finished (status $rc)" test $rc -eq 0
echo go >"$out/gate.fifo"
dropped=""
for _ in $(seq 50); do
	kill -USR1 $pid
	sleep 0.2
	dropped=$(sed -n 's/.*stats: log_dropped \([1-9][0-9]*\).*/\1/p' "$out/nb.log" | tail -n 1)
	[ -n "$dropped" ] && break
done
expect "the lines the pipe could not take were dropped and counted (log_dropped ${dropped:-0})" \
	test -n "$dropped"
kill -TERM $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -KILL $pid 2>/dev/null
wait $pid
rc=$?
expect "and the agent still stops at SIGTERM (exit $rc)" test $rc -eq 0
kill $reader 2>/dev/null
wait $reader 2>/dev/null
rm -f "$out/stderr.fifo" "$out/gate.fifo"

# --- who may connect ------------------------------------------------------------------
# sockets in a directory every user can reach (the work tree may not be)
acl=$(mktemp -d /tmp/taxcut-agent-acl.XXXXXX)
chmod 755 "$acl"
cp "$client" "$acl/et_client"
"$agent" --vm open="$acl/open.sock":2,mode=0666 --vm mine="$acl/mine.sock":2,owner=65534,mode=0600 \
	--stats 2>"$out/acl.log" &
pid=$!
wait_for "$out/acl.log" 'mine: listening on'
expect "socket owner and mode as asked: $(stat -c '%u %a' "$acl/open.sock"), $(stat -c '%u %a' "$acl/mine.sock")" \
	test "$(stat -c '%u %a' "$acl/open.sock")/$(stat -c '%u %a' "$acl/mine.sock")" = "$(id -u) 666/65534 600"
setpriv --reuid=65534 --regid=65534 --clear-groups "$acl/et_client" "$acl/open.sock" refused \
	"uid 65534 on a mode 0666 socket it does not own: refused by its credentials" |
	sed -E "s/^(ok|not ok) - /\1 - agent: /"
setpriv --reuid=65534 --regid=65534 --clear-groups "$acl/et_client" "$acl/mine.sock" timers 20 \
	"uid 65534 on the socket it owns" | sed -E "s/^(ok|not ok) - /\1 - agent: /"
kill -TERM $pid
wait $pid
expect "the refusal is logged and counted" \
	eval "grep -q 'open: refused a connection from uid 65534' '$out/acl.log' &&
	      grep -q 'stats open: .* refused_peer 1 ' '$out/acl.log'"
rm -rf "$acl"

# --- file descriptors --------------------------------------------------------------
# 255 vCPUs need 255 eventfds: a soft limit of 64 is raised, a hard one refused
(ulimit -Sn 64 && exec "$agent" --vm fd="$out/fd.sock":255 2>"$out/fd.log") &
pid=$!
wait_socket "$out/fd.sock"
client fd "$out/fd.sock" timers 20 "255 vCPUs under a soft limit of 64 descriptors"
kill -TERM $pid
wait $pid
(ulimit -n 64 && exec timeout 10 "$agent" --vm fd="$out/fd.sock":255 2>"$out/fd2.log")
rc=$?
expect "a hard limit of 64 descriptors for 255 vCPUs: exit 1 ($rc), the need named" \
	eval "[ $rc -eq 1 ] && grep -q 'the VMs need [0-9]* file descriptors; the hard limit is 64' '$out/fd2.log'"

# --- 70000 connections, then a real QEMU ---------------------------------------------
# Each guest gets the one peer ID QEMU accepts, however many came before:
# QEMU refuses IDs beyond 65535. The connection log is rate-limited.
"$agent" --vm churn="$out/churn.sock":2 --stats 2>"$out/churn.log" &
pid=$!
wait_socket "$out/churn.sock"
client churn "$out/churn.sock" churn 70000
qemu-system-x86_64 -S -display none -nodefaults -machine q35 -accel tcg -m 64 \
	-chardev socket,path="$out/churn.sock",id=tcet \
	-device ivshmem-doorbell,chardev=tcet,vectors=2 2>"$out/churn-qemu.log" &
qemu=$!
served=""
for _ in $(seq 100); do
	kill -USR1 $pid
	sleep 0.1
	served=$(sed -n 's/.*stats churn: serving \([0-9]*\) .*/\1/p' "$out/churn.log" | tail -n 1)
	[ "${served:-0}" -gt 0 ] && break
done
expect "after 70000 connections a QEMU is served (connection ${served:-none}) and runs" \
	eval "[ '${served:-0}' -gt 70000 ] && kill -0 $qemu"
kill -TERM $qemu 2>/dev/null
wait $qemu 2>/dev/null
kill -TERM $pid
wait $pid
lines=$(grep -vc 'stats' "$out/churn.log")
expect "the connection log stayed short ($lines lines for 140002 events)" test "$lines" -lt 200
# --- budgets, firing threads, promises ---------------------------------------------
# Three VMs on two firing threads, each pinned, SCHED_FIFO. "flood" (a budget
# of 2000 interrupts/s) re-arms every fired slot at deadline 1 for 3 s; "quiet"
# shares its thread and runs timers meanwhile; "held" is on the other thread.
# Then the agent is stopped for 300 ms: every look after it breaks a promise.
rm -f "$out/budget.json"
"$agent" --vm flood="$out/flood.sock":4,irq-rate=2000 --vm held="$out/held.sock":4 \
	--vm quiet="$out/quiet.sock":2 --threads 2 --fifo 10 --stats-json "$out/budget.json" \
	2>"$out/budget.log" &
pid=$!
wait_socket "$out/quiet.sock"
# the sockets listen before the firing threads start: their line comes after
wait_for "$out/budget.log" '^taxcut-agent: scan mode'
fire_threads=""
for t in /proc/$pid/task/*; do
	case "$(cat "$t/comm")" in taxcut-fire*)
		# name, CPUs allowed, scheduling policy (field 41: 1 is SCHED_FIFO) and priority
		fire_threads+="$(cat "$t/comm"):$(sed -n 's/^Cpus_allowed_list:\s*//p' "$t/status"):$(awk '{ print $41 "/" $40 }' "$t/stat") "
	esac
done
expect "--threads 2 --fifo 10: two firing threads, each on one CPU, SCHED_FIFO 10 (${fire_threads% })" \
	eval "[ \$(echo '$fire_threads' | grep -oE 'taxcut-fire[01]:[0-9]+:1/10' | wc -l) -eq 2 ]"
"$client" "$out/held.sock" hold 60 >"$out/held.out" &
holder=$!
wait_for "$out/held.out" '^# connected'
s0=$(date +%s%N)
"$client" "$out/flood.sock" attack 3 >"$out/flood.out" &
flooder=$!
wait_for "$out/flood.out" '^# connected'
client quiet "$out/quiet.sock" timers 300 "beside a VM flooding its slots on the same thread"
wait $flooder
kill -STOP $pid
sleep 0.3
kill -CONT $pid
sleep 0.1
kill -USR1 $pid
for _ in $(seq 100); do [ -e "$out/budget.json" ] && break; sleep 0.1; done
s1=$(date +%s%N)
budget=$(python3 - "$out/budget.json" $(((s1 - s0) / 1000000)) <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ms = int(sys.argv[2])
vm = {v["name"]: v for v in d["vms"]}
f, q, h = vm["flood"], vm["quiet"], vm["held"]
bound = 100 + 2000 * ms // 1000 + 1       # the bucket (2000/20) and the rate over the window
print("same_thread=%d flood_fired=%d bound=%d flood_throttled=%d quiet_throttled=%d "
      "deferred=%d held_broken=%d held_broken_max_ms=%d" % (
          f["thread"] == q["thread"] != h["thread"], f["fired"], bound, f["throttled"],
          q["throttled"], d["threads"][f["thread"]]["deferred"], h["broken_promises"],
          h["broken_max_ns"] // 1000000))
PY
)
echo "# budget: $budget"
eval "$budget"
expect "flood and quiet share a firing thread, held has the other" test "${same_thread:-0}" = 1
expect "the flooding VM got at most its budget (${flood_fired:-?} interrupts, at most ${bound:-?} in ${s0:+$(((s1 - s0) / 1000000))} ms) and was throttled (${flood_throttled:-?})" \
	eval "[ ${flood_fired:-999999} -le ${bound:-0} ] && [ ${flood_fired:-0} -gt 0 ] && [ ${flood_throttled:-0} -gt 0 ]"
expect "its interrupts went after the other VMs' (${deferred:-?} deferred to the end of a pass)" \
	test "${deferred:-0}" -gt 0
expect "the quiet VM on its thread was never throttled (${quiet_throttled:-?})" \
	test "${quiet_throttled:-1}" -eq 0
expect "the agent stopped 300 ms: a broken promise counted for held (${held_broken:-?}, ${held_broken_max_ms:-?} ms late)" \
	eval "[ ${held_broken:-0} -ge 1 ] && [ ${held_broken_max_ms:-0} -ge 100 ]"
kill -TERM $pid
wait $pid
rc=$?
kill $holder 2>/dev/null
wait $holder
expect "and it stops at SIGTERM (exit $rc)" test $rc -eq 0
for bad in "--threads 0" "--fifo 100" "--irq-per-pass 256" "--threads 3 --cpu 0,0" "--threads 2 --cpu 1,1"; do
	# shellcheck disable=SC2086 # the bad options, word by word
	timeout 10 "$agent" --vm a="$out/u1.sock":2 --vm b="$out/u2.sock":2 --vm c="$out/u3.sock":2 $bad \
		2>/dev/null
	rc=$?
	expect "bad usage: $bad exits 2 ($rc)" test $rc -eq 2
done
timeout 10 "$agent" --vm 'a"b'="$out/u1.sock":2 2>/dev/null
rc=$?
expect "a VM name with a quote is bad usage ($rc)" test $rc -eq 2
# on one allowed CPU: two threads, or a busy-polling real-time thread with
# no CPU left for the control thread, are refused
timeout 10 taskset -c 0 "$agent" --vm a="$out/u1.sock":2 --vm b="$out/u2.sock":2 --threads 2 \
	2>"$out/cpus.log"
rc=$?
expect "--threads 2 on one allowed CPU is bad usage ($rc: $(tail -1 "$out/cpus.log"))" test $rc -eq 2
timeout 10 taskset -c 0 "$agent" --vm a="$out/u1.sock":2 --poll --fifo 10 --cpu 0 2>"$out/cpus.log"
rc=$?
expect "--poll --fifo on the agent's only CPU is bad usage ($rc: $(tail -1 "$out/cpus.log"))" \
	eval "[ $rc -eq 2 ] && grep -q 'leaving none for its sockets' '$out/cpus.log'"

# --- the configuration file ------------------------------------------------------------
conf=$out/agent.conf
printf '# two VMs\n\nthreads 2\n  vm a=%s:2,mode=0600  \nvm b=%s:4\nstats\n' \
	"$out/c1.sock" "$out/c2.sock" >"$conf"
"$agent" --config "$conf" --scan-us 500 2>"$out/conf.log" &
pid=$!
wait_socket "$out/c2.sock"
"$client" "$out/c1.sock" timers 20 >"$out/conf1.out" 2>&1
c1=$?
kill -TERM $pid
wait $pid
rc=$?
expect "--config: both VMs served by 2 threads, a later option kept (a guest's timers: $c1; exit $rc)" \
	eval "[ $c1 -eq 0 ] && [ $rc -eq 0 ] && grep -q 'every 500 us, 2 threads' '$out/conf.log' &&
	      grep -q 'stats thread 1:' '$out/conf.log'"
for bad in "thread 2" "vm" "poll yes" "config $conf"; do
	printf 'vm a=%s:2\n%s\n' "$out/c1.sock" "$bad" >"$conf"
	timeout 10 "$agent" --config "$conf" 2>"$out/conf.log"
	rc=$?
	expect "--config: a line '$bad' is refused with its place ($rc: $(tail -1 "$out/conf.log"))" \
		eval "[ $rc -eq 2 ] && grep -q '$conf:2: ' '$out/conf.log'"
done

# --- installed as a host admin would ---------------------------------------------------
root=$out/install
rm -rf "$root"
if make -s -C "$top/tools/taxcut-agent" O="$top/build/agent" install PREFIX="$root/usr" \
	>"$out/install.log" 2>&1; then
	units=$root/usr/lib/systemd/system
	expect "make install: the agent, taxcut-qmp, the man page, both units" \
		eval "[ -x '$root/usr/sbin/taxcut-agent' ] && [ -x '$root/usr/sbin/taxcut-qmp' ] &&
		      [ -f '$root/usr/share/man/man8/taxcut-agent.8' ] &&
		      [ -f '$units/taxcut-agent.service' ] && [ -f '$units/taxcut-agent@.service' ] &&
		      grep -q '^ExecStart=$root/usr/sbin/taxcut-agent ' '$units/taxcut-agent@.service'"
	# an instance of the template, as systemctl enable taxcut-agent@web would make
	mkdir -p "$root/verify"
	cp "$units/taxcut-agent.service" "$root/verify/"
	cp "$units/taxcut-agent@.service" "$root/verify/taxcut-agent@web.service"
	v=$(systemd-analyze verify --man=no "$root/verify/taxcut-agent.service" \
		"$root/verify/taxcut-agent@web.service" 2>&1)
	rc=$?
	expect "systemd-analyze verify: both units clean (status $rc)" eval "[ $rc -eq 0 ] && [ -z '$v' ]"
	[ -z "$v" ] || echo "$v" | sed 's/^/#   /'
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$root/usr/share/man/man8/taxcut-agent.8" 2>&1 >/dev/null)
	expect "the man page renders without a warning" test -z "$w"
	[ -z "$w" ] || echo "$w" | sed 's/^/#   /'
	missing=$("$agent" --help | grep -o -- '--[a-z][a-z-]*' | sort -u | while read -r o; do
		grep -q -- "${o//-/\\\\-}" "$root/usr/share/man/man8/taxcut-agent.8" || echo "$o"
	done)
	expect "every option of --help is in the man page${missing:+ (missing: $missing)}" test -z "$missing"
	# the template's command line with a configuration as the man page shows it
	VCPUS=2 SOCKET_OPTIONS=,owner=65534,mode=0600 AGENT_OPTIONS="--scan-us 250"
	# shellcheck disable=SC2086 # AGENT_OPTIONS is split, as systemd splits $AGENT_OPTIONS
	"$root/usr/sbin/taxcut-agent" --vm web="$out/web.sock:${VCPUS}${SOCKET_OPTIONS}" $AGENT_OPTIONS \
		2>"$out/web.log" &
	pid=$!
	wait_socket "$out/web.sock"
	sock=$(stat -c '%u %a' "$out/web.sock" 2>/dev/null)
	kill -TERM $pid
	wait $pid
	rc=$?
	expect "the installed agent runs the template's command line (socket: uid and mode ${sock:-none}, exit $rc)" \
		eval "[ '$sock' = '65534 600' ] && [ $rc -eq 0 ]"
	# the service's command line with a configuration as the man page shows it
	printf 'threads 2\nvm web=%s:16,owner=65534\nvm db=%s:8,owner=65534,irq-rate=40000\n' \
		"$out/web.sock" "$out/db.sock" >"$root/agent.conf"
	exec_start=$(sed -n 's/^ExecStart=//p' "$units/taxcut-agent.service")
	${exec_start/\/etc\/taxcut\/agent.conf/$root/agent.conf} 2>"$out/service.log" &
	pid=$!
	wait_socket "$out/db.sock"
	sock=$(stat -c '%u' "$out/web.sock" "$out/db.sock" 2>/dev/null | tr '\n' ' ')
	kill -TERM $pid
	wait $pid
	rc=$?
	expect "the installed agent runs the service's command line with agent.conf (owners: ${sock:-none}exit $rc)" \
		eval "[ '$sock' = '65534 65534 ' ] && [ $rc -eq 0 ]"
else
	echo "not ok - agent: make install"
	sed 's/^/#   /' "$out/install.log"
fi

expect "--help prints the manual's sections" \
	eval "'$agent' --help | grep -q '^SYNOPSIS' && '$agent' --help | grep -q 'ivshmem-doorbell'"

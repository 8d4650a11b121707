#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The agent benchmark: taxcut-agent serving 1, 8 and 64 VMs of 4 and 16
# vCPUs, each VM a userspace guest speaking the ivshmem client protocol
# (selftests/agent/et_client.c "bench": every slot armed again as soon as
# its deadline, 2 to 40 ms ahead, fired), each configuration without and
# with one hostile VM of 255 vCPUs ("attack": every fired slot armed again
# at deadline 1, vectors never read, a garbage byte every millisecond).
# The agent's own statistics (--stats-json, taken by SIGUSR1 after a
# warm-up and again SECONDS later: the steady state, not the guests'
# connects and exits) are the measure: the honest VMs' fire lateness, the
# promises it broke, its passes; its CPU from /proc. The control: a bare
# sleeper (tools/bench/wake_probe.c) at the firing threads' scheduling
# class, over the same window, shows how late this machine wakes anything.
# Configurations interleaved in each round; medians in
# build/bench/agent.json and build/bench/agent.md
# (tools/bench/agent_report.py).
#
#   agent.sh [--repeats N] [--seconds S] [--warmup S] [--agent-threads N] [--agent-fifo PRIO]
#            [--agent-cpus LIST]
# --agent-cpus gives the firing threads these host CPUs (--cpu) and runs the
# guests and the control sleeper's load elsewhere: a host that keeps
# housekeeping CPUs for the agent (the probe then sleeps on the first of
# them, as a firing thread does).
set -euo pipefail

. "$(dirname "$0")/../build/common.sh"
out=$TAXCUT_BUILD/bench/agent
repeats=3 seconds=3 warmup=2 threads=1 fifo=0 agent_cpus=
while [ $# -gt 0 ]; do
	case "$1" in
	--repeats) repeats=$2 ;;
	--seconds) seconds=$2 ;;
	--warmup) warmup=$2 ;;
	--agent-threads) threads=$2 ;;
	--agent-fifo) fifo=$2 ;;
	--agent-cpus) agent_cpus=$2 ;;
	--pin | --vcpus | --configs | --iterations | --events) log "agent: $1 is another benchmark's option, ignored" ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done

make -s -C "$TAXCUT_TOP/tools/taxcut-agent" O="$TAXCUT_BUILD/agent"
agent=$TAXCUT_BUILD/agent/taxcut-agent
client=$TAXCUT_BUILD/agent/et_client
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -I"$TAXCUT_TOP/include" -I"$TAXCUT_TOP/tools/taxcut-agent" \
	-o "$client" "$TAXCUT_TOP/selftests/agent/et_client.c" "$TAXCUT_TOP/tools/taxcut-agent/ivshmem.c"
probe=$TAXCUT_BUILD/agent/wake_probe
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$probe" "$TAXCUT_TOP/tools/bench/wake_probe.c"
rm -rf "$out"
mkdir -p "$out/runs"
hz=$(getconf CLK_TCK)
# the guests' CPUs: all but the agent's
guest_pin=() probe_pin=()
if [ -n "$agent_cpus" ]; then
	others=$(python3 -c 'import os, sys
mine = {int(c) for c in sys.argv[1].split(",")}
print(",".join(str(c) for c in sorted(os.sched_getaffinity(0) - mine)))' "$agent_cpus")
	[ -n "$others" ] || die "--agent-cpus $agent_cpus leaves no CPU for the guests"
	guest_pin=(taskset -c "$others")
	probe_pin=(taskset -c "${agent_cpus%%,*}")
fi

# cpu_ticks PID: user + system clock ticks of the whole process
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# steal_ticks: this machine's CPU time its own host took (all CPUs)
steal_ticks() { awk '$1 == "cpu" { print $9 }' /proc/stat; }

# snapshot PID JSON TO: the agent's statistics now (SIGUSR1), copied to TO
snapshot() {
	local before
	before=$(stat -c %i "$2" 2>/dev/null || echo none)
	kill -USR1 "$1"
	for _ in $(seq 200); do
		[ "$(stat -c %i "$2" 2>/dev/null || echo none)" != "$before" ] && break
		sleep 0.01
	done
	cp "$2" "$3"
}

# run NAME VMS VCPUS HOSTILE: one configuration, once
run() {
	local name=$1 vms=$2 vcpus=$3 hostile=$4 dir args=() pids=() i apid t0 t1 s0 s1 st0 st1 n probe_pid
	local json=$out/runs/$name.stats.json guest_s=$((warmup + seconds + 1))
	dir=$(mktemp -d "$out/sock.XXXX")
	for i in $(seq 1 "$vms"); do args+=(--vm "vm$i=$dir/vm$i.sock:$vcpus"); done
	[ "$hostile" = 0 ] || args+=(--vm "hostile=$dir/hostile.sock:255")
	[ "$fifo" = 0 ] || args+=(--fifo "$fifo")
	[ -z "$agent_cpus" ] || args+=(--cpu "$agent_cpus")
	"$agent" "${args[@]}" --threads "$threads" --stats-json "$json" \
		2>"$out/runs/$name.agent.log" &
	apid=$!
	for _ in $(seq 100); do [ -S "$dir/vm$vms.sock" ] && break; sleep 0.05; done
	for i in $(seq 1 "$vms"); do
		${guest_pin[@]+"${guest_pin[@]}"} "$client" "$dir/vm$i.sock" bench "$guest_s" 2000 40000 >"$out/runs/$name.vm$i.out" &
		pids+=($!)
	done
	[ "$hostile" = 0 ] || {
		${guest_pin[@]+"${guest_pin[@]}"} "$client" "$dir/hostile.sock" attack "$guest_s" >"$out/runs/$name.hostile.out" &
		pids+=($!)
	}
	# every guest holds its region: the measured window starts
	for _ in $(seq 200); do
		n=$(cat "$out/runs/$name".*.out 2>/dev/null | grep -c '^# connected' || true)
		[ "$n" -ge ${#pids[@]} ] && break
		sleep 0.02
	done
	sleep "$warmup"
	snapshot $apid "$json" "$out/runs/$name.t0.json"
	${probe_pin[@]+"${probe_pin[@]}"} "$probe" "$seconds" 250 "$fifo" >"$out/runs/$name.probe.json" &
	probe_pid=$!
	t0=$(cpu_ticks $apid) s0=$(date +%s%N) st0=$(steal_ticks)
	sleep "$seconds"
	t1=$(cpu_ticks $apid) s1=$(date +%s%N) st1=$(steal_ticks)
	snapshot $apid "$json" "$out/runs/$name.json"
	for i in "${pids[@]}"; do wait "$i" || log "warning: $name: a guest failed ($?)"; done
	wait $probe_pid || log "warning: $name: the wake probe failed"
	kill -TERM $apid
	wait $apid || log "warning: $name: the agent exited $?"
	echo "{\"cpu_ticks\": $((t1 - t0)), \"steal_ticks\": $((st1 - st0)), \"hz\": $hz," \
		"\"wall_ns\": $((s1 - s0))}" >"$out/runs/$name.cpu.json"
	rm -rf "$dir"
}

for r in $(seq 1 "$repeats"); do
	for vms in 1 8 64; do
		for vcpus in 4 16; do
			for hostile in 0 1; do
				log "agent round $r/$repeats: $vms VMs x $vcpus vCPUs, hostile $hostile"
				run "$vms-$vcpus-$hostile.$r" "$vms" "$vcpus" "$hostile"
			done
		done
	done
done
"$TAXCUT_TOP/tools/bench/agent_report.py" "$out" "$TAXCUT_BUILD/bench" "$seconds" "$threads" "$fifo" "$warmup" \
	"${agent_cpus:-any}"

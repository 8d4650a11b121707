#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The exitless timer benchmark: the stock Debian 6.1 guest on 4 vCPUs of the
# emulated KVM host, taxcut-agent serving its ivshmem-doorbell device, and
# timer_accuracy (nanosleep, clock_nanosleep, timerfd at 100 us - 6.4 ms on
# every CPU) between two marks, for
#   lapic   taxcut loaded with exitless_timer=0: the LAPIC timer
#   poll    the exitless timer, the agent busy-polling on host CPU 1
#   scan    the exitless timer, the agent scanning every 250 us
# each booted in turn in every round; medians in build/bench/timer.json and
# build/bench/timer.md (tools/bench/timer_report.py).
#
#   timer.sh [--repeats N] [--seconds S]
set -euo pipefail

. "$(dirname "$0")/../build/common.sh"
. "$(dirname "$0")/lib.sh"
lib=$TAXCUT_TOP/selftests/lib
out=$TAXCUT_BUILD/bench/timer
repeats=3 seconds=5
while [ $# -gt 0 ]; do
	case "$1" in
	--repeats) repeats=$2 ;;
	--pin) bench_pin=$2 ;;
	--seconds) seconds=$2 ;;
	--vcpus | --configs | --iterations | --agent-threads | --agent-fifo | --agent-cpus | --warmup | --events) log "timer: $1 is another benchmark's option, ignored" ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done

bench_prepare "$out"
make -s -C "$TAXCUT_TOP/tools/taxcut-agent" O="$TAXCUT_BUILD/agent"
agent=$TAXCUT_BUILD/agent/taxcut-agent

# config -> agent options | module parameters
declare -A config=(
	[lapic]="--scan-us 250|exitless_timer=0"
	[poll]="--poll --cpu 1|"
	[scan]="--scan-us 250|"
)
bad=$(grep -v '^#' "$lib/bad-log-patterns" | paste -sd '|')
for r in $(seq 1 "$repeats"); do
	for c in lapic poll scan; do
		IFS='|' read -r aopts margs <<<"${config[$c]}"
		run=$out/runs/$c.$r
		sock=$out/$c.$r.sock
		log "round $r/$repeats: $c"
		# shellcheck disable=SC2086 # agent options, word by word
		"$agent" --vm guest="$sock":4 --stats $aopts 2>"$out/$c.$r.agent.log" &
		apid=$!
		for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
		"$lib/boot.sh" --out "$run" --qemu "$qemu" --kernel "$(bench_image debian)" \
			--initrd "$out/debian.cpio.gz" --cpu max,kvm=on,monitor=off --smp 4 \
			--timeout 300 --tests bench_timer --emu "$(bench_emu on)" \
			--append "TIMER_SECONDS=$seconds TIMER_MODULE_ARGS=$margs" \
			--qemu-args "-chardev socket,path=$sock,id=tcet -device ivshmem-doorbell,chardev=tcet,vectors=4,master=on"
		kill -TERM $apid 2>/dev/null || true
		wait $apid || log "warning: the agent of $c.$r exited $?"
		grep -q '^# guest done' "$run/tap.log" && [ "$(cat "$run/status")" = poweroff ] ||
			log "warning: $c.$r did not finish ($(cat "$run/status"))"
		! grep -q '^not ok' "$run/tap.log" || log "warning: $c.$r: $(grep -m1 '^not ok' "$run/tap.log")"
		! grep -qE "$bad" "$run/console.log" ||
			log "warning: $c.$r: kernel log not clean: $(grep -m1 -E "$bad" "$run/console.log")"
	done
done
"$TAXCUT_TOP/tools/bench/timer_report.py" "$out" "$TAXCUT_BUILD/bench"

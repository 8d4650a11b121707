#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# How noisy one configuration is, with and without dedicated CPUs: the
# haltpoll benchmark's taxcut-gov configuration booted ROUNDS times with
# the vCPU threads pinned (kvm-emu pin-vcpus) and ROUNDS times not, the
# boots interleaved; per workload the spread of the round-trip medians
# across boots ((max - min) / median) in build/bench/noise.json and
# noise.md. Not part of the default `make bench`:
#
#   make bench BENCH_ARGS="--only noise"    (or tools/bench/noise.sh)
#   noise.sh [--repeats ROUNDS] [--vcpus N] [--configs CONFIG]
set -euo pipefail

. "$(dirname "$0")/../build/common.sh"
repeats=5 vcpus=2 configs=taxcut-gov
while [ $# -gt 0 ]; do
	case "$1" in
	--repeats) repeats=$2 ;;
	--vcpus) vcpus=$2 ;;
	--configs) configs=$2 ;;
	--pin | --iterations | --seconds | --agent-threads | --agent-fifo | --agent-cpus | --warmup | --events) log "noise: $1 is another benchmark's option, ignored" ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done
out=$TAXCUT_BUILD/bench/noise
rm -rf "$out"
mkdir -p "$out"
# the haltpoll benchmark's own results stay as they were
for f in haltpoll.json haltpoll.md; do
	[ ! -e "$TAXCUT_BUILD/bench/$f" ] || cp "$TAXCUT_BUILD/bench/$f" "$out/saved.$f"
done
restore() {
	for f in haltpoll.json haltpoll.md; do
		rm -f "$TAXCUT_BUILD/bench/$f"
		[ ! -e "$out/saved.$f" ] || mv "$out/saved.$f" "$TAXCUT_BUILD/bench/$f"
	done
}
trap restore EXIT
for r in $(seq 1 "$repeats"); do
	for pin in on off; do
		log "noise: round $r/$repeats, pinned $pin"
		"$TAXCUT_TOP/tools/bench/haltpoll.sh" --repeats 1 --vcpus "$vcpus" \
			--configs "$configs" --pin $pin >"$out/$pin.$r.log" 2>&1 ||
			log "warning: round $r, pinned $pin: $(tail -n 1 "$out/$pin.$r.log")"
		cp "$TAXCUT_BUILD/bench/haltpoll.json" "$out/$pin.$r.json" 2>/dev/null ||
			log "warning: round $r, pinned $pin: no result"
	done
done
"$TAXCUT_TOP/tools/bench/noise_report.py" "$out" "$TAXCUT_BUILD/bench"

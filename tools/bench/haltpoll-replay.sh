#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The haltpoll replay benchmark (tools/haltpoll-replay/replay.c): idle
# traces, synthetic and recorded (selftests/unit/traces/), replayed through
# taxcut's policy code and models of upstream's governor, menu with
# cpuidle-haltpoll, halt-only and idle=poll, under KVM's cost model with
# host polling off at L = 5, 20 and 200 us. Deterministic, a second: build/bench/haltpoll-replay.{json,md},
# and the plot build/bench/haltpoll-replay.svg (tools/bench/haltpoll_replay_report.py).
#
#   haltpoll-replay.sh [--events N]
set -euo pipefail

. "$(dirname "$0")/../build/common.sh"
events=20000
while [ $# -gt 0 ]; do
	case "$1" in
	--events) events=$2 ;;
	--repeats | --pin | --vcpus | --configs | --iterations | --seconds | --agent-threads | --agent-cpus | \
		--agent-fifo | --warmup)
		log "haltpoll-replay: $1 is another benchmark's option, ignored (deterministic: one run)" ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done
out=$TAXCUT_BUILD/bench
mkdir -p "$out" "$TAXCUT_BUILD/haltpoll-replay"
make -s -C "$TAXCUT_TOP/tools/haltpoll-replay" O="$TAXCUT_BUILD/haltpoll-replay"
"$TAXCUT_BUILD/haltpoll-replay/haltpoll-replay" --traces "$TAXCUT_TOP/selftests/unit/traces" \
	--events "$events" --json "$out/haltpoll-replay.json" --md "$out/haltpoll-replay.md"
"$TAXCUT_TOP/tools/bench/haltpoll_replay_report.py" "$out"
cat "$out/haltpoll-replay.md"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: every benchmark, results in build/bench/ (NAME.json and
# NAME.md each).
#   run.sh [--only haltpoll|ipi|timer] [--repeats N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
only="" args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--only) only=$2 ;;
	*) args+=("$1" "$2") ;;
	esac
	shift 2
done
for b in haltpoll ipi timer; do
	[ -z "$only" ] || [ "$only" = $b ] || continue
	"$here/$b.sh" ${args[@]+"${args[@]}"}
done

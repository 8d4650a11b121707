#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: every benchmark, results in build/bench/ (NAME.json and
# NAME.md each).
#   run.sh [--only haltpoll-replay|haltpoll|ipi|timer|agent|noise] [--repeats N] [--pin on|off]
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
# noise (the spread across boots, pinned and not) runs only when asked for
for b in haltpoll-replay haltpoll ipi timer agent noise; do
	if [ -z "$only" ]; then
		[ $b != noise ] || continue
	elif [ "$only" != $b ]; then
		continue
	fi
	"$here/$b.sh" ${args[@]+"${args[@]}"}
done

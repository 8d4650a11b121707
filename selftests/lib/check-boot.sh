#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-boot.sh DIR NAME: TAP lines for one boot collected by boot.sh:
# the guest tests' own lines, then that the guest ran them all and powered
# off, then that the kernel log holds no warning, oops, lockdep or KASAN
# report.
set -uo pipefail

dir=${1:?usage: check-boot.sh DIR NAME}
name=${2:?usage: check-boot.sh DIR NAME}
here=$(cd "$(dirname "$0")" && pwd)

tr -d '\r' <"$dir/tap.log" 2>/dev/null | grep -E '^(ok|not ok|#)' |
	sed -E "s#^(ok|not ok) - #\1 - $name: #"

status=$(cat "$dir/status" 2>/dev/null || echo missing)
if grep -q '^# guest done' "$dir/tap.log" 2>/dev/null && [ "$status" = poweroff ]; then
	echo "ok - $name: guest ran its tests and powered off"
else
	echo "not ok - $name: guest ran its tests and powered off (status: $status)"
	tail -n 20 "$dir/console.log" 2>/dev/null | sed 's/^/#   /'
fi

patterns=$(grep -v '^#' "$here/bad-log-patterns" | paste -sd '|')
if bad=$(grep -E "$patterns" "$dir/console.log" 2>/dev/null); then
	echo "not ok - $name: kernel log clean"
	echo "$bad" | head -n 20 | sed 's/^/#   /'
else
	echo "ok - $name: kernel log clean (no warning, oops, lockdep or KASAN report)"
fi

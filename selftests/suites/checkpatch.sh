#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every kernel source of taxcut passes checkpatch.pl (from linux-source-6.12).
set -uo pipefail

. "$(dirname "$0")/../../tools/build/common.sh"
checkpatch=$(linux612_src)/scripts/checkpatch.pl
if [ ! -x "$checkpatch" ]; then
	echo "not ok - checkpatch: $checkpatch exists (run make deps)"
	exit 0
fi

cd "$TAXCUT_TOP" || exit 1
git ls-files -- 'arch/*.[ch]' 'drivers/*.[ch]' 'include/*.h' 'selftests/modules/*.c' | while read -r f; do
	if res=$("$checkpatch" --no-tree --quiet --terse --show-types -f "$f" 2>&1); then
		echo "ok - checkpatch: $f"
	else
		echo "not ok - checkpatch: $f"
		echo "$res" | sed 's/^/#   /'
	fi
done

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

# the kernel patches, as patches (read from stdin: checkpatch run inside a
# git work tree takes a patch file for a source file)
for p in tools/kernel/patches/*.patch; do
	if res=$("$checkpatch" --no-tree --no-signoff --quiet --terse --show-types - <"$p" 2>&1); then
		echo "ok - checkpatch: $p"
	else
		echo "not ok - checkpatch: $p"
		echo "$res" | sed 's/^/#   /'
	fi
done

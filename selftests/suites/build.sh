#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# taxcut.ko builds without a warning (W=1) and sparse-clean (C=2) against
# every test kernel.
set -uo pipefail

. "$(dirname "$0")/../lib/kernels.sh"
out=$TAXCUT_BUILD/check
mkdir -p "$out"

for k in "${TEST_KERNELS[@]}"; do
	if ! kdir=$(kernel_kdir "$k" 2>"$out/kernel-$k.err"); then
		echo "not ok - build/$k: kernel available"
		tail -n 20 "$out/kernel-$k.err" | sed 's/^/#   /'
		continue
	fi
	for mode in "W=1" "W=1 C=2"; do
		what="W=1 without warnings"
		[ "$mode" = "W=1" ] || what="sparse (C=2) without warnings"
		# shellcheck disable=SC2086 # mode is two make arguments
		"$TAXCUT_TOP/tools/build/module.sh" "$kdir" $mode >/dev/null 2>"$out/build-$k.log"
		rc=$?
		if [ $rc -eq 0 ] && ! grep -qE 'warning|error' "$out/build-$k.log"; then
			echo "ok - build/$k: taxcut.ko builds, $what"
		else
			echo "not ok - build/$k: taxcut.ko builds, $what"
			head -n 30 "$out/build-$k.log" | sed 's/^/#   /'
		fi
	done
done

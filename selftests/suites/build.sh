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

# taxcut's built-in part against Debian's 6.1: the hook patch applies to
# its sources (the files of tools/kernel/hook-6.1.list, kept by make deps),
# and the built-in sources compile as built-in objects against its headers.
src61=$(ls -d "$TAXCUT_CACHE"/linux-source-6.1/*/tree 2>/dev/null | tail -n 1)
if [ -z "$src61" ]; then
	echo "not ok - build/hook-6.1: Debian's 6.1 sources are kept (run make deps)"
else
	rm -rf "$out/hook-6.1" && cp -r "$src61" "$out/hook-6.1"
	if patch -s -p1 -d "$out/hook-6.1" <"$TAXCUT_TOP"/tools/kernel/patches/0002-*.patch \
		>"$out/hook-6.1.log" 2>&1; then
		echo "ok - build/hook-6.1: the kvm.c hook patch applies to Debian's 6.1"
	else
		echo "not ok - build/hook-6.1: the kvm.c hook patch applies to Debian's 6.1"
		sed 's/^/#   /' "$out/hook-6.1.log"
	fi
fi
builtin=$out/builtin-6.1
rm -rf "$builtin" && mkdir -p "$builtin"
cp -rs "$TAXCUT_TOP/include" "$TAXCUT_TOP/arch" "$builtin/"
objs=$(grep '^arch/.*\.c$' "$TAXCUT_TOP/tools/kernel/intree.list" | sed 's/\.c$/.o/' | paste -sd ' ')
# always-y: compiled without -DMODULE, as the kernel compiles built-in code
printf 'ccflags-y := -I$(src)/include\nalways-y := %s\n' "$objs" >"$builtin/Kbuild"
if make -s -C "$(debian_kdir)" M="$builtin" W=1 >"$builtin/build.log" 2>&1 &&
	! grep -qE 'warning|error' "$builtin/build.log"; then
	echo "ok - build/builtin-6.1: the built-in sources compile against Debian 6.1 (W=1, no warning)"
else
	echo "not ok - build/builtin-6.1: the built-in sources compile against Debian 6.1 (W=1, no warning)"
	head -n 30 "$builtin/build.log" | sed 's/^/#   /'
fi

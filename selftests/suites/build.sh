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

# make install / make uninstall as a user runs them, into a scratch
# INSTALL_MOD_PATH: on this machine against Debian 6.1's headers (modules
# uncompressed), and inside the trixie build environment against Debian
# 13's (which compresses them: taxcut.ko.xz). Uninstall leaves nothing.
# install_cycle NAME WHERE [ROOT]: make install then make uninstall (in the
# chroot ROOT if given); the module must land as WHERE (under lib/modules/)
install_cycle() {
	local name=$1 where=$2 root=${3:-} dir mods log=$out/install-$1.log run=() got
	if [ -n "$root" ]; then
		dir=/taxcut-install mods=/tmp/taxcut-mods
		rm -rf "${root:?}$dir" "$root$mods" && mkdir -p "$root$dir"
		cp -r "$TAXCUT_TOP"/{Kbuild,Makefile,VERSION,dkms.conf,arch,drivers,include,tools} "$root$dir/"
		run=(chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8)
	else
		dir=$TAXCUT_TOP mods=$out/install-$name
		rm -rf "$mods"
	fi
	if "${run[@]}" make -s -C "$dir" install INSTALL_MOD_PATH="$mods" >"$log" 2>&1; then
		got=$(cd "$root$mods/lib/modules" && find . -name 'taxcut.ko*' | sed 's|^\./||' | sort | paste -sd ' ')
		expect_install "$name: make install puts the module at $where ($got), in modules.dep" \
			eval "[ '$got' = '$where' ] && grep -qs 'taxcut.ko' '$root$mods'/lib/modules/*/modules.dep"
		if "${run[@]}" make -s -C "$dir" uninstall INSTALL_MOD_PATH="$mods" >>"$log" 2>&1; then
			got=$(cd "$root$mods/lib/modules" && find . -name 'taxcut.ko*' | paste -sd ' ')
			expect_install "$name: make uninstall removes it${got:+ (left: $got)}, modules.dep forgets it" \
				eval "[ -z '$got' ] && [ -f '$root$mods'/lib/modules/*/modules.dep ] &&
				      ! grep -q 'taxcut.ko' '$root$mods'/lib/modules/*/modules.dep"
		else
			echo "not ok - build/install-$name: make uninstall"
			tail -n 20 "$log" | sed 's/^/#   /'
		fi
	else
		echo "not ok - build/install-$name: make install"
		tail -n 20 "$log" | sed 's/^/#   /'
	fi
	[ -z "$root" ] || rm -rf "${root:?}$dir" "$root$mods"
}

expect_install() {
	local name=$1
	shift
	if "$@"; then echo "ok - build/install-$name"; else echo "not ok - build/install-$name"; fi
}

install_cycle debian-6.1 "$(kernel_release "$(debian_kdir)")/extra/taxcut.ko"
if [ -d "$(trixie_kdir)" ]; then
	install_cycle debian-13 "$(kernel_release "$(trixie_kdir)")/updates/taxcut.ko.xz" "$(trixie_root)"
else
	echo "not ok - build/install-debian-13: the trixie build environment is there (run make deps)"
fi

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build taxcut.ko against a kernel build directory, out of the source tree:
#   module.sh KDIR [make arguments, e.g. W=1 C=2]
# Kbuild of 6.1 writes objects beside the sources, so the sources are
# mirrored as symlinks under build/module/<kernelrelease>/ and built there.
# Prints the path of the module.
set -euo pipefail

. "$(dirname "$0")/common.sh"

# --tests builds the test modules of selftests/modules/ instead
what=taxcut
if [ "${1:-}" = --tests ]; then
	what=tests
	shift
fi
kdir=${1:?usage: module.sh [--tests] KDIR [make args]}
shift
krel=$(kernel_release "$kdir")
[ -n "$krel" ] ||
	die "$kdir is not a prepared kernel tree (no utsrelease.h): run 'make deps' or 'make kernel'"
out="$TAXCUT_BUILD/module/$krel"
[ $what = tests ] && out="$TAXCUT_BUILD/module-tests/$krel"
mkdir -p "$out"

# objects built against another tree of the same release are stale
if [ "$(cat "$out/.taxcut-kdir" 2>/dev/null)" != "$kdir" ]; then
	find "$out" -name '*.o' -o -name '*.ko' -o -name '.*.cmd' | xargs -r rm -f
	echo "$kdir" >"$out/.taxcut-kdir"
fi

# refresh the mirror: new files linked, removed ones dropped
if [ $what = tests ]; then
	cp -rsf "$TAXCUT_TOP"/selftests/modules/* "$TAXCUT_TOP/include" "$out/"
else
	for item in Kbuild VERSION arch drivers include; do
		[ -e "$TAXCUT_TOP/$item" ] && cp -rsf "$TAXCUT_TOP/$item" "$out/"
	done
fi
find "$out" -xtype l -delete

# A KDIR inside the trixie build environment (stock Debian 13) is built
# there, with its own compiler, as a guest-image builder would: a copy of
# the sources goes in, the modules come out.
build_in_root() {
	local root inside
	root=$(trixie_root)
	inside=/taxcut-build/$what-$krel
	rm -rf "${root:?}$inside" && mkdir -p "$root$inside"
	cp -rL "$out"/. "$root$inside"/
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		make -s -C "${kdir#"$root"}" M="$inside" "$@" modules || return
	cp "$root$inside"/*.ko "$out"/
}

# kbuild says it skips BTF when the tree has no vmlinux: expected, not news
rc=0
case "$kdir" in
"$(trixie_root)"/*)
	exec 8>"$(trixie_root)/.build.lock"
	flock 8
	build_in_root "$@" 2>&1 | { grep -v '^Skipping BTF generation' >&2 || true; } || rc=$?
	;;
*)
	make -s -C "$kdir" M="$out" "$@" modules 2>&1 | { grep -v '^Skipping BTF generation' >&2 || true; } || rc=$?
	;;
esac
[ $rc -eq 0 ] || die "building the $what module(s) against $krel failed"
if [ $what = tests ]; then
	ls "$out"/*.ko
else
	echo "$out/taxcut.ko"
fi

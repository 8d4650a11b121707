#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh [--perf] OUT.cpio.gz MODULE.ko [TEST_MODULE.ko...]: a test
# guest's initramfs with busybox-static, taxcut's guest init and tests, the
# guest test programs (selftests/guest/bin, static), taxcutctl, the module
# and the test modules; with --perf also the host's perf (Debian's
# linux-perf) and the libraries it links.
set -euo pipefail

usage="usage: initramfs.sh [--perf] OUT.cpio.gz MODULE.ko [TEST_MODULE.ko...]"
perf=0
if [ "${1:-}" = --perf ]; then
	perf=1
	shift
fi
out=${1:?$usage}
module=${2:?$usage}
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,tests,lib/taxcut}
cp /bin/busybox "$stage/bin/busybox"
file -L "$stage/bin/busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ echo "initramfs.sh: /bin/busybox is not static (install busybox-static)" >&2; exit 1; }
cp "$here/guest/init" "$stage/init"
cp "$here/guest/lib.sh" "$stage/lib/taxcut/"
cp "$here"/guest/tests/*.sh "$stage/tests/"
cp "$module" "$stage/lib/taxcut/taxcut.ko"
for m in "$@"; do
	cp "$m" "$stage/lib/taxcut/"
done
for src in "$here"/guest/bin/*.c; do
	gcc -static -O2 -Wall -pthread -o "$stage/bin/$(basename "$src" .c)" "$src"
done
# taxcutctl, as a guest image has it (tools/taxcutctl)
gcc -static -O2 -Wall -DTAXCUTCTL_VERSION="\"$(cat "$here/../VERSION")\"" \
	-o "$stage/bin/taxcutctl" "$here"/../tools/taxcutctl/*.c
if ((perf)); then
	bin=$(command -v perf) || { echo "initramfs.sh: no perf (install linux-perf)" >&2; exit 1; }
	# Debian's perf is a wrapper script in some releases: take the binary
	[ "$(head -c 2 "$bin")" = "#!" ] && bin=$(ls /usr/bin/perf_* | sort -V | tail -n 1)
	cp "$bin" "$stage/bin/perf"
	for lib in $(ldd "$bin" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
fi
chmod 755 "$stage/init"
(cd "$stage" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh OUT.cpio.gz MODULE.ko [TEST_MODULE.ko...]: a test guest's
# initramfs with busybox-static, taxcut's guest init and tests, the guest
# test programs (selftests/guest/bin, static), the module and the test
# modules.
set -euo pipefail

usage="usage: initramfs.sh OUT.cpio.gz MODULE.ko [TEST_MODULE.ko...]"
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
chmod 755 "$stage/init"
(cd "$stage" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"

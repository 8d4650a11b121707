#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the emulated KVM host: Debian trixie's QEMU 10.0 source with
# tools/qemu/patches/*.patch, x86_64-softmmu only, with the devices of
# tools/qemu/devices.mak and no debug information (a fifth of the objects
# and a third of the compile time of the default build), cached by the
# hash of the patches, the devices and this script. Prints the path of
# qemu-system-x86_64.
set -euo pipefail

. "$(dirname "$0")/common.sh"

pristine="$TAXCUT_CACHE/qemu-source/tree"
[ -d "$pristine" ] || die "no QEMU source in $pristine: run 'make deps'"
patches=("$TAXCUT_TOP"/tools/qemu/patches/*.patch)
devices="$TAXCUT_TOP/tools/qemu/devices.mak"
key=$(cat "$pristine/VERSION" "${patches[@]}" "$devices" "$0" | sha256sum | cut -c1-16)
work="$TAXCUT_CACHE/qemu-$key"
binary="$work/build/qemu-system-x86_64"

mkdir -p "$TAXCUT_CACHE"
exec 9>"$TAXCUT_CACHE/qemu.lock"
flock 9

if [ ! -x "$binary" ]; then
	log "building QEMU with ${#patches[@]} taxcut patches (a few minutes)"
	rm -rf "$TAXCUT_CACHE"/qemu-????????????????
	cp -al "$pristine" "$work.tmp"
	for p in "${patches[@]}"; do
		patch -s -p1 -d "$work.tmp" <"$p" || die "$(basename "$p") does not apply"
	done
	# a new file, not written through a hard link into the pristine source
	cp "$devices" "$work.tmp/configs/devices/x86_64-softmmu/taxcut.mak"
	meson_root="$TAXCUT_CACHE/meson/usr"
	export PATH="$meson_root/bin:$PATH"
	export PYTHONPATH="$meson_root/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}"
	mkdir -p "$work.tmp/build"
	(cd "$work.tmp/build" && ../configure --python=/usr/bin/python3 \
		--target-list=x86_64-softmmu --without-default-features \
		--without-default-devices --with-devices-x86_64=taxcut \
		--disable-debug-info \
		--enable-tcg --enable-kvm --enable-fdt=system \
		--disable-download --disable-install-blobs --disable-docs \
		--disable-tools --disable-werror >configure.log 2>&1) ||
		{ tail -n 30 "$work.tmp/build/configure.log" >&2; die "QEMU configure failed"; }
	ninja -C "$work.tmp/build" -j"$(nproc)" qemu-system-x86_64 >"$work.tmp/build/ninja.log" 2>&1 ||
		{ tail -n 30 "$work.tmp/build/ninja.log" >&2; die "QEMU build failed"; }
	mv "$work.tmp" "$work"
fi
mkdir -p "$TAXCUT_BUILD/qemu"
ln -sf "$binary" "$TAXCUT_BUILD/qemu/qemu-system-x86_64"
echo "$TAXCUT_BUILD/qemu/qemu-system-x86_64"

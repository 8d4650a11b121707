#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install and fetch everything taxcut needs, from Debian's archive only.
# Idempotent: a second run does nothing and prints nothing.
#
#  - packages of the machine's own suite (bookworm), installed with apt-get;
#  - the stock Debian 6.1 kernel image matching the installed headers,
#    unpacked into the cache (never installed: it is a guest kernel here);
#  - from the next suite (trixie) only sources and architecture-independent
#    packages, through a private apt configuration that leaves the machine's
#    own untouched: linux-source-6.12, QEMU's source, meson;
#  - a trixie build environment (debootstrap, minbase, cached) with gcc-14,
#    Debian 13's stock kernel and its headers: the stock Debian 13 target,
#    built for the way a guest-image builder does (tools/build/module.sh).
#
# Archive addresses are read from the machine's apt configuration, never
# written here.
set -euo pipefail

. "$(dirname "$0")/common.sh"

HOST_PACKAGES=(
	build-essential bc bison flex libelf-dev libssl-dev kmod
	xz-utils cpio busybox-static sparse dpkg-dev linux-perf
	linux-headers-amd64
	qemu-system-x86 qemu-utils seabios ipxe-qemu
	ninja-build libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev
	python3 python3-venv debootstrap
	man-db groff-base systemd
	debhelper dh-dkms dkms lintian gnuplot-nox
)
NEXT_SUITE=trixie

missing=()
for p in "${HOST_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$TAXCUT_CACHE"
exec 9>"$TAXCUT_CACHE/deps.lock"
flock 9

# --- archive URI of the machine's own suite ---------------------------------
machine_suite=$(. /etc/os-release && echo "$VERSION_CODENAME")

archive_uri() {
	local f uri
	# deb822 stanzas: the one whose Suites names the bare codename
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		uri=$(awk -v s="$machine_suite" '
			/^[[:space:]]*$/ { if (ok && u != "") { print u; exit } ok = 0; u = ""; next }
			/^URIs:/ { u = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
			END { if (ok && u != "") print u }' "$f" | head -n1)
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	# one-line format
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		uri=$(awk -v s="$machine_suite" '$1 == "deb" && $3 == s { print $2; exit }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	die "cannot find the archive of suite $machine_suite in the apt configuration"
}

# --- private apt configuration for the next suite ---------------------------
next_apt_dir="$TAXCUT_CACHE/apt-$NEXT_SUITE"
next_apt() {
	apt-get -q \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::Etc::sourcelist="$next_apt_dir/sources.list" \
		-o Dir::Etc::Preferences=/dev/null \
		-o Dir::Etc::PreferencesParts=/dev/null \
		-o Dir::State::Lists="$next_apt_dir/lists" \
		-o Dir::Cache::pkgcache="$next_apt_dir/pkgcache.bin" \
		-o Dir::Cache::srcpkgcache="$next_apt_dir/srcpkgcache.bin" \
		-o Dir::Cache::archives="$next_apt_dir/archives" \
		-o APT::Get::AllowUnauthenticated=false \
		-o APT::Sandbox::User=root \
		"$@"
}

next_apt_ready=0
next_apt_update() {
	((next_apt_ready)) && return
	mkdir -p "$next_apt_dir/lists/partial" "$next_apt_dir/archives/partial"
	local keyring=/usr/share/keyrings/debian-archive-keyring.gpg uri
	uri=$(archive_uri)
	printf 'deb [signed-by=%s] %s %s main\ndeb-src [signed-by=%s] %s %s main\n' \
		"$keyring" "$uri" "$NEXT_SUITE" \
		"$keyring" "$uri" "$NEXT_SUITE" >"$next_apt_dir/sources.list"
	log "reading the $NEXT_SUITE package lists (private apt configuration)"
	next_apt update -qq >/dev/null
	next_apt_ready=1
}

# Download a package of the next suite and unpack it under $2.
fetch_next_deb() {
	local pkg=$1 dest=$2
	[ -e "$dest/.unpacked" ] && return
	next_apt_update
	rm -rf "$dest" && mkdir -p "$dest"
	(cd "$dest" && next_apt download -qq "$pkg" >/dev/null)
	dpkg -x "$dest"/"${pkg}"_*.deb "$dest"
	rm -f "$dest"/*.deb
	touch "$dest/.unpacked"
}

# --- linux-source-6.12 -------------------------------------------------------
src612="$TAXCUT_CACHE/linux-source-6.12"
if [ ! -e "$src612/.unpacked" ]; then
	log "fetching linux-source-6.12 from $NEXT_SUITE"
	fetch_next_deb linux-source-6.12 "$src612/pkg"
	tarball=$(ls "$src612"/pkg/usr/src/linux-source-6.12*.tar.*)
	rm -rf "$src612/tree" && mkdir -p "$src612/tree"
	tar -xf "$tarball" -C "$src612/tree" --strip-components=1
	rm -rf "$src612/pkg"
	touch "$src612/.unpacked"
fi

# --- meson (architecture all) for building QEMU -------------------------------
fetch_next_deb meson "$TAXCUT_CACHE/meson"

# --- QEMU source, Debian's patches applied ----------------------------------
qemu_src="$TAXCUT_CACHE/qemu-source"
if [ ! -e "$qemu_src/.unpacked" ]; then
	log "fetching QEMU's source from $NEXT_SUITE"
	next_apt_update
	rm -rf "$qemu_src" && mkdir -p "$qemu_src/dl"
	(cd "$qemu_src/dl" && next_apt source -qq --download-only qemu >/dev/null)
	# apt checked the files against the signed archive index already
	dpkg-source --no-check -x "$qemu_src"/dl/qemu_*.dsc "$qemu_src/tree" >/dev/null
	rm -rf "$qemu_src/dl" "$qemu_src"/*.tar.*
	touch "$qemu_src/.unpacked"
fi

# --- the stock Debian kernel matching the installed headers -----------------
headers_pkg=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 |
	sed -n 's/.*\(linux-headers-[0-9][^ ,]*-amd64\) (= \([^)]*\)).*/\1 \2/p')
[ -n "$headers_pkg" ] || die "cannot read the ABI of linux-headers-amd64"
read -r hdr_name hdr_version <<<"$headers_pkg"
abi=${hdr_name#linux-headers-}
stock="$TAXCUT_CACHE/debian-kernel/$abi"
if [ ! -e "$stock/.unpacked" ]; then
	log "fetching the stock Debian kernel image $abi"
	rm -rf "$stock" && mkdir -p "$stock"
	(cd "$stock" && apt-get download -qq -o APT::Sandbox::User=root \
		"linux-image-$abi=$hdr_version" >/dev/null ||
		apt-get download -qq -o APT::Sandbox::User=root \
			"linux-image-$abi-unsigned=$hdr_version" >/dev/null)
	dpkg -x "$stock"/linux-image-*.deb "$stock/root"
	rm -f "$stock"/*.deb
	touch "$stock/.unpacked"
fi

# --- the 6.1 files taxcut's hook patch is written against --------------------
# Only the files the patch touches are kept (tools/kernel/hook-6.1.list), from
# linux-source-6.1 of the same version as the headers.
src61="$TAXCUT_CACHE/linux-source-6.1/$hdr_version"
if [ ! -e "$src61/.unpacked" ]; then
	log "fetching linux-source-6.1 $hdr_version (for the hook patch check)"
	rm -rf "$src61" && mkdir -p "$src61/pkg" "$src61/tree"
	(cd "$src61/pkg" && apt-get download -qq -o APT::Sandbox::User=root \
		"linux-source-6.1=$hdr_version" >/dev/null)
	dpkg -x "$src61"/pkg/linux-source-6.1_*.deb "$src61/pkg"
	members=$(grep -v '^#' "$TAXCUT_TOP/tools/kernel/hook-6.1.list" | sed 's|^|linux-source-6.1/|')
	# shellcheck disable=SC2086
	tar -xf "$src61"/pkg/usr/src/linux-source-6.1.tar.* -C "$src61/tree" \
		--strip-components=1 $members
	rm -rf "$src61/pkg"
	touch "$src61/.unpacked"
fi

# --- stock Debian 13: a trixie build environment -----------------------------
# Its headers were built with gcc-14, so modules for it are built inside it,
# as a guest-image builder would; the kernel it installed is the one booted.
# what a guest-image builder installs (xz-utils comes with build-essential:
# kbuild compresses Debian 13's modules with it; dkms for the taxcut-dkms
# package), and (perl, sparse) what our W=1 and C=2 checks need
TRIXIE_PACKAGES=(gcc-14 make libc6-dev libelf-dev bc bison flex kmod xz-utils
	linux-headers-amd64 linux-image-amd64 dkms perl sparse)
trixie_root=$(trixie_root)
if [ ! -e "$trixie_root/.ready" ]; then
	log "making the $NEXT_SUITE build environment (debootstrap, a few minutes)"
	rm -rf "$trixie_root.new" "$trixie_root"
	mkdir -p "$(dirname "$trixie_root")"
	debootstrap --variant=minbase --include="$(IFS=,; echo "${TRIXIE_PACKAGES[*]}")" \
		"$NEXT_SUITE" "$trixie_root.new" "$(archive_uri)" >"$TAXCUT_CACHE/trixie-debootstrap.log" 2>&1 ||
		die "debootstrap of $NEXT_SUITE failed: see $TAXCUT_CACHE/trixie-debootstrap.log"
	# the downloaded packages are not needed again
	rm -rf "$trixie_root.new"/var/cache/apt/archives/*.deb
	mv "$trixie_root.new" "$trixie_root"
	touch "$trixie_root/.ready"
fi
missing=()
for p in "${TRIXIE_PACKAGES[@]}"; do
	chroot "$trixie_root" dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing ${missing[*]} in the $NEXT_SUITE build environment"
	chroot "$trixie_root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive sh -c \
		'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" && apt-get clean' \
		sh "${missing[@]}" >>"$TAXCUT_CACHE/trixie-debootstrap.log" 2>&1 ||
		die "installing ${missing[*]} in the $NEXT_SUITE environment failed"
fi

# SPDX-License-Identifier: GPL-2.0
# Shared settings of the build scripts. Sourced, not run.
#
# Expensive, content-keyed artefacts (downloads, unpacked sources, kernel
# builds) live in TAXCUT_CACHE so that a fresh clone on the same machine
# reuses them; everything else goes under build/ in the work tree.

TAXCUT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAXCUT_BUILD=${TAXCUT_BUILD:-$TAXCUT_TOP/build}
TAXCUT_CACHE=${TAXCUT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/taxcut}

log() { printf 'taxcut: %s\n' "$*" >&2; }
die() { printf 'taxcut: error: %s\n' "$*" >&2; exit 1; }

# ABI name of the installed Debian headers, e.g. 6.1.0-41-amd64
debian_abi() {
	dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		sed -n 's/.*linux-headers-\([0-9][^ ,]*-amd64\).*/\1/p'
}

debian_kdir() { echo "/usr/src/linux-headers-$(debian_abi)"; }

debian_vmlinuz() {
	local abi
	abi=$(debian_abi)
	echo "$TAXCUT_CACHE/debian-kernel/$abi/root/boot/vmlinuz-$abi"
}

# The trixie build environment (tools/build/deps.sh) and the stock Debian 13
# kernel in it: its headers (a KDIR inside the root) and its image.
trixie_root() { echo "$TAXCUT_CACHE/trixie-root"; }

trixie_abi() {
	local d
	for d in "$(trixie_root)"/usr/src/linux-headers-*-amd64; do
		[ -d "$d" ] && basename "$d" | sed 's/^linux-headers-//'
	done | sort -V | tail -n1
}

trixie_kdir() { echo "$(trixie_root)/usr/src/linux-headers-$(trixie_abi)"; }

trixie_vmlinuz() { echo "$(trixie_root)/boot/vmlinuz-$(trixie_abi)"; }

linux612_src() { echo "$TAXCUT_CACHE/linux-source-6.12/tree"; }

# Output directory of our 6.12 guest kernel of a variant (release|debug)
linux612_obj() { echo "$TAXCUT_CACHE/linux-6.12-$1"; }

# Release string of the kernel a build directory is for (its vermagic)
kernel_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$1/include/generated/utsrelease.h" 2>/dev/null
}

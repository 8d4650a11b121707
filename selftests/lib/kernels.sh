# SPDX-License-Identifier: GPL-2.0
# The guest kernels every test runs on. Sourced by the suites.
#
# Each kernel has a name, a build directory (KDIR) for the module and a
# bootable image. Ours is built (or found in the cache) on first use.

. "$(dirname "${BASH_SOURCE[0]}")/../../tools/build/common.sh"

# debian-6.1 and debian-13 are the stock kernels as shipped (13's is built
# in its trixie environment, tools/build/module.sh); linux-6.12-debug is ours
TEST_KERNELS=(debian-6.1 debian-13 linux-6.12-debug)
# linux-6.12 (the release variant) serves the benchmarks and the demo

# kernel_kdir NAME / kernel_image NAME (builds ours if needed)
kernel_kdir() {
	case "$1" in
	debian-6.1) debian_kdir ;;
	debian-13) [ -d "$(trixie_kdir)" ] && trixie_kdir ;;
	linux-6.12-debug) "$TAXCUT_TOP/tools/build/kernel.sh" debug ;;
	linux-6.12) "$TAXCUT_TOP/tools/build/kernel.sh" release ;;
	esac
}

kernel_image() {
	case "$1" in
	debian-6.1) debian_vmlinuz ;;
	debian-13) trixie_vmlinuz ;;
	linux-6.12-debug) echo "$(linux612_obj debug)/arch/x86/boot/bzImage" ;;
	linux-6.12) echo "$(linux612_obj release)/arch/x86/boot/bzImage" ;;
	esac
}

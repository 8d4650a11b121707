#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot a dedicated-instance guest of each test kernel on the
# emulated KVM host, load taxcut and show what it detected and what the
# kernel chose.
#
# The emulated host (tools/qemu) so far speaks only the KVM CPUID leaves:
# the signature, no feature, and the dedicated hint.
set -euo pipefail

. "$(dirname "$0")/../selftests/lib/kernels.sh"
lib=$TAXCUT_TOP/selftests/lib
out=$TAXCUT_BUILD/demo
mkdir -p "$out"
qemu=$("$TAXCUT_TOP/tools/build/qemu.sh")
cpu=max,kvm=on,kvm-hint-dedicated=on

for k in "${TEST_KERNELS[@]}"; do
	kdir=$(kernel_kdir "$k")
	ko=$("$TAXCUT_TOP/tools/build/module.sh" "$kdir" 2>/dev/null)
	"$lib/initramfs.sh" "$out/$k.cpio.gz" "$ko"
	echo "=== $k, emulated KVM host (TCG), 2 vCPUs, -cpu $cpu ==="
	"$lib/boot.sh" --out "$out/$k" --qemu "$qemu" --kernel "$(kernel_image "$k")" \
		--initrd "$out/$k.cpio.gz" --cpu "$cpu" --smp 2 --tests report --timeout 180
	tr -d '\r' <"$out/$k/tap.log" | sed -n 's/^# //p; s/^\(not ok\|ok\) - /\1: /p'
	echo
done

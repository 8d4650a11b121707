#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot a guest of each test kernel, load taxcut and show what it
# detected and what the kernel chose.
#
# Until the emulated KVM host (tools/qemu) exists, the guests run on plain
# QEMU TCG, which does not speak the KVM paravirtual ABI: taxcut then
# refuses to load, and this demo shows that refusal rather than a report.
set -euo pipefail

. "$(dirname "$0")/../selftests/lib/kernels.sh"
lib=$TAXCUT_TOP/selftests/lib
out=$TAXCUT_BUILD/demo
mkdir -p "$out"

for k in "${TEST_KERNELS[@]}"; do
	kdir=$(kernel_kdir "$k")
	ko=$("$TAXCUT_TOP/tools/build/module.sh" "$kdir" 2>/dev/null)
	"$lib/initramfs.sh" "$out/$k.cpio.gz" "$ko"
	echo "=== $k on QEMU TCG, 2 vCPUs, -cpu max (no KVM paravirtual ABI) ==="
	"$lib/boot.sh" --out "$out/$k" --kernel "$(kernel_image "$k")" \
		--initrd "$out/$k.cpio.gz" --cpu max --smp 2 --tests report --timeout 180
	tr -d '\r' <"$out/$k/tap.log" | sed -n 's/^# //p; s/^\(not ok\|ok\) - /\1: /p'
	echo
done
echo "The guests above ran on plain TCG: no KVM signature, so taxcut refused"
echo "to load (-ENODEV). The emulated KVM host (tools/qemu, issue 3) brings the"
echo "dedicated-instance guest in which taxcut loads and prints its report."

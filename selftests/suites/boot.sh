#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot every test kernel under plain QEMU TCG (no KVM ABI): taxcut must
# refuse to load with -ENODEV and say why, and the guest must end cleanly.
set -uo pipefail

. "$(dirname "$0")/../lib/kernels.sh"
lib=$TAXCUT_TOP/selftests/lib
out=$TAXCUT_BUILD/check/boot
mkdir -p "$out"

for k in "${TEST_KERNELS[@]}"; do
	if ! kdir=$(kernel_kdir "$k" 2>/dev/null) ||
		! ko=$("$TAXCUT_TOP/tools/build/module.sh" "$kdir" 2>"$out/$k-build.log"); then
		echo "not ok - boot/$k: kernel and module available"
		continue
	fi
	"$lib/initramfs.sh" "$out/$k.cpio.gz" "$ko"
	"$lib/boot.sh" --out "$out/$k-tcg" --kernel "$(kernel_image "$k")" \
		--initrd "$out/$k.cpio.gz" --cpu max --smp 2 --tests noload --timeout 180
	"$lib/check-boot.sh" "$out/$k-tcg" "boot/$k-tcg"
done

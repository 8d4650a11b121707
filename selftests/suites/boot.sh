#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot every test kernel under plain QEMU TCG (no KVM ABI), once as a
# non-KVM hypervisor ("TCGTCGTCGTCG") and once with the hypervisor CPUID bit
# off (as on bare metal): taxcut must refuse to load with -ENODEV and say
# why, and the guest must end cleanly.
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
	for cpu in tcg:max nohv:max,hypervisor=off; do
		# one TCG thread: Debian 12's QEMU 7.2 runs cross-modifying code
		# wrong with a thread per vCPU (a stale int3 of text_poke_bp(),
		# "Oops: int3" in about 1 boot of Debian 13 in 100); ours has
		# tools/qemu/patches/0004 (xmodify below measures it)
		"$lib/boot.sh" --out "$out/$k-${cpu%%:*}" --kernel "$(kernel_image "$k")" \
			--initrd "$out/$k.cpio.gz" --cpu "${cpu#*:}" --smp 2 \
			--tests noload --timeout 180 --tcg-thread single
		"$lib/check-boot.sh" "$out/$k-${cpu%%:*}" "boot/$k-${cpu%%:*}"
	done
done

# On the emulated KVM host (our QEMU, tools/qemu) with the dedicated hint:
# taxcut loads and reports, and the host runs cross-modifying code right.
if ! qemu=$("$TAXCUT_TOP/tools/build/qemu.sh" 2>"$out/qemu-build.log"); then
	echo "not ok - boot: the emulated KVM host (tools/qemu) builds"
	tail -n 20 "$out/qemu-build.log" | sed 's/^/#   /'
	exit 0
fi
for k in "${TEST_KERNELS[@]}"; do
	[ -e "$out/$k.cpio.gz" ] || continue
	"$lib/boot.sh" --out "$out/$k-kvm" --qemu "$qemu" --kernel "$(kernel_image "$k")" \
		--initrd "$out/$k.cpio.gz" --cpu max,kvm=on,kvm-hint-dedicated=on --smp 2 \
		--tests report_kvm,xmodify --append xmodify_rounds=5000 --timeout 180
	"$lib/check-boot.sh" "$out/$k-kvm" "boot/$k-kvm"
done

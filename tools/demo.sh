#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot a dedicated-instance guest of each test kernel on the
# emulated KVM host, load taxcut and show what it detected and what the
# kernel chose, then a short ping-pong benchmark under taxcut's adaptive
# idle polling: its cpuidle driver on Debian's kernel (booted with
# initcall_blacklist=haltpoll_init so that the kernel's own haltpoll
# driver leaves cpuidle to it), its governor on ours.
#
# The emulated host (tools/qemu) speaks the KVM PV ABI (hypercalls, steal
# time, poll control) and counts what would be VM exits; the demo prints
# those counts for the boot.
set -euo pipefail

. "$(dirname "$0")/../selftests/lib/kernels.sh"
lib=$TAXCUT_TOP/selftests/lib
out=$TAXCUT_BUILD/demo
mkdir -p "$out"
qemu=$("$TAXCUT_TOP/tools/build/qemu.sh")
cpu=max,kvm=on,monitor=off,kvm-hint-dedicated=on

for k in "${TEST_KERNELS[@]}"; do
	kdir=$(kernel_kdir "$k")
	ko=$("$TAXCUT_TOP/tools/build/module.sh" "$kdir" 2>/dev/null)
	"$lib/initramfs.sh" "$out/$k.cpio.gz" "$ko"
	append=""
	[ "$k" = debian-6.1 ] && append=initcall_blacklist=haltpoll_init
	echo "=== $k, emulated KVM host (TCG), 2 vCPUs, -cpu $cpu $append ==="
	"$lib/boot.sh" --out "$out/$k" --qemu "$qemu" --kernel "$(kernel_image "$k")" \
		--initrd "$out/$k.cpio.gz" --cpu "$cpu" --smp 2 --tests report --timeout 180 \
		--emu on --append "$append"
	tr -d '\r' <"$out/$k/tap.log" | sed -n 's/^# //p; s/^\(not ok\|ok\) - /\1: /p'
	x() { "$lib/exits.py" "$out/$k/exits.json" boot end "$@"; }
	echo "exits of the whole boot (would-be VM exits on KVM with APICv):"
	echo "  HLT $(x exits.hlt), POLL_CONTROL writes $(x exits.msr_write.kvm_poll_control)," \
		"timer writes $(x exits.msr_write.x2apic_timer_initial_count)," \
		"ICR writes $(x exits.icr), hypercalls $(x exits.hypercall)," \
		"host halt-polls $(x host.halt_polls)"
	echo
done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot a dedicated-instance guest of each test kernel on the
# emulated KVM host, load taxcut and show what it detected and what the
# kernel chose, then a short ping-pong benchmark under taxcut's adaptive
# idle polling: its cpuidle driver on Debian's kernels (booted with
# initcall_blacklist=haltpoll_init so that the kernel's own haltpoll
# driver leaves cpuidle to it), its governor on ours.
#
# The emulated host (tools/qemu) speaks the KVM PV ABI (hypercalls, steal
# time, poll control) and counts what would be VM exits; the demo prints
# those counts for the boot.
#
# Then the exitless timer: taxcut-agent busy-polling for a Debian 6.1 guest
# with an ivshmem-doorbell device, the same 3 s of timers on the LAPIC timer
# and on taxcut's clockevent (every CPU but CPU 0, which keeps its LAPIC
# timer and watches the agent), and the LAPIC timer writes of each.
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
	"$lib/initramfs.sh" --perf "$out/$k.cpio.gz" "$ko"
	append=""
	case $k in debian-*) append=initcall_blacklist=haltpoll_init ;; esac
	echo "=== $k, emulated KVM host (TCG), 2 vCPUs, -cpu $cpu $append ==="
	"$lib/boot.sh" --out "$out/$k" --qemu "$qemu" --kernel "$(kernel_image "$k")" \
		--initrd "$out/$k.cpio.gz" --cpu "$cpu" --smp 2 --tests report --timeout 180 \
		--emu on --append "$append"
	tr -d '\r' <"$out/$k/tap.log" | sed -n 's/^# //p; s/^\(not ok\|ok\) - /\1: /p'
	x() { "$lib/exits.py" "$out/$k/exits.json" boot end "$@"; }
	echo "exits of the whole boot (would-be VM exits on KVM with APICv, each once):"
	echo "  all $(x exits.total): HLT $(x exits.hlt), POLL_CONTROL writes $(x exits.msr_write.kvm_poll_control)," \
		"timer writes $(x exits.msr_write.x2apic_timer_initial_count)," \
		"ICR writes $(x exits.msr_write.x2apic_icr), hypercalls $(x exits.hypercall)," \
		"host halt-polls $(x host.halt_polls)"
	echo "as perf kvm stat would report them (tools/kvm-stat):"
	"$TAXCUT_TOP/tools/kvm-stat" "$out/$k/exits.json" | sed 's/^/  /'
	echo
done

make -s -C "$TAXCUT_TOP/tools/taxcut-agent" O="$TAXCUT_BUILD/agent"
k=debian-6.1
kdir=$(kernel_kdir "$k")
# the test modules too: the guest marks its two windows with a hypercall
# shellcheck disable=SC2046 # one path per module
"$lib/initramfs.sh" "$out/timer.cpio.gz" $("$TAXCUT_TOP/tools/build/module.sh" "$kdir" 2>/dev/null) \
	$("$TAXCUT_TOP/tools/build/module.sh" --tests "$kdir" 2>/dev/null)
sock=$out/agent.sock
echo "=== exitless timer: $k, 4 vCPUs, taxcut-agent --poll --cpu 1 ==="
"$TAXCUT_BUILD/agent/taxcut-agent" --vm demo="$sock":4 --poll --cpu 1 --stats 2>"$out/agent.log" &
agent=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
sed 's/^/  /' "$out/agent.log"
"$lib/boot.sh" --out "$out/timer" --qemu "$qemu" --kernel "$(kernel_image "$k")" \
	--initrd "$out/timer.cpio.gz" --cpu max,kvm=on,monitor=off --smp 4 --tests demo_timer \
	--timeout 180 --emu on \
	--qemu-args "-chardev socket,path=$sock,id=tcet -device ivshmem-doorbell,chardev=tcet,vectors=4,master=on"
kill -TERM $agent 2>/dev/null || true
wait $agent || true
tr -d '\r' <"$out/timer/tap.log" | sed -n 's/^# //p; s/^\(not ok\|ok\) - /\1: /p'
w() {
	"$lib/exits.py" "$out/timer/exits.json" "$1" "$2" exits.msr_write.x2apic_timer_initial_count \
		exits.msr_write.x2apic_lvt_timer exits.msr_write.tsc_deadline \
		exits.apic_mmio_write.timer_initial_count exits.apic_mmio_write.lvt_timer "${@:3}"
}
echo "LAPIC timer writes (would-be VM exits on KVM) in the 3 s of timers:"
echo "  on the LAPIC timer: $(w 900 901) (vCPU 0: $(w 900 901 --vcpu 0));" \
	"on taxcut's exitless timer: $(w 902 903) (vCPU 0, which keeps its LAPIC timer: $(w 902 903 --vcpu 0))"
grep -E 'slot [0-9]+: fired' "$out/agent.log" | sed 's/^taxcut-agent: /  agent: /' || true
echo "all exits in those 3 s, as perf kvm stat would report them (tools/kvm-stat):"
echo "  on the LAPIC timer:"
"$TAXCUT_TOP/tools/kvm-stat" "$out/timer/exits.json" --from 900 --to 901 |
	sed -n '/VM-EXIT/,/^Total/p' | sed '/^$/d; s/^/  /'
echo "  on taxcut's exitless timer:"
"$TAXCUT_TOP/tools/kvm-stat" "$out/timer/exits.json" --from 902 --to 903 |
	sed -n '/VM-EXIT/,/^Total/p' | sed '/^$/d; s/^/  /'
echo "(EPT_MISCONFIG here: the guest's clock reads, HPET MMIO on this host; a"
echo " KVM guest reads kvmclock without an exit: docs/exitless-timer.md)"

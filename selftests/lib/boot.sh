#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one test guest under QEMU TCG (multi-threaded) and collect its output.
#
#   boot.sh --out DIR --kernel BZIMAGE --initrd CPIO [--qemu BIN]
#           [--cpu MODEL[,FLAGS]] [--smp N] [--mem MB] [--timeout SEC]
#           [--tests a,b] [--append "kernel args"]
#           [--emu on|KNOBS] [--qemu-args "more QEMU arguments"]
#           [--tcg-thread multi|single]
#
# DIR/console.log gets the kernel console (ttyS0), DIR/tap.log the guest
# tests' TAP (ttyS1), DIR/status "poweroff", "timeout" or "exit N".
# --emu (emulated KVM host only) adds its kvm-emu object with the given
# knobs (e.g. preempt-vcpus=1-3,preempt-ns=4000000) and has it write the
# exit accounting to DIR/exits.json.
set -euo pipefail

qemu=qemu-system-x86_64 cpu=max smp=2 mem=512 timeout=120 tests="" append=""
tcg_thread=multi
out="" kernel="" initrd="" emu="" qemu_args=""
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2 ;;
	--kernel) kernel=$2 ;;
	--initrd) initrd=$2 ;;
	--qemu) qemu=$2 ;;
	--cpu) cpu=$2 ;;
	--smp) smp=$2 ;;
	--mem) mem=$2 ;;
	--timeout) timeout=$2 ;;
	--tests) tests=$2 ;;
	--append) append=$2 ;;
	--emu) emu=$2 ;;
	--qemu-args) qemu_args=$2 ;;
	--tcg-thread) tcg_thread=$2 ;;
	*) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
[ -n "$out" ] && [ -n "$kernel" ] && [ -n "$initrd" ] ||
	{ echo "boot.sh: --out, --kernel and --initrd are required" >&2; exit 2; }

mkdir -p "$out"
rm -f "$out"/{console.log,tap.log,status,exits.json}
extra=()
if [ -n "$emu" ]; then
	knobs=""
	[ "$emu" = on ] || knobs=",$emu"
	extra+=(-object "kvm-emu,id=emu,exits-file=$out/exits.json$knobs")
fi
# shellcheck disable=SC2206 # word splitting of --qemu-args is the point
[ -n "$qemu_args" ] && extra+=($qemu_args)
firmware=()
for d in /usr/share/qemu /usr/share/seabios; do
	[ -d "$d" ] && firmware+=(-L "$d")
done

set +e
timeout --kill-after=10 "$timeout" "$qemu" \
	"${firmware[@]}" \
	-accel "tcg,thread=$tcg_thread" -machine q35 -cpu "$cpu" -smp "$smp" -m "$mem" \
	-nodefaults -nographic -no-reboot -nic none -monitor none \
	"${extra[@]}" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=6 tctests=$tests $append" \
	-serial "file:$out/console.log" -serial "file:$out/tap.log" \
	</dev/null >"$out/qemu.log" 2>&1
rc=$?
set -e
case $rc in
0) echo poweroff >"$out/status" ;;
124 | 137) echo timeout >"$out/status" ;;
*) echo "exit $rc" >"$out/status" ;;
esac

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Records the idle traces the policy's unit tests replay
# (selftests/unit/traces/NAME.txt, one idle period in ns per line): our
# 6.12 release kernel on the emulated host, dedicated hint, 2 vCPUs,
# cpuidle-haltpoll never polling, ping-pong workloads, then its haltpoll
# governor at its defaults with the limit of each decision
# (selftests/guest/tests/record_idle.sh). Run by hand; the traces are
# committed.
#   record_traces.sh [--keep-traces]   (--keep-traces: only the decisions
#                                      are written, the idle traces kept)
set -euo pipefail
keep=0
[ "${1:-}" != --keep-traces ] || keep=1

. "$(dirname "$0")/../build/common.sh"
lib=$TAXCUT_TOP/selftests/lib
out=$TAXCUT_BUILD/bench/record
dest=$TAXCUT_TOP/selftests/unit/traces
mkdir -p "$out" "$dest"
qemu=$("$TAXCUT_TOP/tools/build/qemu.sh")
kdir=$("$TAXCUT_TOP/tools/build/kernel.sh" release)
ko=$("$TAXCUT_TOP/tools/build/module.sh" "$kdir")
tko=$("$TAXCUT_TOP/tools/build/module.sh" --tests "$kdir")
# shellcheck disable=SC2086 # one path per test module
"$lib/initramfs.sh" "$out/guest.cpio.gz" "$ko" $tko
"$lib/boot.sh" --out "$out/run" --qemu "$qemu" --kernel "$kdir/arch/x86/boot/bzImage" \
	--initrd "$out/guest.cpio.gz" --cpu max,kvm=on,monitor=off,kvm-hint-dedicated=on \
	--smp 2 --timeout 600 --tests record_idle --emu on
for name in $(awk '$1 == "trace" { print $2 }' "$out/run/tap.log" | sort -u); do
	[ $keep = 0 ] || break
	awk -v n="$name" '$1 == "trace" && $2 == n { print $3 }' "$out/run/tap.log" \
		>"$dest/$name.txt"
	log "$name: $(wc -l <"$dest/$name.txt") idle periods"
done
# upstream's governor's decisions (tools/haltpoll-replay --validate)
for name in $(awk '$1 == "decision" { print $2 }' "$out/run/tap.log" | sort -u); do
	awk -v n="$name" '$1 == "decision" && $2 == n { print $3, $4, $5, $6 }' "$out/run/tap.log" \
		>"$dest/decisions-$name.txt"
	log "decisions-$name: $(wc -l <"$dest/decisions-$name.txt") idle periods"
done

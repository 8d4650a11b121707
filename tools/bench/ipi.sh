#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The IPI benchmark: tc_ipibench (selftests/modules) on 8 vCPUs of the
# emulated KVM host in x2APIC physical and cluster destination modes, for
#   native    our 6.12 kernel, PV IPI not offered (kvm-pv-ipi=off)
#   upstream  stock Debian 6.1: upstream's PV IPI sender
#   taxcut    our 6.12 kernel: taxcut's PV IPI sender (CONFIG_TAXCUT_GUEST)
# each booted in turn in every round; medians in build/bench/ipi.json and
# build/bench/ipi.md (tools/bench/ipi_report.py).
#
#   ipi.sh [--repeats N] [--iterations N]
set -euo pipefail

. "$(dirname "$0")/../build/common.sh"
. "$(dirname "$0")/lib.sh"
lib=$TAXCUT_TOP/selftests/lib
out=$TAXCUT_BUILD/bench/ipi
repeats=3 iterations=2000
while [ $# -gt 0 ]; do
	case "$1" in
	--repeats) repeats=$2 ;;
	--pin) bench_pin=$2 ;;
	--iterations) iterations=$2 ;;
	--vcpus | --configs | --seconds | --agent-threads | --agent-fifo | --agent-cpus | --warmup | --events) log "ipi: $1 is another benchmark's option, ignored" ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done

bench_prepare "$out"

m=max,kvm=on,monitor=off
# config -> kernel|cpu flags
declare -A config=(
	[native]="ours|$m,kvm-pv-ipi=off"
	[upstream]="debian|$m"
	[taxcut]="ours|$m"
)
iommu="-device intel-iommu,intremap=on,eim=on"
bad=$(grep -v '^#' "$lib/bad-log-patterns" | paste -sd '|')
for r in $(seq 1 "$repeats"); do
	for mode in physical cluster; do
		for c in native upstream taxcut; do
			IFS='|' read -r k cpu <<<"${config[$c]}"
			run=$out/runs/$c.$mode.$r
			append="no_ipi_broadcast=1 IPI_ITERATIONS=$iterations"
			qargs=""
			[ $mode = cluster ] && append+=" intel_iommu=on" qargs=$iommu
			log "round $r/$repeats: $c, $mode mode"
			"$lib/boot.sh" --out "$run" --qemu "$qemu" --kernel "$(bench_image $k)" \
				--initrd "$out/$k.cpio.gz" --cpu "$cpu" --smp 8 --mem 1024 \
				--timeout 600 --tests bench_ipi --emu "$(bench_emu on)" --append "$append" \
				--qemu-args "$qargs"
			grep -q '^# guest done' "$run/tap.log" && [ "$(cat "$run/status")" = poweroff ] ||
				log "warning: $c.$mode.$r did not finish ($(cat "$run/status"))"
			! grep -qE "$bad" "$run/console.log" ||
				log "warning: $c.$mode.$r: kernel log not clean: $(grep -m1 -E "$bad" "$run/console.log")"
		done
	done
done
"$TAXCUT_TOP/tools/bench/ipi_report.py" "$out" "$TAXCUT_BUILD/bench"

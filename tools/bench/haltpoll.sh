#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The haltpoll benchmark: guest idle-polling configurations side by side on
# the emulated KVM host (dedicated-instance CPU model), each booted in turn
# in every round, the rounds repeated; medians in build/bench/haltpoll.json
# and build/bench/haltpoll.md (tools/bench/haltpoll_report.py).
#
#   haltpoll.sh [--repeats N] [--vcpus "2 4"] [--configs "halt poll ..."]
#
# Configurations (our 6.12 release kernel unless said otherwise):
#   halt        no cpuidle driver (cpuidle.off=1), host halt-polling off
#   poll        idle=poll: the latency floor
#   hostpoll    no cpuidle driver, the host halt-polls (KVM's defaults)
#   upstream    dedicated hint: cpuidle-haltpoll with the haltpoll governor
#   taxcut-gov  dedicated hint: cpuidle-haltpoll with taxcut's governor
#   debian      stock Debian 6.1, dedicated hint: its cpuidle-haltpoll with
#               the menu governor (Debian builds no haltpoll governor)
#   taxcut-mod  stock Debian 6.1, dedicated hint, taxcut.ko's idle driver
#               (the kernel's haltpoll kept out: initcall_blacklist)
#   debian13    stock Debian 13, dedicated hint: its cpuidle-haltpoll with its
#               haltpoll governor (Debian 13 builds both in)
#   taxcut-mod13  stock Debian 13, dedicated hint, taxcut.ko's idle driver
#               (the kernel's haltpoll kept out: initcall_blacklist)
#   taxcut-mod13-cap300  the same with guest_halt_poll_ns=300000
#   taxcut-mod13-lat  the same with hit_worth_ns=150000: latency weighed
#               about four times a measured halt here (not run by default)
#   taxcut-mod13-notrace  taxcut-mod13 with taxcut.ko's trace events
#               compiled out: what the events cost while off (not run by
#               default; compare with taxcut-mod13 in the same run)
# Workloads: selftests/guest/tests/bench_haltpoll.sh.
set -euo pipefail

. "$(dirname "$0")/../build/common.sh"
. "$(dirname "$0")/lib.sh"
lib=$TAXCUT_TOP/selftests/lib
out=$TAXCUT_BUILD/bench/haltpoll
repeats=3 vcpus="2 4" configs="halt poll hostpoll upstream taxcut-gov debian taxcut-mod debian13 taxcut-mod13"
while [ $# -gt 0 ]; do
	case "$1" in
	--repeats) repeats=$2 ;;
	--pin) bench_pin=$2 ;;
	--vcpus) vcpus=$2 ;;
	--configs) configs=$2 ;;
	--iterations | --seconds | --agent-threads | --agent-fifo | --agent-cpus | --warmup | --events) log "haltpoll: $1 is another benchmark's option, ignored" ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done

# the notrace build only when a configuration needs it
case " $configs " in *" taxcut-mod13-notrace "*) export BENCH_NOTRACE=1 ;; esac
bench_prepare "$out" --perf

m=max,kvm=on,monitor=off
# config -> kernel|cpu flags|kernel arguments|kvm-emu knobs|guest setup
declare -A config=(
	[halt]="ours|$m|cpuidle.off=1|halt-poll-ns=0|none"
	[poll]="ours|$m|idle=poll|on|none"
	[hostpoll]="ours|$m|cpuidle.off=1|on|none"
	[upstream]="ours|$m,kvm-hint-dedicated=on||on|none"
	[taxcut-gov]="ours|$m,kvm-hint-dedicated=on||on|governor"
	[debian]="debian|$m,kvm-hint-dedicated=on||on|none"
	[taxcut-mod]="debian|$m,kvm-hint-dedicated=on|initcall_blacklist=haltpoll_init|on|module"
	[debian13]="debian13|$m,kvm-hint-dedicated=on||on|none"
	[taxcut-mod13]="debian13|$m,kvm-hint-dedicated=on|initcall_blacklist=haltpoll_init|on|module"
	[taxcut-mod13-notrace]="debian13|$m,kvm-hint-dedicated=on|initcall_blacklist=haltpoll_init BENCH_MODULE=/lib/taxcut/taxcut-notrace.ko|on|module"
	[taxcut-mod13-cap300]="debian13|$m,kvm-hint-dedicated=on|initcall_blacklist=haltpoll_init BENCH_MODULE_ARGS=guest_halt_poll_ns=300000|on|module"
	[taxcut-mod13-lat]="debian13|$m,kvm-hint-dedicated=on|initcall_blacklist=haltpoll_init BENCH_MODULE_ARGS=hit_worth_ns=150000|on|module"
)

for r in $(seq 1 "$repeats"); do
	for v in $vcpus; do
		for c in $configs; do
			[ -n "${config[$c]:-}" ] || die "no configuration named $c"
			IFS='|' read -r k cpu append emu setup <<<"${config[$c]}"
			[ -e "$out/$k.cpio.gz" ] || die "$c needs the $k kernel: run 'make deps'"
			run=$out/runs/$c.$v.$r
			log "round $r/$repeats: $c, $v vCPUs"
			"$lib/boot.sh" --out "$run" --qemu "$qemu" --kernel "$(bench_image $k)" \
				--initrd "$out/$k.cpio.gz" --cpu "$cpu" --smp "$v" --mem 1024 \
				--timeout 900 --tests bench_haltpoll --emu "$(bench_emu "$emu")" \
				--append "BENCH_SETUP=$setup $append"
			grep -q '^# guest done' "$run/tap.log" && [ "$(cat "$run/status")" = poweroff ] ||
				log "warning: $c.$v.$r did not finish ($(cat "$run/status"))"
		done
	done
done
"$TAXCUT_TOP/tools/bench/haltpoll_report.py" "$out" "$TAXCUT_BUILD/bench"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# taxcut's built-in part (CONFIG_TAXCUT_GUEST) on our 6.12 kernel (the lockdep
# variant: one kernel build less on a cold machine), over the
# truth table of the built-in policy issue: the dedicated hint on/off x
# PV_UNHALT on/off x PV IPI on/off x 1, 2, 4 and 8 vCPUs. For each boot the
# decision the report shows, the state the kernel is in (spinlock slow path
# and virt_spin_lock_key, pv_ops TLB flush, APIC IPI callback) and what the
# host counted (SEND_IPI hypercalls and ICR writes for 200 multicast calls,
# KICK_CPU under lock contention) must all agree with the table. Then the
# taxcut.dedicated= override both ways, a bad value, a host that refuses
# SEND_IPI, and 8 vCPUs in cluster mode.
set -uo pipefail

. "$(dirname "$0")/../lib/kernels.sh"
suite=policy
. "$(dirname "$0")/../lib/emuhost.sh" || exit 0

k=linux-6.12-debug
prepare $k || exit 0

n=200	# multicast calls (guest test policy, POLICY_IPI_CALLS)
m=max,kvm=on,monitor=off
# no_ipi_broadcast=1: a call to every other CPU takes send_IPI_mask (the PV
# path) instead of the all-but-self shorthand
args="ignore_loglevel no_ipi_broadcast=1 POLICY_IPI_CALLS=$n"
all=$m,kvm-pv-unhalt=on,kvm-pv-ipi=on

# word BOOT PREFIX: the first word after "# policy: PREFIX" in the guest's TAP
word() {
	sed -n "s/^# policy: $2 \([^ ]*\).*/\1/p" "$out/$1/tap.log" | tr -d '\r' | head -n 1
}

# expect_table NAME CPUS LOCK TLB IPI: the decisions, the kernel's state and
# the host's counts of boot NAME against the expected row
expect_table() {
	local name=$1 cpus=$2 lock=$3 tlb=$4 ipi=$5 b=$out/$1
	local d_lock k_lock d_tlb k_tlb d_ipi k_ipi hc icr kick others=$(($2 - 1))

	d_lock=$(word "$name" "decision spinlock:")
	k_lock=$(word "$name" "spinlock:")
	d_tlb=$(word "$name" "decision tlb_flush:")
	k_tlb=$(word "$name" "tlb_flush:")
	d_ipi=$(word "$name" "decision pv_ipi:")
	k_ipi=$(word "$name" "ipi:")
	# on the sending vCPU, by vector. 100-101, the calls: 0xfc is
	# CALL_FUNCTION_VECTOR (a multicast), 0xfb CALL_FUNCTION_SINGLE_VECTOR
	# (one target); a call sends less when the kernel finds a target already
	# signalled. 102-103: as many raw sends of a reschedule IPI (0xfd) to
	# every other CPU through the APIC driver, interrupts off: exact.
	hc=$(delta "$b" 102 103 ipis.send_ipi_vector.0xfd --vcpu taker)
	icr=$(delta "$b" 102 103 ipis.icr_vector.0xfd --vcpu taker)
	chc=$(delta "$b" 100 101 ipis.send_ipi_vector.0xfc --vcpu taker)
	cicr=$(delta "$b" 100 101 ipis.icr_vector.0xfc --vcpu taker)
	single=$(delta "$b" 100 101 ipis.icr_vector.0xfb --vcpu taker)
	anyhc=$(delta "$b" 100 103 exits.hypercall.send_ipi --vcpu taker)
	kick=$(delta "$b" 200 201 exits.hypercall.kick_cpu)
	apic=$(sed -n 's/^# policy: ipi: .*, apic \(.*\))/\1/p' "$b/tap.log" | tr -d '\r' | head -n 1)
	echo "# $name: spinlock $d_lock/$k_lock, tlb $d_tlb/$k_tlb, pv_ipi $d_ipi/$k_ipi ($apic);" \
		"$n calls to $others CPUs: $chc SEND_IPI, $cicr ICR (0xfc), $single ICR (0xfb);" \
		"$n raw sends: $hc SEND_IPI, $icr ICR; $kick KICK_CPU"
	expect "$suite/$name: spinlock decided $lock, and the kernel runs it" \
		test "$d_lock/$k_lock" = "$lock/$lock"
	expect "$suite/$name: TLB flush decided $tlb, and pv_ops has it" \
		test "$d_tlb/$k_tlb" = "$tlb/$tlb"
	expect "$suite/$name: PV IPI decided $ipi, and the APIC callback matches" \
		test "$d_ipi/$k_ipi" = "$ipi/$([ "$ipi" = on ] && echo pv || echo native)"
	if [ "$ipi" = on ] && [ "$cpus" -ge 3 ]; then
		expect "$suite/$name: one SEND_IPI per multicast, no ICR write for one ($hc, $icr, calls $chc, $cicr)" \
			eval "test $hc -eq $n && test $icr -eq 0 && test $cicr -eq 0 && test $chc -le $n"
	elif [ "$cpus" -ge 3 ]; then
		expect "$suite/$name: one ICR write per target ($apic), no SEND_IPI ($icr, $anyhc, calls $cicr)" \
			eval "test $icr -eq $((n * others)) && test $anyhc -eq 0 && test $cicr -le $((n * others))"
	elif [ "$cpus" -eq 2 ] && [ "$ipi" = on ]; then
		# a call to the single other CPU is a single-target IPI, a native
		# ICR write (docs/guest-policy.md; none when the target polls in
		# idle), never a multicast; a mask of one CPU is one SEND_IPI
		expect "$suite/$name: a mask of one CPU is one SEND_IPI, a call never a multicast ($hc, $icr; $chc, $cicr)" \
			eval "test $hc -eq $n && test $icr -eq 0 && test $((chc + cicr)) -eq 0"
	elif [ "$cpus" -eq 2 ]; then
		expect "$suite/$name: one ICR write per send to the other CPU, no SEND_IPI, a call never a multicast ($icr, $anyhc; $cicr)" \
			eval "test $icr -eq $n && test $anyhc -eq 0 && test $cicr -eq 0"
	else
		expect "$suite/$name: no IPI on one vCPU ($anyhc, $single, $cicr, $icr)" \
			test "$((anyhc + single + cicr + icr))" -eq 0
	fi
	if [ "$lock" = pv-qspinlock ]; then
		expect "$suite/$name: contended waiters halt and are kicked ($kick KICK_CPU)" \
			test "$kick" -gt 0
	else
		expect "$suite/$name: no KICK_CPU without PV spinlocks ($kick)" test "$kick" -eq 0
	fi
}

for hint in on off; do
	for unhalt in on off; do
		for pvipi in on off; do
			for cpus in 1 2 4 8; do
				name=hint-$hint.unhalt-$unhalt.pvipi-$pvipi.cpus-$cpus
				boot "$name" "$m,kvm-hint-dedicated=$hint,kvm-pv-unhalt=$unhalt,kvm-pv-ipi=$pvipi" \
					policy --smp "$cpus" --append "$args"
				if [ "$cpus" -eq 1 ] || [ $hint = on ]; then
					lock=native-qspinlock tlb=native
				elif [ $unhalt = on ]; then
					lock=pv-qspinlock tlb=pv
				else
					lock=test-and-set tlb=pv
				fi
				ipi=off
				[ $pvipi = on ] && [ "$cpus" -gt 1 ] && ipi=on
				expect_table "$name" "$cpus" $lock $tlb $ipi
			done
		done
	done
done

# The operator's override, both ways, and a bad value (the hint's default).
boot dedicated-on "$all,kvm-hint-dedicated=off" policy --append "$args taxcut.dedicated=on"
expect_table dedicated-on 4 native-qspinlock native on
expect "$suite/dedicated-on: the decision names the parameter" \
	grep -q '^# policy: decision dedicated: yes (taxcut.dedicated=on)' "$out/dedicated-on/tap.log"
expect "$suite/dedicated-on: cpuidle-haltpoll registered without the hint" \
	grep -q '^# policy: cpuidle_driver: haltpoll' "$out/dedicated-on/tap.log"
boot dedicated-off "$all,kvm-hint-dedicated=on" policy --append "$args taxcut.dedicated=off"
expect_table dedicated-off 4 pv-qspinlock pv on
expect "$suite/dedicated-off: cpuidle-haltpoll kept out despite the hint" \
	grep -q '^# policy: cpuidle_driver: none' "$out/dedicated-off/tap.log"
boot dedicated-bad "$all,kvm-hint-dedicated=on" policy --append "$args taxcut.dedicated=yes"
expect_table dedicated-bad 4 native-qspinlock native on
expect "$suite/dedicated-bad: the bad value is named and refused" \
	in_log "$out/dedicated-bad" 'taxcut: taxcut.dedicated=yes: invalid value \(auto, on or off\)'

# A host that refuses SEND_IPI (the emulated host's refuse-send-ipi knob):
# the first multicast, at boot, is refused and goes out through the native
# sender, and so does every later IPI: the sender's counters say so, and
# the 200 calls between the marks cost ICR writes only, every callback run
# (tc_hosttest counts them).
b=$out/refused
boot refused "$all,kvm-hint-dedicated=on" policy --append "$args" --emu refuse-send-ipi=on
hc=$(delta "$b" 100 103 exits.hypercall.send_ipi --vcpu taker)
icr=$(delta "$b" 102 103 ipis.icr_vector.0xfd --vcpu taker)
read -r tried refused native < <(sed -n \
	's/^# policy: pv_ipi_sender: hypercalls \([0-9]*\) refused \([0-9]*\) native_windows \([0-9]*\).*/\1 \2 \3/p' \
	"$b/tap.log" | head -n 1)
echo "# refused: sender: $tried hypercalls, $refused refused, ${native:-?} windows sent natively;" \
	"$n raw sends to 3 CPUs: $hc SEND_IPI, $icr ICR writes"
expect "$suite/refused: PV IPI was decided on" test "$(word refused "decision pv_ipi:")" = on
expect "$suite/refused: the guest logs the refusal" \
	in_log "$b" 'the host refused KVM_HC_SEND_IPI \(-95\): IPIs take the native path from now on'
expect "$suite/refused: one hypercall tried and refused, its window sent natively" \
	eval "[ '${tried:-}/${refused:-}' = 1/1 ] && [ ${native:-0} -ge 1 ]"
expect "$suite/refused: then one ICR write per target, no SEND_IPI ($icr, $hc)" \
	eval "test $icr -eq $((n * 3)) && test $hc -eq 0"

# 8 vCPUs in x2APIC cluster mode (interrupt remapping), PV IPI off: one ICR
# write per call reaches the 7 others, who share one 16-CPU cluster.
b=$out/cluster-8
boot cluster-8 "$m,kvm-pv-ipi=off" policy --smp 8 \
	--append "$args intel_iommu=on" --qemu-args "-device intel-iommu,intremap=on,eim=on"
expect "$suite/cluster-8: cluster x2APIC destination mode" \
	in_log "$b" "Switched APIC routing to:? cluster x2apic"
lg=$(delta "$b" 102 103 ipis.icr.logical --vcpu taker)
vec=$(delta "$b" 102 103 ipis.icr_vector.0xfd --vcpu taker)
echo "# cluster-8: $n raw sends to 7 CPUs: $vec ICR writes, $lg logical"
expect "$suite/cluster-8: one logical ICR write per send ($vec, $lg for $n)" \
	eval "test $vec -eq $n && test $lg -eq $n"

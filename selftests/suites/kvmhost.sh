#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The emulated KVM host (tools/qemu) against guest kernels whose KVM code no
# one here wrote: the stock Debian 6.1 kernel, 4 vCPUs, in the configurations
# of the emulated-host issue. Each boot is checked three ways: the guest's
# own tests (TAP), its boot log, and the host's exit accounting (exits.json,
# deltas between the marks the guest test module takes).
set -uo pipefail

. "$(dirname "$0")/../lib/kernels.sh"
suite=kvmhost

. "$(dirname "$0")/../lib/emuhost.sh" || exit 0

k=debian-6.1
prepare $k || exit 0

n=500	# multicast calls of the ipi workload (tc_hosttest's default)
# The CPU model as on a KVM host without cpu-pm: no MONITOR/MWAIT (TCG's
# "max" has it, and Linux skips the PV TLB flush when MWAIT is present).
m=max,kvm=on,monitor=off

# 1. Every PV feature on, hint off: x2APIC, PV IPIs, PV spinlocks.
# no_ipi_broadcast=1 keeps Linux from using the all-but-self shorthand for
# the broadcast, so the call goes through send_IPI_mask, the PV IPI path.
b=$out/pv
boot pv $m kvm_abi,kvm_ipi,kvm_lock --append "ignore_loglevel no_ipi_broadcast=1"
expect "kvmhost/pv: the guest enabled x2APIC" in_log "$b" "x2apic enabled"
expect "kvmhost/pv: Linux installed its PV IPI path" in_log "$b" "kvm-guest: setup PV IPIs"
expect "kvmhost/pv: Linux enabled PV spinlocks (PV_UNHALT, no hint)" \
	in_log "$b" "kvm-guest: PV spinlocks enabled"
# Counted on the sending vCPU (it took the marks, preemption off) and by
# vector, so other CPUs' IPIs cannot blur it. 100-101: each call is one
# multicast of CALL_FUNCTION_VECTOR (0xfc) to the 3 others, or less when the
# kernel finds a target already signalled; 102-103: as many raw sends of a
# reschedule IPI (0xfd) to the 3 others through the APIC driver, interrupts
# off: exact.
hc=$(delta "$b" 102 103 ipis.send_ipi_vector.0xfd --vcpu taker)
icr=$(delta "$b" 102 103 ipis.icr_vector.0xfd --vcpu taker)
chc=$(delta "$b" 100 101 ipis.send_ipi_vector.0xfc --vcpu taker)
cicr=$(delta "$b" 100 101 ipis.icr_vector.0xfc --vcpu taker)
echo "# pv: $n multicast calls to 3 CPUs: $chc SEND_IPI, $cicr ICR writes; $n raw sends: $hc SEND_IPI, $icr ICR writes"
expect "kvmhost/pv: one SEND_IPI hypercall per multicast send ($hc for $n)" test "$hc" -eq $n
expect "kvmhost/pv: no ICR write for a multicast ($icr for the sends, $cicr for the calls)" \
	eval "test $icr -eq 0 && test $cicr -eq 0"
expect "kvmhost/pv: at most one SEND_IPI per multicast call ($chc for $n)" \
	eval "test $chc -ge 1 && test $chc -le $n"
kick=$(delta "$b" 200 201 exits.hypercall.kick_cpu)
echo "# pv: lock contention on 4 vCPUs: $kick KICK_CPU hypercalls"
expect "kvmhost/pv: lock contention issues KICK_CPU hypercalls ($kick)" test "$kick" -gt 0

# 2. PV IPI off, physical destination mode (Linux forces x2apic_phys when
# it enables x2APIC without interrupt remapping): one ICR write per target.
b=$out/nopvipi
boot nopvipi $m,kvm-pv-ipi=off kvm_ipi --append "ignore_loglevel no_ipi_broadcast=1"
expect "kvmhost/nopvipi: no PV IPI path without the feature" \
	eval "! in_log $b 'setup PV IPIs'"
expect "kvmhost/nopvipi: physical x2APIC destination mode" \
	in_log "$b" "Switched APIC routing to physical x2apic"
phys=$(delta "$b" 102 103 ipis.icr_vector.0xfd --vcpu taker)
calls=$(delta "$b" 100 101 ipis.icr_vector.0xfc --vcpu taker)
hc=$(delta "$b" 100 103 exits.hypercall.send_ipi --vcpu taker)
echo "# nopvipi (physical): $n multicast calls to 3 CPUs: $calls ICR writes; $n raw sends: $phys; $hc SEND_IPI"
expect "kvmhost/nopvipi: one ICR write per target in physical mode ($phys for $n x 3)" \
	test "$phys" -eq $((3 * n))
expect "kvmhost/nopvipi: at most one per target for the calls ($calls for $n x 3)" \
	eval "test $calls -ge 1 && test $calls -le $((3 * n))"
expect "kvmhost/nopvipi: no SEND_IPI hypercall ($hc)" test "$hc" -eq 0

# 2b. PV IPI off, cluster destination mode: with interrupt remapping (an
# emulated intel-iommu with x2APIC support) Linux keeps x2APIC cluster mode,
# where one ICR write reaches every CPU of a 16-CPU cluster.
b=$out/cluster
boot cluster $m,kvm-pv-ipi=off kvm_ipi \
	--append "ignore_loglevel no_ipi_broadcast=1 intel_iommu=on" \
	--qemu-args "-device intel-iommu,intremap=on,eim=on"
expect "kvmhost/cluster: cluster x2APIC destination mode" \
	in_log "$b" "Switched APIC routing to cluster x2apic"
lg=$(delta "$b" 102 103 ipis.icr.logical --vcpu taker)
vec=$(delta "$b" 102 103 ipis.icr_vector.0xfd --vcpu taker)
echo "# cluster: $n raw sends to 3 CPUs: $vec ICR writes, $lg logical"
expect "kvmhost/cluster: one logical ICR write per send, one cluster ($vec, $lg for $n)" \
	eval "test $vec -eq $n && test $lg -eq $n"

# 2c. The exit model, one event at a time on the vCPU that takes the marks,
# interrupts off (tc_hosttest run=exits): 8 vCPUs, PV IPI off, physical
# x2APIC. Each count is exact: an event counted twice or not at all fails.
b=$out/exits
boot exits $m,kvm-pv-ipi=off kvm_exits --smp 8 --append "ignore_loglevel"
ex() { delta "$b" "$1" "$2" "$3" --vcpu taker; }
# the workload's own exits: all of them but the LAPIC timer's expiries,
# which come when they come (and are checked on their own, 610-611)
own() { echo $(($(ex "$1" "$2" exits.total) - $(ex "$1" "$2" exits.timer_expiry))); }
ipi=$(own 600 601)
icr=$(ex 600 601 exits.msr_write.x2apic_icr)
self=$(own 602 603)
selfv=$(ex 602 603 virtualized.msr_write.x2apic_self_ipi)
cpuid=$(own 604 605)
cpuidl=$(ex 604 605 exits.cpuid.0x0)
pio=$(own 606 607)
pio80=$(ex 606 607 exits.io_out.0x80)
mmio=$(own 608 609)
hpet=$(ex 608 609 exits.mmio_read.hpet)
tx=$(ex 610 611 exits.timer_expiry)
loc=$(sed -n 's/^# exits: lapic timer interrupts \([0-9]*\).*/\1/p' "$b/tap.log" | tr -d '\r' | head -n 1)
echo "# exits: IPI to 7 (physical): $ipi exits ($icr ICR); self-IPI: $self exits ($selfv virtualized);" \
	"CPUID: $cpuid ($cpuidl leaf 0); OUT 0x80: $pio ($pio80); HPET read: $mmio ($hpet);" \
	"LAPIC timer: $tx expiries counted, ${loc:-?} interrupts taken"
expect "kvmhost/exits: one IPI to 7 CPUs in physical mode is 7 exits, the 7 ICR writes ($ipi, $icr)" \
	eval "test $ipi -eq 7 && test $icr -eq 7"
expect "kvmhost/exits: an x2APIC self-IPI is no exit, one virtualized write ($self, $selfv)" \
	eval "test $self -eq 0 && test $selfv -eq 1"
expect "kvmhost/exits: one CPUID is one exit ($cpuid, $cpuidl)" \
	eval "test $cpuid -eq 1 && test $cpuidl -eq 1"
expect "kvmhost/exits: one OUT is one exit ($pio, $pio80)" eval "test $pio -eq 1 && test $pio80 -eq 1"
expect "kvmhost/exits: one MMIO read of a device is one exit ($mmio, $hpet)" \
	eval "test $mmio -eq 1 && test $hpet -eq 1"
expect "kvmhost/exits: each LAPIC timer expiry while running is one exit ($tx for ${loc:-?} interrupts)" \
	eval "test ${loc:-0} -ge 1 && test $tx -eq ${loc:-0}"

# 2d. A parked vCPU stops alone: CPUs 1 and 2 call each other (each call an
# exclusive section in TCG) while the host parks CPU 3 (the PARK test
# hypercall, 100 ms); the guest counts the calls that complete while CPU
# 3's own count stays stopped, in a 50 ms window. Where a parked vCPU
# stalls the others (it used to park inside cpu_exec) none or one
# completes there; the calls in the windows before and after are shown,
# not held to a ratio (the host's load moves them).
b=$out/park
boot park $m kvm_park
pre=$(delta "$b" boot end host.preemptions --vcpu 3)
rounds=$(sed -n 's/^# park: round [0-9]* calls \([0-9]*\) \([0-9]*\) \([0-9]*\) frozen \([0-9]*\).*/\1 \2 \3 \4/p' \
	"$b/tap.log" | tr -d '\r' | paste -sd ';')
best=$(echo "$rounds" | tr ';' '\n' | awk 'NF == 4 && $4 > m { m = $4 } END { print m + 0 }')
echo "# park: per round, calls before / while parked / after, and while CPU 3 stayed stopped: ${rounds:-none}; $pre parks served"
expect "kvmhost/park: the host parked CPU 3 ($pre of 3 parks served)" eval "test $pre -ge 1 && test $pre -le 3"
expect "kvmhost/park: CPUs 1 and 2 went on while CPU 3 stayed parked ($best calls in the best round)" \
	test "$best" -ge 10

# 3. The dedicated hint: PV spinlocks off because of it, cpuidle-haltpoll
# registers and turns host polling off with POLL_CONTROL on every CPU.
b=$out/dedicated
boot dedicated $m,kvm-hint-dedicated=on kvm_abi,kvm_idle,idle_held
expect "kvmhost/dedicated: PV spinlocks disabled because of the hint" \
	in_log "$b" "PV spinlocks disabled with KVM_HINTS_REALTIME hints"
pc=$(delta "$b" boot end exits.msr_write.kvm_poll_control)
echo "# dedicated: $pc POLL_CONTROL writes"
expect "kvmhost/dedicated: POLL_CONTROL written on each of the 4 CPUs ($pc)" test "$pc" -ge 4

# 4. Every PV feature off: the ABI answers -KVM_ENOSYS and #GP.
# The host enforces the CPUID (KVM_CAP_ENFORCE_PV_FEATURE_CPUID, QEMU's
# kvm-pv-enforce-cpuid): without it KVM, and the emulated host, serve every
# PV feature they implement whatever the CPUID says (4b).
off=kvm-pv-ipi=off,kvm-pv-unhalt=off,kvm-poll-control=off,kvm-steal-time=off,kvm-pv-sched-yield=off,kvm-pv-tlb-flush=off,kvm-nopiodelay=off
boot nofeatures $m,$off kvm_abi --emu enforce-pv-cpuid=on

# 4b. The same CPUID, the host's default (not enforced): every feature works.
boot unenforced $m,$off kvm_abi --append "ignore_loglevel ABI_ENFORCED=0"
expect "kvmhost/unenforced: the guest saw no PV feature, the host served them all" \
	grep -q "^# KVM features 0x0, not enforced" "$out/unenforced/tap.log"

# 5. Steal time and PV TLB flush, vCPUs 1-3 preempted 4 ms in every 10 ms:
# shootdowns to preempted vCPUs are deferred to their next entry.
b=$out/preempt
boot preempt $m kvm_tlb \
	--emu preempt-vcpus=1-3,preempt-ns=4000000,preempt-period-ns=10000000
expect "kvmhost/preempt: Linux uses the PV TLB flush" in_log "$b" "KVM setup pv remote TLB flush"
pre=$(delta "$b" boot end host.preemptions)
fl=$(delta "$b" boot end host.tlb_flushes_on_resume)
st=$(delta "$b" boot end host.steal_ns)
echo "# preempt: $pre injected preemptions, $fl deferred TLB flushes done on resume, steal $((st / 1000000)) ms"
expect "kvmhost/preempt: preemption was injected ($pre)" test "$pre" -gt 0
expect "kvmhost/preempt: flushes to preempted vCPUs were deferred ($fl)" test "$fl" -gt 0

# 5b. taxcut's idle driver under both kernels: the dedicated hint, the
# kernel's own haltpoll driver kept from registering; then its trace
# events under perf, and taxcutctl against the report.
for k in "${TEST_KERNELS[@]}"; do
	ready $k || continue
	b=$out/idle-$k
	boot idle-$k $m,kvm-hint-dedicated=on idle,trace,ctl --initrd "$(perf_initrd $k)" \
		--append "ignore_loglevel initcall_blacklist=haltpoll_init"
	pc=$(delta "$b" 400 401 exits.msr_write.kvm_poll_control)
	want=$((4 + 2 * 3 + 4))
	echo "# idle-$k: $pc POLL_CONTROL writes from load to unload"
	expect "kvmhost/idle-$k: POLL_CONTROL written on load, hotplug and unload, $want times ($pc)" \
		test "$pc" -eq $want
done

# 5c. Our kernel's taxcut governor, selected over cpuidle-haltpoll.
k=linux-6.12-debug
ready $k && boot governor $m,kvm-hint-dedicated=on governor

# 6. SMP stress, 60 s on 4 vCPUs under both kernels: every PV feature on,
# hint off (PV spinlocks halt and kick), every vCPU preempted now and then;
# on our lockdep kernel locktorture first (Debian's has no module for it).
for k in "${TEST_KERNELS[@]}"; do
	ready $k || continue
	b=$out/stress-$k
	tests=stress
	[ $k = linux-6.12-debug ] && tests=locktorture,stress
	boot stress-$k $m $tests --timeout 600 \
		--emu preempt-vcpus=all,preempt-ns=1000000,preempt-period-ns=50000000
	hc=$(delta "$b" 300 301 exits.hypercall.send_ipi)
	kick=$(delta "$b" 300 301 exits.hypercall.kick_cpu)
	wake=$(delta "$b" 300 301 host.halt_wakeups)
	drop=$(delta "$b" boot end host.dropped_events)
	echo "# stress-$k: $hc SEND_IPI, $kick KICK_CPU hypercalls, $wake halt wakeups"
	expect "kvmhost/stress-$k: the IPIs went through the PV IPI path ($hc)" test "$hc" -gt 0
	expect "kvmhost/stress-$k: the exit accounting dropped nothing ($drop)" test "$drop" -eq 0
done

# 6b. The same with the dedicated hint on our lockdep kernel: taxcut's
# built-in part picks native qspinlock and TLB flush, PV IPIs through its
# sender (the hint-off run above has PV qspinlock and PV TLB flush).
k=linux-6.12-debug
if ready $k; then
	b=$out/stress-dedicated-$k
	boot stress-dedicated-$k $m,kvm-hint-dedicated=on locktorture,stress --timeout 600 \
		--append "ignore_loglevel STRESS_SECONDS=30"
	expect "$suite/stress-dedicated-$k: native qspinlock chosen for the hint" \
		in_log "$b" "taxcut: spinlock: native-qspinlock \\(dedicated"
	hc=$(delta "$b" 300 301 exits.hypercall.send_ipi)
	kick=$(delta "$b" 300 301 exits.hypercall.kick_cpu)
	drop=$(delta "$b" boot end host.dropped_events)
	echo "# stress-dedicated-$k: $hc SEND_IPI, $kick KICK_CPU hypercalls"
	expect "$suite/stress-dedicated-$k: IPIs through taxcut's PV sender ($hc SEND_IPI)" test "$hc" -gt 0
	expect "$suite/stress-dedicated-$k: no KICK_CPU with native qspinlock ($kick)" test "$kick" -eq 0
	expect "$suite/stress-dedicated-$k: the exit accounting dropped nothing ($drop)" test "$drop" -eq 0
fi

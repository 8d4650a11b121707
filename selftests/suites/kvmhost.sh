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
hc=$(delta "$b" 100 101 exits.hypercall.send_ipi)
icr=$(delta "$b" 100 101 exits.icr)
echo "# pv: $n multicast calls to 3 CPUs: $hc SEND_IPI hypercalls, $icr ICR writes"
expect "kvmhost/pv: one SEND_IPI hypercall per multicast call ($hc for $n)" \
	between "$hc" $n $((n + n / 10))
expect "kvmhost/pv: no ICR write for the multicast ($icr in all, other IPIs)" \
	between "$icr" 0 $((n / 10 - 1))
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
phys=$(delta "$b" 100 101 exits.icr.physical)
hc=$(delta "$b" 100 101 exits.hypercall.send_ipi)
echo "# nopvipi (physical): $n multicast calls to 3 CPUs: $phys ICR writes, $hc SEND_IPI"
expect "kvmhost/nopvipi: one ICR write per target in physical mode ($phys for $n x 3)" \
	between "$phys" $((3 * n)) $((3 * n + n / 10))
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
lg=$(delta "$b" 100 101 exits.icr.logical)
phys=$(delta "$b" 100 101 exits.icr.physical)
echo "# cluster: $n multicast calls to 3 CPUs: $lg logical ICR writes, $phys physical"
expect "kvmhost/cluster: one ICR write per cluster ($lg for $n, one cluster)" \
	between "$lg" $n $((n + n / 10))

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
boot nofeatures $m,kvm-pv-ipi=off,kvm-pv-unhalt=off,kvm-poll-control=off,kvm-steal-time=off,kvm-pv-sched-yield=off,kvm-pv-tlb-flush=off kvm_abi

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
# kernel's own haltpoll driver kept from registering.
for k in "${TEST_KERNELS[@]}"; do
	ready $k || continue
	b=$out/idle-$k
	boot idle-$k $m,kvm-hint-dedicated=on idle \
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
	wake=$(delta "$b" 300 301 exits.halt_wakeup)
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

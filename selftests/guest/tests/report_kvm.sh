# SPDX-License-Identifier: GPL-2.0
# On the emulated KVM host with the dedicated hint: taxcut loads, reports
# what CPUID says and what the kernel does, and unloads cleanly.

R=/sys/kernel/taxcut
check "taxcut loads on KVM" insmod "$TAXCUT_KO"
for f in cpuid_base features hints policy; do
	diag "$f: $(cat $R/$f 2>/dev/null)"
done
[ "$(cat $R/cpuid_base)" = 0x40000000 ]
ok $? "cpuid_base is 0x40000000"
[ "$(cat $R/hints)" = realtime ]
ok $? "hints name the realtime (dedicated) hint"
for key in spinlock tlb_flush ipi cpuidle_driver cpuidle_governor tick_device; do
	grep -q "^$key: " $R/policy
	ok $? "policy has a $key line"
done
# what the kernel does not export is named with where to read it instead
! grep -q unknown $R/policy
ok $? "no policy field is unknown: each was read, or says where it is kept"
grep -q '^ipi: .*x2apic' $R/policy
ok $? "the guest runs in x2APIC mode (KVM lets Linux use it without IRQ remapping)"
dmesg | grep -q "taxcut: KVM at CPUID 0x40000000: .*(dedicated vCPUs)"
ok $? "load line names the base and the dedicated hint"
check "taxcut unloads" rmmod taxcut
[ ! -e $R ]
ok $? "/sys/kernel/taxcut is gone after unload"

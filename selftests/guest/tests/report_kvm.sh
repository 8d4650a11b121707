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
# kernels with IBT hide unexported variables from the report, and say so
! grep unknown $R/policy | grep -qv "no symbol lookup on IBT kernels"
ok $? "every policy line was read from the kernel, or says why it could not"
grep -q '^ipi: .*x2apic' $R/policy
ok $? "the guest runs in x2APIC mode (KVM lets Linux use it without IRQ remapping)"
dmesg | grep -q "taxcut: KVM at CPUID 0x40000000: .*(dedicated vCPUs)"
ok $? "load line names the base and the dedicated hint"
check "taxcut unloads" rmmod taxcut
[ ! -e $R ]
ok $? "/sys/kernel/taxcut is gone after unload"

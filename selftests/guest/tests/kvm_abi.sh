# SPDX-License-Identifier: GPL-2.0
# KVM ABI conformance on the emulated host: raw hypercalls and MSR accesses
# from the kernel (tc_hosttest run=abi), then hypercalls from user mode.
# ABI_ENFORCED=0: the host does not enforce the PV CPUID (KVM's default),
# so every feature it implements must work, advertised or not.
hosttest abi enforced="${ABI_ENFORCED:-1}"
hc_user
ok $? "hypercalls from user mode are refused"

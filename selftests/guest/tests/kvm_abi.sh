# SPDX-License-Identifier: GPL-2.0
# KVM ABI conformance on the emulated host: raw hypercalls and MSR accesses
# from the kernel (tc_hosttest run=abi), then hypercalls from user mode.
hosttest abi
hc_user
ok $? "hypercalls from user mode are refused"

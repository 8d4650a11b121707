# SPDX-License-Identifier: GPL-2.0
# The built-in part's decisions and the running kernel's state, as "# policy:"
# lines, then the IPI and spinlock workloads between marks (100-101,
# 200-201): the host compares all of it with the truth table
# (selftests/suites/policy.sh).
R=/sys/kernel/taxcut
check "taxcut loads" insmod "$TAXCUT_KO" || return 0
sed 's/^/# policy: /' $R/policy
grep -q '^taxcut_guest: built in' $R/policy
ok $? "the kernel has taxcut's built-in part and it decided"
hosttest ipi iterations="${POLICY_IPI_CALLS:-200}"
# With PV spinlocks the first holder keeps the lock until a waiter halted,
# so the unlock must kick: the host's KICK_CPU count cannot depend on timing.
force=0
grep -q '^spinlock: pv-qspinlock' $R/policy && force=1
hosttest lock iterations=4 hold_us=20000 force_halt=$force
check "taxcut unloads" rmmod taxcut

# SPDX-License-Identifier: GPL-2.0
# TLB shootdowns while the host preempts vCPUs: stays correct, and the
# guest sees steal time grow (the host side counts deferred flushes).
steal() { awk '/^cpu /{print $9}' /proc/stat; }
before=$(steal)
tlbstress 3000
ok $? "tlbstress finished with every page checked"
after=$(steal)
echo "# steal (USER_HZ ticks, all CPUs): $before -> $after"
[ "$after" -gt "$before" ]
ok $? "guest steal time grew under injected preemption"

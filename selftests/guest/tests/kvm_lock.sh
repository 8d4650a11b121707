# SPDX-License-Identifier: GPL-2.0
# Spinlock contention on every CPU between marks 200 and 201; with PV
# spinlocks the host side sees KICK_CPU hypercalls: the first holder keeps
# the lock until a waiter has halted, so at least one kick must happen.
hosttest lock iterations=8 hold_us=20000 force_halt=1

# SPDX-License-Identifier: GPL-2.0
# SMP stress for STRESS_SECONDS (default 60): tc_hosttest's cross-CPU calls,
# multicast IPIs, hrtimers and lock contention on every CPU, with user-space
# TLB shootdowns (tlbstress) coming and going alongside.
seconds=${STRESS_SECONDS:-60}
rm -f /tmp/stress.stop /tmp/tlbstress.bad
(
	rounds=0
	while [ ! -e /tmp/stress.stop ]; do
		tlbstress 200 >/tmp/tlbstress.out || cp /tmp/tlbstress.out /tmp/tlbstress.bad
		rounds=$((rounds + 1))
		sleep 1
	done
	echo "$rounds" >/tmp/tlbstress.rounds
) &
loop=$!
hosttest stress seconds="$seconds"
touch /tmp/stress.stop
wait $loop
diag "tlbstress ran $(cat /tmp/tlbstress.rounds) times alongside"
[ ! -e /tmp/tlbstress.bad ]
ok $? "stress: every tlbstress run checked all its pages"
[ -e /tmp/tlbstress.bad ] && sed 's/^/#   /' /tmp/tlbstress.bad
true

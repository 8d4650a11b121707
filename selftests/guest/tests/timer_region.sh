# SPDX-License-Identifier: GPL-2.0
# The exitless timer's device, guest side: with taxcut-agent serving an
# ivshmem-doorbell device (TIMER_EXPECT=region) taxcut finds the region and
# sees the agent's heartbeat advance; with someone else's ivshmem memory
# (TIMER_EXPECT=foreign) it leaves the device alone.
R=/sys/kernel/taxcut
check "taxcut loads" insmod "$TAXCUT_KO" || return 0
line1=$(grep '^exitless_timer:' $R/policy)
diag "$line1"
if [ "${TIMER_EXPECT:-region}" = region ]; then
	echo "$line1" | grep -q "region of $(nproc) slots, agent running"
	ok $? "the region has one slot per CPU and the agent is running"
	sleep 0.3
	beat1=$(echo "$line1" | sed -n 's/.*heartbeat \([0-9]*\),.*/\1/p')
	beat2=$(grep '^exitless_timer:' $R/policy | sed -n 's/.*heartbeat \([0-9]*\),.*/\1/p')
	diag "heartbeat $beat1 then $beat2"
	# a change, not a comparison: the beat starts at a random 64-bit value
	[ -n "$beat1" ] && [ -n "$beat2" ] && [ "$beat2" != "$beat1" ]
	ok $? "the agent's heartbeat advances as seen from the guest"
	dmesg | grep -q "taxcut: timer region: $(nproc) slots"
	ok $? "the kernel log names the region"
	if [ "$(nproc)" -gt 1 ]; then
		bc=$(cat /sys/devices/system/clockevents/broadcast/current_device)
		[ "$bc" = taxcut-bc ]
		ok $? "taxcut-bc holds the tick broadcast slot ($bc)"
		! rmmod taxcut 2>/dev/null
		ok $? "so taxcut stays loaded: rmmod is refused"
		return 0
	fi
else
	echo "$line1" | grep -q "no taxcut timer region"
	ok $? "another ivshmem user's memory is not taken for a timer region"
	dmesg | grep -q "not a taxcut timer region"
	ok $? "the kernel log says it left the device alone"
fi
check "taxcut unloads" rmmod taxcut

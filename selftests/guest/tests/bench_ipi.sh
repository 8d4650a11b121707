# SPDX-License-Identifier: GPL-2.0
# IPI microbenchmark (tc_ipibench, make bench): its result lines as TAP
# comments; the host reads the exits per case from the marks.
dmesg -c >/dev/null
if insmod /lib/taxcut/tc_ipibench.ko iterations="${IPI_ITERATIONS:-2000}"; then
	dmesg | sed -n 's/^.*tc_ipibench: /# ipibench: /p'
	dmesg | grep -q 'tc_ipibench: done'
	ok $? "tc_ipibench ran every case"
	rmmod tc_ipibench
else
	echo "not ok - tc_ipibench loads"
fi

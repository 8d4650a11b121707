# SPDX-License-Identifier: GPL-2.0
# Helpers for guest tests: TAP lines without numbers (the host numbers them).

TAXCUT_KO=/lib/taxcut/taxcut.ko

# ok CONDITION_STATUS DESCRIPTION: "ok" if the status is 0
ok() {
	if [ "$1" -eq 0 ]; then
		echo "ok - $2"
	else
		echo "not ok - $2"
	fi
}

# check DESCRIPTION COMMAND...: runs the command, ok if it succeeds
check() {
	local what=$1
	shift
	"$@" >/tmp/check.out 2>&1
	local rc=$?
	ok $rc "$what"
	[ $rc -eq 0 ] || sed 's/^/#   /' /tmp/check.out
	return $rc
}

# diag TEXT...: a TAP comment
diag() {
	echo "$*" | sed 's/^/# /'
}

module_loaded() {
	grep -q "^$1 " /proc/modules
}

# hosttest RUN [ARGS]: load the test module with run=RUN, pass on its TAP
# lines from the kernel log, unload it
hosttest() {
	local run=$1
	shift
	dmesg -c >/dev/null
	if ! insmod /lib/taxcut/tc_hosttest.ko run="$run" "$@"; then
		echo "not ok - tc_hosttest run=$run loads"
		return 1
	fi
	dmesg | sed -n 's/^.*tc_hosttest: //p' | grep -E '^(ok|not ok|#)'
	dmesg | grep -q "tc_hosttest: # done: 0 failed"
	ok $? "tc_hosttest run=$run: no check failed"
	rmmod tc_hosttest
}

# mark LABEL: a MARK hypercall, so the host reads exit counts from here on
mark() {
	insmod /lib/taxcut/tc_hosttest.ko run=mark label="$1" && rmmod tc_hosttest
}
